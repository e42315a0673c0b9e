// The pack run as the engine runs it: a child process serving the analyzer protocol, fed every
// resource of a plan. Programs that break a rule fail with its name and message.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { REPO_ROOT } from "./support/podSecurityFixtures";

const TS_NODE = require.resolve("ts-node/register/transpile-only");
const CONFIG_DIR = path.join(REPO_ROOT, "policy", "config");

function run(script: string, args: string[]) {
    const result = spawnSync(process.execPath, ["-r", TS_NODE, script, ...args], { cwd: REPO_ROOT, encoding: "utf8", timeout: 110_000 });
    return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

function planFixture(program: string, stack: string) {
    return run(path.join(__dirname, "support", "planProgram.ts"), [path.join(__dirname, "fixtures", "programs", program), stack, path.join(CONFIG_DIR, `${stack}.json`)]);
}

describe("the policy pack through the analyzer protocol", () => {
    // That the platform's own stacks pass is part of every plan: see test/plan.spec.ts.

    it("fails a program with a privileged container, with the policy's name and message", () => {
        const { code, output } = planFixture("privileged-container", "dev");
        assert.strictEqual(code, 1, output);
        assert.match(output, /^ {4}\[mandatory\] {2}data-platform v0\.1\.0 {2}pod-security-privileged {2}\(kubernetes:apps\/v1:Deployment: agent\)$/m);
        assert.match(output, /^ {4}Pod Security Standards \(baseline\), Privileged Containers: Containers must not run privileged\.$/m);
        assert.match(output, /^ {4}Deployment platform-storage\/agent: privileged \(container "web" must not set securityContext\.privileged=true\)$/m);
        // The namespace enforces restricted, so admission would reject the pod too.
        assert.match(output, /pod-security-admission-agreement {2}\(kubernetes:apps\/v1:Deployment: agent\)/);
    });

    it("fails a prod StatefulSet of 2 members, with the policy's name and message", () => {
        const { code, output } = planFixture("two-member-statefulset", "prod");
        assert.strictEqual(code, 1, output);
        const mandatory = output.split("\n").filter((l) => l.includes("[mandatory]"));
        assert.deepStrictEqual(mandatory, ["    [mandatory]  data-platform v0.1.0  stateful-high-availability  (kubernetes:apps/v1:StatefulSet: db)"], output);
        assert.match(output, /^ {4}StatefulSet platform-storage\/db runs 2 members; at least 3 are required\.$/m);
    });

    it("only warns about the same StatefulSet in dev, where availability rules are advisory", () => {
        const { code, output } = planFixture("two-member-statefulset", "dev");
        assert.strictEqual(code, 0, output);
        assert.match(output, /\[advisory\] {2}data-platform v0\.1\.0 {2}stateful-high-availability/);
    });
});
