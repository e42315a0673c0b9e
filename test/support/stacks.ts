// Test helpers for stack files: the committed stacks and their config as the program sees it.
import * as fs from "fs";
import * as path from "path";
import * as assert from "assert";
import { ConfigError, RawStackConfig } from "../../config";
import { rawConfigOfStack, readStackConfig } from "../../scripts/plan/stackConfig";
import { tempDir } from "./tempdirs";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** The environments' stacks; every one must plan cleanly. */
export const STACKS = ["dev", "staging", "prod"] as const;

/** The raw config of a stack file in `dir`, as the program would receive it from the CLI. */
export function rawConfigOf(stack: string, dir = PROJECT_DIR): RawStackConfig {
    return rawConfigOfStack(readStackConfig(dir, stack));
}

/** A copy of a raw config with some values replaced (undefined removes a key). */
export function withValues(raw: RawStackConfig, changes: Record<string, unknown>, secretKeys: string[] = []): RawStackConfig {
    const values: Record<string, unknown> = { ...raw.values };
    for (const [key, value] of Object.entries(changes)) {
        if (value === undefined) delete values[key];
        else values[key] = value;
    }
    return { ...raw, values, secretKeys: new Set([...raw.secretKeys, ...secretKeys]) };
}

/** A scratch directory holding Pulumi.yaml and the given stack files, for plans of made-up stacks. */
export function scratchProject(stacks: Record<string, string>): string {
    const dir = tempDir("stack");
    fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    for (const [name, text] of Object.entries(stacks)) {
        fs.writeFileSync(path.join(dir, `Pulumi.${name}.yaml`), text);
    }
    return dir;
}

/** The problems a ConfigError of `run` lists (e.g. resolveConfig of a changed stack), or [] when it passes. */
export function configProblems(run: () => unknown): string[] {
    try {
        run();
        return [];
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
        return [...err.problems];
    }
}
