// The filers' table DDL on a real PostgreSQL: two filers that start together on an empty
// `seaweedfs` database both create their table, and neither fails (upstream's plain statement
// does). The race is made deterministic: the first session creates the table in an open
// transaction, the second runs the statement (and waits on the first's catalog row), then the
// first commits.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import { FILER_CREATE_TABLE } from "../components/objectstore/seaweedfsCommands";
import { PostgresServer, startPostgres } from "./support/realTools";
import { sleep } from "../e2e/patroni/processes";

const UPSTREAM_DEFAULT = `CREATE TABLE IF NOT EXISTS "%s" (dirhash BIGINT, name VARCHAR(65535), directory VARCHAR(65535), meta bytea, PRIMARY KEY (dirhash, name))`;

function psql(pg: PostgresServer, args: string[]): ChildProcess {
    return spawn("psql", ["-X", "-v", "ON_ERROR_STOP=1", "-qAt", ...args], { env: { ...process.env, ...pg.env }, stdio: ["pipe", "pipe", "pipe"] });
}

const exited = (child: ChildProcess): Promise<{ code: number | null; stderr: string }> =>
    new Promise((resolve) => {
        let stderr = "";
        child.stderr!.on("data", (d) => (stderr += d));
        child.on("exit", (code) => resolve({ code, stderr }));
    });

/** The second of two racing creators: its exit status and error once the first has committed. */
async function secondCreator(pg: PostgresServer, statement: string, table: string): Promise<{ code: number | null; stderr: string; waited: boolean }> {
    const sql = statement.replace("%s", table);
    const first = psql(pg, []);
    const firstDone = exited(first);
    const created = new Promise<void>((resolve) => first.stdout!.on("data", (d) => String(d).includes("created") && resolve()));
    first.stdin!.write(`BEGIN;\n${sql};\nSELECT 'created';\n`);
    await created;
    const second = psql(pg, ["-c", sql]);
    const secondDone = exited(second);
    await sleep(500);
    // Still running: it waits for the first transaction's row in pg_type.
    const waited = second.exitCode === null;
    first.stdin!.end("COMMIT;\n");
    assert.strictEqual((await firstDone).code, 0);
    return { ...(await secondDone), waited };
}

describe("SeaweedFS filers' table DDL on a real PostgreSQL", function () {
    this.timeout(120_000);
    let pg: PostgresServer;
    before(async () => {
        pg = await startPostgres();
    });
    after(() => pg?.stop());

    it("upstream's plain CREATE TABLE IF NOT EXISTS fails for the second of two filers starting together", async () => {
        const second = await secondCreator(pg, UPSTREAM_DEFAULT, "filemeta_upstream");
        assert.ok(second.waited, "the second session did not wait for the first");
        assert.notStrictEqual(second.code, 0);
        assert.match(second.stderr, /duplicate key value violates unique constraint "pg_type_typname_nsp_index"/);
    });

    it("the rendered statement lets the second filer go on, and the table is upstream's", async () => {
        const second = await secondCreator(pg, FILER_CREATE_TABLE, "filemeta");
        assert.ok(second.waited, "the second session did not wait for the first");
        assert.strictEqual(second.code, 0, second.stderr);
        assert.strictEqual(pg.psql(`select string_agg(column_name || ' ' || data_type, ', ' order by ordinal_position) from information_schema.columns where table_name = 'filemeta'`), "dirhash bigint, name character varying, directory character varying, meta bytea");
        assert.strictEqual(pg.psql(`select string_agg(a.attname, ',' order by a.attnum) from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey) where i.indrelid = 'filemeta'::regclass and i.indisprimary`), "dirhash,name");
    });
});
