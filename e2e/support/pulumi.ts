// The real Pulumi engine of the e2e run: the toolchain's CLI, language host, analyzer script and
// kubernetes provider, the stand-in random/tls plugins, and a local file backend, all in this run's
// own directories. The project is run from a directory of its own (its Pulumi.yaml points `main` at
// the repository), so the CLI never rewrites the repository's stack files.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../../test/support/stacks";
import { tempDir } from "../../test/support/tempdirs";

export interface PulumiRun {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly seconds: number;
}

export interface Engine {
    /** The directory the CLI runs in: Pulumi.yaml (main -> the program) and the stack file. */
    readonly projectDir: string;
    readonly env: NodeJS.ProcessEnv;
    readonly workDir: string;
    pulumi(args: string[], options?: { cwd?: string; timeoutSeconds?: number }): PulumiRun;
    /** A project directory of its own for another program (e.g. e2e/violation). */
    project(name: string, programDir: string, stackFiles?: Record<string, string>): string;
}

/** The toolchain's bin directory and Pulumi home (scripts/toolchain env). */
function toolchain(): { bin: string; pulumiHome: string } {
    const bin = execFileSync(path.join(PROJECT_DIR, "scripts", "toolchain"), ["bin"], { encoding: "utf8" }).trim();
    return { bin, pulumiHome: path.join(path.dirname(bin), "pulumi-home") };
}

export function startEngine(kubeconfig: string, stacks: readonly string[]): Engine {
    const workDir = tempDir("engine");
    const { bin, pulumiHome } = toolchain();
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        PULUMI_HOME: pulumiHome,
        PULUMI_BACKEND_URL: `file://${path.join(workDir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        // --event-log is a debug flag of the CLI.
        PULUMI_DEBUG_COMMANDS: "true",
        KUBECONFIG: kubeconfig,
    };
    fs.mkdirSync(path.join(workDir, "state"));
    // The stand-in random and tls plugins (e2e/providers), under the versions the SDKs ask for.
    execFileSync(path.join(PROJECT_DIR, "e2e", "providers", "install"), [], { env, stdio: "pipe" });
    const project = (name: string, programDir: string, stackFiles: Record<string, string> = {}) => {
        const dir = path.join(workDir, name);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `${fs.readFileSync(path.join(programDir, "Pulumi.yaml"), "utf8").trimEnd()}\nmain: ${programDir}\n`);
        for (const [file, text] of Object.entries(stackFiles)) fs.writeFileSync(path.join(dir, file), text);
        return dir;
    };
    const projectDir = project("project", PROJECT_DIR, Object.fromEntries(stacks.map((s) => [`Pulumi.${s}.yaml`, fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${s}.yaml`), "utf8")])));
    const pulumi = (args: string[], options: { cwd?: string; timeoutSeconds?: number } = {}): PulumiRun => {
        const started = Date.now();
        const run = spawnSync("pulumi", ["--non-interactive", ...args], { cwd: options.cwd ?? projectDir, env, encoding: "utf8", timeout: (options.timeoutSeconds ?? 900) * 1000, maxBuffer: 64 * 1024 * 1024 });
        return { status: run.status, stdout: run.stdout ?? "", stderr: run.stderr ?? "", seconds: (Date.now() - started) / 1000 };
    };
    return { projectDir, env, workDir, pulumi, project };
}

/** "Resources:\n    + 147 created\n    2 unchanged" -> { created: 147, unchanged: 2 }. */
export function resourceCounts(output: string): Record<string, number> {
    const block = /^Resources:\n((?: {4}.*\n?)+)/m.exec(output)?.[1] ?? "";
    return Object.fromEntries([...block.matchAll(/^ {4}(?:[+~\-]+|\+-) ?(\d+) (.+?)$/gm)].map((m) => [m[2].trim(), Number(m[1])]));
}

/** One engine event of `--event-log` (JSON lines). */
export interface EngineEvent {
    readonly sequence: number;
    readonly timestamp: number;
    readonly resourcePreEvent?: { metadata: { op: string; urn: string; type: string } };
    readonly resOutputsEvent?: { metadata: { op: string; urn: string; type: string } };
}

export function readEvents(file: string): EngineEvent[] {
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line));
}

/** When each resource's step started and ended (engine sequence numbers and seconds), by URN, for steps that did something. */
export function stepTimes(events: readonly EngineEvent[]): Map<string, { op: string; start: number; end: number; startSeq: number; endSeq: number }> {
    const steps = new Map<string, { op: string; start: number; end: number; startSeq: number; endSeq: number }>();
    for (const e of events) {
        // Steps of objects only: the stack and the components span everything below them.
        if (e.resourcePreEvent && e.resourcePreEvent.metadata.op !== "same" && !/^(pulumi:pulumi:Stack|platform:)/.test(e.resourcePreEvent.metadata.type)) {
            steps.set(e.resourcePreEvent.metadata.urn, { op: e.resourcePreEvent.metadata.op, start: e.timestamp, end: e.timestamp, startSeq: e.sequence, endSeq: e.sequence });
        }
        const done = e.resOutputsEvent && steps.get(e.resOutputsEvent.metadata.urn);
        if (done) Object.assign(done, { end: e.timestamp, endSeq: e.sequence });
    }
    return steps;
}

/**
 * The critical path of an update: the chain of dependencies that ends with the step that finished
 * last, each link the dependency that finished last before its dependent started.
 */
export function criticalPath(steps: ReturnType<typeof stepTimes>, dependencies: ReadonlyMap<string, readonly string[]>): { urn: string; op: string; seconds: number }[] {
    const last = [...steps.entries()].sort(([, a], [, b]) => b.endSeq - a.endSeq)[0];
    const chain: { urn: string; op: string; seconds: number }[] = [];
    let current = last;
    while (current) {
        const [urn, step] = current;
        chain.unshift({ urn, op: step.op, seconds: step.end - step.start });
        const before = (dependencies.get(urn) ?? []).filter((d) => steps.has(d)).map((d) => [d, steps.get(d)!] as const).sort(([, a], [, b]) => b.endSeq - a.endSeq)[0];
        current = before as typeof current;
    }
    return chain;
}

/** `Kind name` of a URN (e.g. `Deployment sample-api-blue`), for the log. */
export function shortUrn(urn: string): string {
    const parts = urn.split("::");
    return `${parts[2].split("$").pop()!.split(":").pop()} ${parts[3]}`;
}
