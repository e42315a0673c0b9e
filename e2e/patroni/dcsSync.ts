// The DCS sync Job's script (images/patroni/bin/patroni-dcs-sync) run against the local members as
// the Job runs it.
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

