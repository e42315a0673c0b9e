/** Invalid stack configuration: every problem found, each naming the key, the value and what is allowed. */
export class ConfigError extends Error {
    constructor(
        readonly stack: string,
        readonly problems: readonly string[],
    ) {
        super(`invalid configuration for stack "${stack}":\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}
