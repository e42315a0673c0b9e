// The DCS sync Job's script (images/patroni/bin/patroni-dcs-sync) run against the local members as
// the Job runs it, and what the check reads back of logical replication slots: the ids of the rows
// a pgoutput slot would still send.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { TOOLS_VENV } from "../../test/support/realTools";
import { PROJECT_DIR } from "../../test/support/stacks";
import { tempDir } from "../../test/support/tempdirs";

export const DCS_SYNC_SCRIPT = path.join(PROJECT_DIR, "images", "patroni", "bin", "patroni-dcs-sync");

export interface SyncRun {
    readonly status: number | null;
    readonly output: string;
    readonly seconds: number;
}

/** Runs the script with `desired` as its dynamic.json, the Job's environment pointed at `url`; resolves when it ends. */
export function runDcsSync(desired: unknown, url: string, restapi: { user: string; password: string }, timeoutSeconds = 300): Promise<SyncRun> {
    const file = path.join(tempDir("dcs-sync"), "dynamic.json");
    fs.writeFileSync(file, JSON.stringify(desired, null, 2));
    const started = Date.now();
    // The image runs it with Patroni's venv interpreter; the tools venv is the same Patroni.
    const child = spawn(path.join(TOOLS_VENV, "bin", "python3"), [DCS_SYNC_SCRIPT, file], {
        env: { PATH: process.env.PATH, PATRONI_URL: url, PATRONI_RESTAPI_USERNAME: restapi.user, PATRONI_RESTAPI_PASSWORD: restapi.password, SYNC_TIMEOUT: String(timeoutSeconds) },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const killer = setTimeout(() => child.kill("SIGKILL"), (timeoutSeconds + 60) * 1000);
    return new Promise((resolve) =>
        child.on("close", (status) => {
            clearTimeout(killer);
            resolve({ status, output, seconds: (Date.now() - started) / 1000 });
        }),
    );
}

/** SQL returning a pgoutput slot's pending changes as hex, without consuming them (`get`: consuming and confirming them). */
export function slotChangesSql(slot: string, publication: string, consume = false): string {
    const fn = consume ? "pg_logical_slot_get_binary_changes" : "pg_logical_slot_peek_binary_changes";
    return `SELECT encode(data, 'hex') FROM ${fn}('${slot}', NULL, NULL, 'proto_version', '1', 'publication_names', '${publication}')`;
}

/**
 * The first column of every Insert message among pgoutput's messages (protocol 1: 'I', relation
 * oid, 'N', column count, then per column 't' + length + text), as numbers: the ids of the rows.
 */
export function insertedIds(hexMessages: string): number[] {
    const ids: number[] = [];
    for (const hex of hexMessages.split("\n").filter(Boolean)) {
        const message = Buffer.from(hex, "hex");
        if (message[0] !== 0x49 /* I */) continue;
        if (message[5] !== 0x4e /* N */ || message[8] !== 0x74 /* t */) throw new Error(`unexpected pgoutput insert message ${hex.slice(0, 40)}`);
        const length = message.readUInt32BE(9);
        ids.push(Number(message.subarray(13, 13 + length).toString("utf8")));
    }
    return ids;
}
