// The filers' table DDL on a real PostgreSQL: several filers that start together on an empty
// `seaweedfs` database all create their table, and none fails (upstream's plain statement does).
import * as assert from "assert";
import { spawn } from "child_process";
import { FILER_CREATE_TABLE } from "../components/objectstore/seaweedfsCommands";
import { PostgresServer, startPostgres } from "./support/realTools";

const UPSTREAM_DEFAULT = `CREATE TABLE IF NOT EXISTS "%s" (dirhash BIGINT, name VARCHAR(65535), directory VARCHAR(65535), meta bytea, PRIMARY KEY (dirhash, name))`;

/** Runs `sql` from `sessions` connections at once; resolves to how many failed. */
function concurrently(pg: PostgresServer, sql: string, sessions: number): Promise<number> {
    const one = () =>
        new Promise<number>((resolve) => {
            const child = spawn("psql", ["-X", "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql], { env: { ...process.env, ...pg.env }, stdio: "ignore" });
            child.on("exit", (code) => resolve(code === 0 ? 0 : 1));
        });
    return Promise.all(Array.from({ length: sessions }, one)).then((codes) => codes.reduce((a, b) => a + b, 0));
}

describe("SeaweedFS filers' table DDL on a real PostgreSQL", function () {
    this.timeout(120_000);
    let pg: PostgresServer;
    before(async () => {
        pg = await startPostgres();
    });
    after(() => pg?.stop());

    it("creates the table once when eight filers run it at the same moment, every round", async () => {
        for (let round = 0; round < 10; round++) {
            const table = `filemeta_ours_${round}`;
            assert.strictEqual(await concurrently(pg, FILER_CREATE_TABLE.replace("%s", table), 8), 0, `round ${round}: a session failed`);
            assert.strictEqual(pg.psql(`select count(*) from pg_tables where tablename = '${table}'`), "1");
        }
        // Run again on an existing table: nothing happens.
        assert.strictEqual(await concurrently(pg, FILER_CREATE_TABLE.replace("%s", "filemeta_ours_0"), 2), 0);
        assert.strictEqual(pg.psql(`select column_name from information_schema.columns where table_name = 'filemeta_ours_0' order by ordinal_position`), "dirhash\nname\ndirectory\nmeta");
    });

    it("is needed: upstream's plain CREATE TABLE IF NOT EXISTS fails in the same race", async () => {
        let failed = 0;
        for (let round = 0; round < 10 && failed === 0; round++) failed += await concurrently(pg, UPSTREAM_DEFAULT.replace("%s", `filemeta_upstream_${round}`), 8);
        assert.ok(failed > 0, "no session failed in 10 rounds of 8");
    });
});
