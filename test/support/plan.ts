// Runs the offline plan (`npm run plan -- <stack>`) as a child process, as a user would.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { filesUnder } from "../../scripts/plan/digests";
import { PROJECT_DIR } from "./stacks";

export { filesUnder };
import { tempDir } from "./tempdirs";

export interface PlanRun {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly outDir: string;
}

export function runPlan(stack: string, options: { stackDir?: string; outDir?: string } = {}): PlanRun {
    const outDir = options.outDir ?? tempDir(`plan-${stack}`);
    const args = ["-r", "ts-node/register/transpile-only", path.join(PROJECT_DIR, "scripts", "plan.ts"), stack, "--out", outDir];
    if (options.stackDir) args.push("--stack-dir", options.stackDir);
    const result = spawnSync(process.execPath, args, { cwd: PROJECT_DIR, encoding: "utf8", timeout: 120_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr, outDir };
}

/** The Kubernetes objects a plan wrote. */
export function objectsOf(outDir: string): any[] {
    return filesUnder(path.join(outDir, "manifests")).map((f) => yaml.load(fs.readFileSync(path.join(outDir, "manifests", f), "utf8")));
}

const plans = new Map<string, PlanRun>();

/** One plan of a committed stack per test process, shared by the specs that read it. */
export function planOf(stack: string): PlanRun {
    if (!plans.has(stack)) plans.set(stack, runPlan(stack));
    return plans.get(stack)!;
}

/** The Kubernetes objects of planOf(stack), failing with the plan's stderr when the stack does not plan. */
export function plannedObjects(stack: string): any[] {
    const plan = planOf(stack);
    assert.strictEqual(plan.code, 0, plan.stderr);
    return objectsOf(plan.outDir);
}

/** The Helm chart requests a plan wrote (chart, version, repository, namespace, values), by file name without .yaml. */
export function chartsOf(outDir: string): Record<string, any> {
    const dir = path.join(outDir, "charts");
    if (!fs.existsSync(dir)) return {};
    return Object.fromEntries(fs.readdirSync(dir).map((f) => [f.replace(/\.yaml$/, ""), yaml.load(fs.readFileSync(path.join(dir, f), "utf8"))]));
}
