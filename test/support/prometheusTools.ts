// promtool and amtool (Debian's prometheus and prometheus-alertmanager packages), run on files in a
// scratch directory. A missing tool fails the test with how to install it.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { tempDir } from "./tempdirs";

export const INSTALL_HINT = "run scripts/install-test-deps (it installs Debian's prometheus and prometheus-alertmanager)";

/** The absolute path of a program on PATH, or an error saying how to install it. */
export function requireTool(name: string, searchPath = process.env.PATH ?? ""): string {
    for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
        const candidate = path.join(dir, name);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            return candidate;
        } catch {
            // not in this directory
        }
    }
    throw new Error(`${name} not found on PATH: ${INSTALL_HINT}`);
}

export interface ToolRun {
    readonly status: number | null;
    readonly stdout: string;
    /** stdout and stderr, for failure messages. */
    readonly output: string;
}

function run(tool: string, args: string[], cwd: string): ToolRun {
    const result = spawnSync(requireTool(tool), args, { cwd, encoding: "utf8" });
    return { status: result.status, stdout: result.stdout, output: `${result.stdout}${result.stderr}` };
}

/** Writes documents as YAML files into a new scratch directory and returns it. */
function scratch(files: Record<string, unknown>): string {
    const dir = tempDir("prometheus-tools");
    for (const [name, doc] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), yaml.dump(doc, { noRefs: true, lineWidth: -1 }));
    return dir;
}

/** `promtool check rules` on a rule file `{ groups }`. */
export function checkRules(groups: readonly unknown[]): ToolRun {
    return run("promtool", ["check", "rules", "rules.yaml"], scratch({ "rules.yaml": { groups } }));
}

/** `promtool test rules` on unit tests (the `tests:` list) against a rule file `{ groups }`. */
export function testRules(groups: readonly unknown[], tests: readonly unknown[]): ToolRun {
    const dir = scratch({ "rules.yaml": { groups }, "tests.yaml": { rule_files: ["rules.yaml"], evaluation_interval: "1m", tests } });
    return run("promtool", ["test", "rules", "tests.yaml"], dir);
}

/** `amtool check-config` on an Alertmanager configuration. */
export function checkAlertmanagerConfig(config: unknown): ToolRun {
    return run("amtool", ["check-config", "alertmanager.yml"], scratch({ "alertmanager.yml": config }));
}

/** The receivers `amtool config routes test` picks for an alert with these labels. */
export function routeAlert(config: unknown, labels: Readonly<Record<string, string>>): ToolRun {
    const dir = scratch({ "alertmanager.yml": config });
    return run("amtool", ["config", "routes", "test", "--config.file=alertmanager.yml", ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)], dir);
}
