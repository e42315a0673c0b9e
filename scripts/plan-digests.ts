// Records the digests of every stack's plan (test/fixtures/plan-digests.json), which the tests
// compare against. Run only for a change that is meant to alter what the plan writes, and say which:
//   npm run plan:digests -- --reason "Traefik 41.3.0 -> 41.4.0"
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DIGESTS_FILE, DIGEST_STACKS, PROJECT_DIR, planDigests } from "./plan/digests";

const at = process.argv.indexOf("--reason");
const reason = at >= 0 ? process.argv[at + 1] : undefined;
if (!reason) {
    console.error('usage: npm run plan:digests -- --reason "<why the plan is meant to change>"');
    process.exit(2);
}
const stacks: Record<string, Record<string, string>> = {};
for (const stack of DIGEST_STACKS) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `plan-${stack}-`));
    const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(PROJECT_DIR, "scripts", "plan.ts"), stack, "--out", out], { cwd: PROJECT_DIR, encoding: "utf8" });
    if (run.status !== 0) {
        console.error(`plan of ${stack} failed (${run.status}):\n${run.stderr}${run.stdout}`);
        process.exit(1);
    }
    stacks[stack] = planDigests(out);
    fs.rmSync(out, { recursive: true, force: true });
    console.log(`${stack}: ${Object.keys(stacks[stack]).length} files`);
}
fs.writeFileSync(DIGESTS_FILE, JSON.stringify({ reason, stacks }, null, 2) + "\n");
console.log(`written ${path.relative(PROJECT_DIR, DIGESTS_FILE)}`);
