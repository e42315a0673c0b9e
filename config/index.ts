// The one place that reads `pulumi.Config`. Components receive typed settings from here.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./errors";
import { PlatformConfig } from "./types";
import { rawStackConfig, resolveConfig } from "./validate";

export * from "./types";
export { ConfigError } from "./errors";
export { CONFIG_KEYS } from "./keys";
export { resolveConfig, rawStackConfig, RawStackConfig } from "./validate";

// The SDK knows which keys are secret (the language host passes them in); the function is
// exported at run time but marked internal in the SDK's typings.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(fullKey: string): boolean };

/**
 * Reads and validates the current stack's config. A config error ends the program with a clear
 * message (a RunError prints no stack trace) before any resource is registered.
 */
export function loadConfig(): PlatformConfig {
    const project = pulumi.getProject();
    const config = new pulumi.Config(project);
    const all = pulumi.runtime.allConfig();
    const raw = rawStackConfig(project, pulumi.getStack(), all, (fullKey) => isConfigSecret(fullKey), (key) => config.getSecret(key));
    try {
        return resolveConfig(raw);
    } catch (err) {
        if (err instanceof ConfigError) {
            throw new pulumi.RunError(err.message);
        }
        throw err;
    }
}
