// The GitHub Actions workflows, checked by actionlint (syntax, expressions, job graph).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { requireFile } from "./support/realTools";
import { PROJECT_DIR } from "./support/stacks";
import { tempDir } from "./support/tempdirs";

const WORKFLOWS = path.join(PROJECT_DIR, ".github", "workflows");
const actionlint = () => requireFile(path.join(PROJECT_DIR, ".tools", "bin", "actionlint"), "actionlint");
const load = (file: string) => yaml.load(fs.readFileSync(path.join(WORKFLOWS, file), "utf8")) as any;

describe("CI/CD workflows", () => {
    it("pass actionlint", () => {
        const files = fs.readdirSync(WORKFLOWS).map((f) => path.join(WORKFLOWS, f));
        const result = spawnSync(actionlint(), files, { encoding: "utf8" });
        assert.strictEqual(result.status, 0, result.stdout + result.stderr);
    });

    it("actionlint rejects a broken workflow (the check can fail)", () => {
        const dir = tempDir("workflows");
        fs.writeFileSync(path.join(dir, "broken.yml"), "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    needs: missing\n    steps:\n      - run: echo ${{ matrix.nope }}\n");
        assert.notStrictEqual(spawnSync(actionlint(), [path.join(dir, "broken.yml")]).status, 0);
    });

    it("pull requests run the README's test command, plan every stack, and preview each with the policy pack", () => {
        const pr = load("pull-request.yml");
        const steps = pr.jobs.checks.steps.map((s: any) => s.run ?? "").join("\n");
        assert.match(steps, /scripts\/install-test-deps && npm ci && npm test/);
        assert.match(steps, /for stack in dev staging prod; do\s+npm run plan -- "\$stack"/);
        const preview = pr.jobs.preview.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions"));
        assert.strictEqual(preview.with.command, "preview");
        assert.strictEqual(preview.with.policyPacks, "policy");
        assert.strictEqual(preview.with["comment-on-pr"], true);
        assert.deepStrictEqual(pr.jobs.preview.strategy.matrix.stack, ["dev", "staging", "prod"]);
    });

    it("main deploys dev, then staging, then prod, each in its protected environment with the policy pack", () => {
        const deploy = load("deploy.yml");
        assert.deepStrictEqual(Object.keys(deploy.jobs), ["dev", "staging", "prod"]);
        assert.strictEqual(deploy.jobs.staging.needs, "dev");
        assert.strictEqual(deploy.jobs.prod.needs, "staging");
        const up = load("pulumi-up.yml").jobs.up;
        assert.strictEqual(up.environment, "${{ inputs.stack }}");
        const pulumi = up.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions"));
        assert.strictEqual(pulumi.with.command, "up");
        assert.strictEqual(pulumi.with.policyPackConfigs, "policy/config/${{ inputs.stack }}.json");
    });
});
