// Reads a stack's config the way the Pulumi CLI hands it to a program: project-level declared
// keys with their defaults and types from Pulumi.yaml, then Pulumi.<stack>.yaml. Encrypted values
// cannot be decrypted offline, so each becomes a labelled placeholder and stays marked secret.
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { RawStackConfig, rawStackConfig } from "../../config/validate";

export interface ProjectFile {
    readonly name: string;
    readonly config?: Record<string, { type?: string; default?: unknown; secret?: boolean; description?: string }>;
}

export interface StackConfig {
    readonly project: string;
    readonly stack: string;
    /** Fully-qualified key ("project:key") -> value as the program receives it (objects as JSON). */
    readonly values: Record<string, string>;
    /** Fully-qualified keys whose values are secret. */
    readonly secretKeys: string[];
}

/** A problem with the stack file itself, reported as the CLI would before running the program. */
export class StackFileError extends Error {}

export function secretPlaceholder(fullKey: string): string {
    return `[secret:${fullKey}]`;
}

function isSecure(value: unknown): value is { secure: string } {
    return typeof value === "object" && value !== null && Object.keys(value).length === 1 && "secure" in value;
}

/** Replaces nested `secure:` values by placeholders; reports whether any was found. */
function replaceSecure(value: unknown, fullKey: string): { value: unknown; secret: boolean } {
    if (isSecure(value)) return { value: secretPlaceholder(fullKey), secret: true };
    if (Array.isArray(value)) {
        const items = value.map((v, i) => replaceSecure(v, `${fullKey}[${i}]`));
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (typeof value === "object" && value !== null) {
        let secret = false;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            const r = replaceSecure(v, `${fullKey}.${k}`);
            out[k] = r.value;
            secret ||= r.secret;
        }
        return { value: out, secret };
    }
    return { value, secret: false };
}

function asProgramValue(value: unknown): string {
    return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

function checkDeclaredType(stack: string, fullKey: string, type: string | undefined, value: unknown): void {
    const ok =
        type === undefined ||
        (type === "string" && typeof value === "string") ||
        (type === "boolean" && (typeof value === "boolean" || value === "true" || value === "false")) ||
        (type === "integer" && (Number.isInteger(value) || (typeof value === "string" && /^-?[0-9]+$/.test(value)))) ||
        (type === "array" && Array.isArray(value));
    if (!ok) {
        throw new StackFileError(`Stack '${stack}' with configuration key '${fullKey}' must be of type '${type}'`);
    }
}

export function readProjectFile(projectDir: string): ProjectFile {
    const file = path.join(projectDir, "Pulumi.yaml");
    const project = yaml.load(fs.readFileSync(file, "utf8")) as ProjectFile;
    if (!project?.name) throw new StackFileError(`${file} has no project name`);
    return project;
}

export function readStackConfig(projectDir: string, stack: string): StackConfig {
    const project = readProjectFile(projectDir);
    const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) {
        throw new StackFileError(`no stack file ${stackFile}: create it beside Pulumi.yaml (see the config table in README.md)`);
    }
    let parsed: { config?: Record<string, unknown> } | undefined;
    try {
        parsed = yaml.load(fs.readFileSync(stackFile, "utf8")) as typeof parsed;
    } catch (err) {
        throw new StackFileError(`${stackFile} is not valid YAML: ${(err as Error).message}`);
    }
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];

    for (const [rawKey, rawValue] of Object.entries(parsed?.config ?? {})) {
        const fullKey = rawKey.includes(":") ? rawKey : `${project.name}:${rawKey}`;
        const { value, secret } = replaceSecure(rawValue, fullKey);
        const declared = fullKey.startsWith(`${project.name}:`) ? project.config?.[fullKey.slice(project.name.length + 1)] : undefined;
        if (declared) checkDeclaredType(stack, fullKey, declared.type, value);
        values[fullKey] = asProgramValue(value);
        if (secret) secretKeys.push(fullKey);
    }
    for (const [key, declared] of Object.entries(project.config ?? {})) {
        const fullKey = `${project.name}:${key}`;
        if (fullKey in values) continue;
        if (declared.default === undefined) {
            throw new StackFileError(`Stack '${stack}' is missing configuration value '${fullKey}'`);
        }
        values[fullKey] = asProgramValue(declared.default);
    }
    return { project: project.name, stack, values, secretKeys: secretKeys.sort() };
}

/** The raw config the program would resolve from a stack file; secure values become Pulumi secrets. */
export function rawConfigOfStack(config: StackConfig): RawStackConfig {
    const secret = new Set(config.secretKeys);
    const full = (key: string) => `${config.project}:${key}`;
    return rawStackConfig(config.project, config.stack, config.values, (k) => secret.has(k), (key) =>
        secret.has(full(key)) ? pulumi.secret(config.values[full(key)]) : undefined,
    );
}
