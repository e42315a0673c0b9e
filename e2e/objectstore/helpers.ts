// Helpers of the real-process checks that run against a local SeaweedFS: the stack's identities
// with keys made here, S3 operations through e2e/objectstore/s3client.py, and a database created
// as the program's databases Job creates it.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { IdentityGrants, identitiesOf, identityActions, renderS3Identities } from "../../components/objectstore/identities";
import { databasesCommand, databasesSql, passwordEnv } from "../../components/postgres/databasesSql";
import { PlatformConfig } from "../../config/types";
import { serviceScope } from "../../platform/compose";
import { platformServices } from "../../platform/services";
import { PostgresServer, imagePath } from "../../test/support/realTools";
import { PROJECT_DIR } from "../../test/support/stacks";
import { tempDir } from "../../test/support/tempdirs";

const PYTHON = path.join(PROJECT_DIR, ".tools", "venv", "bin", "python");
const S3_CLIENT = path.join(__dirname, "s3client.py");

/** Identities of the e2e run beside the stack's own: a writer and a reader of the warehouse, as config would add them. */
export const E2E_IDENTITIES = [
    { name: "loader", grants: [{ bucket: "lakehouse", access: "write" }] },
    { name: "analyst", grants: [{ bucket: "lakehouse", access: "read" }] },
];

export interface Keyed {
    readonly identity: IdentityGrants;
    readonly accessKey: string;
    readonly secretKey: string;
}

/** The stack's identities (config's and its services' bucket needs), with keys made here as random makes them there. */
export function stackIdentities(config: PlatformConfig): Keyed[] {
    const services = platformServices(config)(serviceScope(config));
    const needs = services.flatMap((s) => s.parts.flatMap((p) => p.needs ?? []));
    return identitiesOf(config.objectStore.buckets, config.objectStore.identities, needs).map((identity) => ({
        identity,
        accessKey: randomBytes(10).toString("hex").toUpperCase(),
        secretKey: randomBytes(20).toString("hex"),
    }));
}

export const identitiesFile = (keyed: readonly Keyed[]) => renderS3Identities(keyed.map((k) => ({ name: k.identity.name, accessKey: k.accessKey, secretKey: k.secretKey, actions: identityActions(k.identity) })));

export type S3Result = Record<string, any> & { status: number };

/** Runs S3 operations as one identity through a gateway. */
export function s3(endpoint: string, who: Keyed | { accessKey: string; secretKey: string }, ops: object[], region = "us-east-1"): S3Result[] {
    const result = spawnSync(PYTHON, [S3_CLIENT, endpoint, who.accessKey, who.secretKey, region], { input: JSON.stringify(ops), encoding: "utf8", timeout: 600_000 });
    assert.strictEqual(result.status, 0, `s3client failed: ${result.stderr}`);
    return result.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
}
/** "op bucket/key: status" of each result; a server error with the message it came with. */
export const statuses = (results: S3Result[]) =>
    results.map((r) => `${r.op} ${r.bucket}${r.key ? `/${r.key}` : ""}: ${r.status}${r.status >= 500 ? ` (${r.code}: ${r.message})` : ""}`);

/** Creates a database and its owner as the databases Job does. */
export function createDatabase(pg: PostgresServer, name: string, owner: string, password: string): void {
    const sqlFile = path.join(tempDir("sql"), "databases.sql");
    fs.writeFileSync(sqlFile, databasesSql([{ name, owner }]));
    const run = spawnSync("bash", ["-ceu", databasesCommand([{ name, owner }], sqlFile)], { env: { ...process.env, ...pg.env, [passwordEnv(owner)]: password, [passwordEnv("postgres_exporter")]: "unused", PATH: imagePath() }, encoding: "utf8" });
    assert.strictEqual(run.status, 0, run.stderr);
}

