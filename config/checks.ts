// The checker every section of the config is validated with, and the checks shared by sections:
// each problem names the key, the value and what is allowed, and all problems are collected.
import { isQuantity, parseQuantity } from "./quantity";
import { ResourceSettings, StorageSettings } from "./types";

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// An image with a tag and/or digest: never a bare name (which means :latest).
export const IMAGE_REF = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+((:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})(@sha256:[a-f0-9]{64})?|@sha256:[a-f0-9]{64})$/;
export const CIDR = /^(([0-9]{1,3}\.){3}[0-9]{1,3}\/([0-9]|[12][0-9]|3[0-2])|[0-9a-f:]+\/[0-9]{1,3})$/;

function show(value: unknown): string {
    return value === undefined ? "nothing" : JSON.stringify(value);
}

/** Collects every problem instead of stopping at the first, so a user fixes a file in one go. */
export class Checker {
    readonly problems: string[] = [];

    constructor(private readonly project: string) {}

    fail(path: string, value: unknown, allowed: string): void {
        this.problems.push(`${this.project}:${path}: got ${show(value)}; allowed: ${allowed}`);
    }

    object(path: string, value: unknown, known: readonly string[]): Record<string, unknown> | undefined {
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
            this.fail(path, value, "an object");
            return undefined;
        }
        for (const key of Object.keys(value)) {
            if (!known.includes(key)) {
                this.fail(`${path}.${key}`, (value as Record<string, unknown>)[key], `no such key; known keys of ${path}: ${known.join(", ")}`);
            }
        }
        return value as Record<string, unknown>;
    }

    string(path: string, value: unknown, pattern: RegExp, allowed: string): string {
        if (typeof value !== "string" || !pattern.test(value)) {
            this.fail(path, value, allowed);
        }
        return value as string;
    }

    optionalString(path: string, value: unknown, pattern: RegExp, allowed: string): string | undefined {
        return value === undefined ? undefined : this.string(path, value, pattern, allowed);
    }

    oneOf<T extends string>(path: string, value: unknown, options: readonly T[]): T {
        if (!options.includes(value as T)) {
            this.fail(path, value, `one of ${options.join(", ")}`);
        }
        return value as T;
    }

    boolean(path: string, value: unknown): boolean {
        // Scalars arrive as strings from Pulumi; YAML booleans in objects arrive as booleans.
        if (value === true || value === "true") return true;
        if (value === false || value === "false") return false;
        this.fail(path, value, "true or false");
        return false;
    }

    integer(path: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
        const n = typeof value === "string" && /^-?[0-9]+$/.test(value) ? Number(value) : value;
        if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
            this.fail(path, value, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`);
            return NaN;
        }
        return n;
    }

    quantity(path: string, value: unknown, example: string): string {
        if (!isQuantity(value) || parseQuantity(value) <= 0) {
            this.fail(path, value, `a positive Kubernetes quantity such as ${example}`);
        }
        // Invalid values are returned as they are: later comparisons skip what is not a quantity.
        return value as string;
    }

    /** `small` must not exceed `large` (e.g. requests <= limits). */
    atMost(path: string, small: string, large: string, largePath: string): void {
        if (isQuantity(small) && isQuantity(large) && parseQuantity(small) > parseQuantity(large)) {
            this.fail(path, small, `at most ${largePath} (${large})`);
        }
    }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Overlays `override` on `base`: objects merge key by key, anything else replaces. */
export function deepMerge(base: unknown, override: unknown): unknown {
    if (override === undefined) return base;
    if (!isPlainObject(base) || !isPlainObject(override)) return override;
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) {
        merged[key] = deepMerge(base[key], value);
    }
    return merged;
}

export function resources(c: Checker, path: string, value: unknown): ResourceSettings {
    const r = c.object(path, value, ["requests", "limits"]) ?? {};
    const side = (name: "requests" | "limits") => {
        const s = c.object(`${path}.${name}`, r[name], ["cpu", "memory"]) ?? {};
        return {
            cpu: c.quantity(`${path}.${name}.cpu`, s.cpu, "500m"),
            memory: c.quantity(`${path}.${name}.memory`, s.memory, "512Mi"),
        };
    };
    const requests = side("requests");
    const limits = side("limits");
    c.atMost(`${path}.requests.cpu`, requests.cpu, limits.cpu, `${path}.limits.cpu`);
    c.atMost(`${path}.requests.memory`, requests.memory, limits.memory, `${path}.limits.memory`);
    return { requests, limits };
}

/** A volume's settings; a volume that names no class of its own gets the stack's (config key storageClass). */
export function storage(c: Checker, path: string, value: unknown, stackClass: string | undefined): StorageSettings {
    const s = c.object(path, value, ["storageClass", "size"]) ?? {};
    return {
        storageClass: c.optionalString(`${path}.storageClass`, s.storageClass, DNS_LABEL, "a storage class name (DNS label); omit for the stack's storageClass") ?? stackClass,
        size: c.quantity(`${path}.size`, s.size, "10Gi"),
    };
}

export function cidrs(c: Checker, path: string, value: unknown): string[] {
    if (!Array.isArray(value) || value.length === 0) {
        c.fail(path, value, "a non-empty list of CIDRs such as 10.0.0.0/16");
        return [];
    }
    value.forEach((v, i) => c.string(`${path}[${i}]`, v, CIDR, "a CIDR such as 10.0.0.0/16"));
    return value as string[];
}

/** A CIDR that matches every address (0.0.0.0/0, ::/0). */
export function isAnyAddress(cidr: string): boolean {
    return /\/0$/.test(cidr);
}
