// The one place that reads `pulumi.Config`. Components receive typed settings from here.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./errors";
import { CONFIG_KEYS, ConfigKey } from "./keys";
import { PlatformConfig } from "./types";
import { RawStackConfig, resolveConfig } from "./validate";

export * from "./types";
export { ConfigError } from "./errors";
export { CONFIG_KEYS } from "./keys";
export { resolveConfig, RawStackConfig } from "./validate";

// The SDK knows which keys are secret (the language host passes them in); the function is
// exported at run time but marked internal in the SDK's typings.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(fullKey: string): boolean };

/** Reads the raw values of every key of the project namespace (objects parsed from JSON). */
function readRaw(project: string): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(`${project}:`)) continue;
        const key = fullKey.slice(project.length + 1);
        const def = (CONFIG_KEYS as Record<string, { kind: string }>)[key];
        if (def?.kind === "object") {
            try {
                values[key] = JSON.parse(text);
            } catch {
                values[key] = text;
            }
        } else {
            values[key] = text;
        }
    }
    return values;
}

/**
 * Reads and validates the current stack's config. A config error ends the program with a clear
 * message (a RunError prints no stack trace) before any resource is registered.
 */
export function loadConfig(): PlatformConfig {
    const project = pulumi.getProject();
    const config = new pulumi.Config(project);
    const values = readRaw(project);
    const raw: RawStackConfig = {
        project,
        stack: pulumi.getStack(),
        values,
        secretKeys: new Set(Object.keys(values).filter((key) => isConfigSecret(`${project}:${key}`))),
        readSecret: (key: ConfigKey) => config.getSecret(key),
    };
    try {
        return resolveConfig(raw);
    } catch (err) {
        if (err instanceof ConfigError) {
            throw new pulumi.RunError(err.message);
        }
        throw err;
    }
}
