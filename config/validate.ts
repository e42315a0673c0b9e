// Pure resolution of a stack's raw config into the typed PlatformConfig: defaults for the
// environment, then validation of every value. No Pulumi runtime is needed, so it is tested
// directly with good and bad inputs.
import * as pulumi from "@pulumi/pulumi";
import { TIER_NAMES } from "../components/namespaces/tiers";
import { structuredDefaults } from "./defaults";
import { ConfigError } from "./errors";
import { CONFIG_KEYS, ConfigKey, ConfigKeyDefinition, isConfigKey } from "./keys";
import { isQuantity, parseQuantity } from "./quantity";
import {
    ENVIRONMENTS,
    Environment,
    NamespaceSettings,
    PlatformConfig,
    PostgresSettings,
    QuotaSettings,
    ResourceSettings,
    StorageSettings,
    TierSettings,
} from "./types";

/** A stack's config as read from Pulumi: values by key (without the project namespace). */
export interface RawStackConfig {
    readonly project: string;
    readonly stack: string;
    /** Scalars as strings (as Pulumi stores them), objects already parsed. */
    readonly values: Readonly<Record<string, unknown>>;
    /** Keys whose values are stored encrypted (`secure:` in the stack file). */
    readonly secretKeys: ReadonlySet<string>;
    /** Reads a secret key as a Pulumi secret output. */
    readonly readSecret: (key: ConfigKey) => pulumi.Output<string> | undefined;
}

/**
 * Builds the raw config of a stack from the flat map the Pulumi runtime holds
 * ("project:key" -> string, objects as JSON), keeping only the project's own keys.
 */
export function rawStackConfig(
    project: string,
    stack: string,
    all: Readonly<Record<string, string>>,
    isSecret: (fullKey: string) => boolean,
    readSecret: RawStackConfig["readSecret"],
): RawStackConfig {
    const values: Record<string, unknown> = {};
    const secretKeys = new Set<string>();
    for (const [fullKey, text] of Object.entries(all)) {
        if (!fullKey.startsWith(`${project}:`)) continue;
        const key = fullKey.slice(project.length + 1);
        values[key] = isConfigKey(key) && CONFIG_KEYS[key].kind === "object" ? parseJson(text) : text;
        if (isSecret(fullKey)) secretKeys.add(key);
    }
    return { project, stack, values, secretKeys, readSecret };
}

function parseJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text; // reported by validation as "got <text>; allowed: an object"
    }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const REGISTRY = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const POSTGRES_MAJORS = ["15", "16", "17", "18"];

function show(value: unknown): string {
    return value === undefined ? "nothing" : JSON.stringify(value);
}

/** Collects every problem instead of stopping at the first, so a user fixes a file in one go. */
class Checker {
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

function resources(c: Checker, path: string, value: unknown): ResourceSettings {
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

function storage(c: Checker, path: string, value: unknown): StorageSettings {
    const s = c.object(path, value, ["storageClass", "size"]) ?? {};
    return {
        storageClass: c.optionalString(`${path}.storageClass`, s.storageClass, DNS_LABEL, "a storage class name (DNS label); omit for the cluster default"),
        size: c.quantity(`${path}.size`, s.size, "10Gi"),
    };
}

function quota(c: Checker, path: string, value: unknown): QuotaSettings {
    const q = c.object(path, value, [
        "requestsCpu", "requestsMemory", "limitsCpu", "limitsMemory", "requestsStorage",
        "persistentVolumeClaims", "pods", "loadBalancers", "nodePorts",
    ]) ?? {};
    const result: QuotaSettings = {
        requestsCpu: c.quantity(`${path}.requestsCpu`, q.requestsCpu, "4"),
        requestsMemory: c.quantity(`${path}.requestsMemory`, q.requestsMemory, "8Gi"),
        limitsCpu: c.quantity(`${path}.limitsCpu`, q.limitsCpu, "8"),
        limitsMemory: c.quantity(`${path}.limitsMemory`, q.limitsMemory, "16Gi"),
        requestsStorage: c.quantity(`${path}.requestsStorage`, q.requestsStorage, "100Gi"),
        persistentVolumeClaims: c.integer(`${path}.persistentVolumeClaims`, q.persistentVolumeClaims, 0),
        pods: c.integer(`${path}.pods`, q.pods, 1),
        loadBalancers: c.integer(`${path}.loadBalancers`, q.loadBalancers, 0),
        nodePorts: c.integer(`${path}.nodePorts`, q.nodePorts, 0),
    };
    c.atMost(`${path}.requestsCpu`, result.requestsCpu, result.limitsCpu, `${path}.limitsCpu`);
    c.atMost(`${path}.requestsMemory`, result.requestsMemory, result.limitsMemory, `${path}.limitsMemory`);
    return result;
}

function namespaces(c: Checker, prefix: string, value: unknown): NamespaceSettings {
    const n = c.object("namespaces", value, ["quota", "containerDefaults", "tiers"]) ?? {};
    const overrides = c.object("namespaces.tiers", n.tiers ?? {}, TIER_NAMES) ?? {};
    const tiers = {} as Record<(typeof TIER_NAMES)[number], TierSettings>;
    for (const tier of TIER_NAMES) {
        const path = `namespaces.tiers.${tier}`;
        // Each tier starts from the namespaces-wide settings and may override parts of them.
        const own = overrides[tier] === undefined ? {} : c.object(path, overrides[tier], ["quota", "containerDefaults"]) ?? {};
        const quotaPath = own.quota === undefined ? "namespaces.quota" : `${path}.quota`;
        const defaultsPath = own.containerDefaults === undefined ? "namespaces.containerDefaults" : `${path}.containerDefaults`;
        const settings = {
            quota: quota(c, quotaPath, deepMerge(n.quota, own.quota)),
            containerDefaults: resources(c, defaultsPath, deepMerge(n.containerDefaults, own.containerDefaults)),
        };
        c.atMost(`${defaultsPath}.limits.memory`, settings.containerDefaults.limits.memory, settings.quota.limitsMemory, `${quotaPath}.limitsMemory`);
        tiers[tier] = settings;
    }
    return { prefix, tiers };
}

function postgres(c: Checker, environment: Environment, value: unknown): PostgresSettings {
    const p = c.object("postgres", value, ["members", "version", "storage", "resources"]) ?? {};
    const members = c.integer("postgres.members", p.members, 1, 9);
    // Outside dev the cluster must survive losing a member and keep a majority: an odd count >= 3.
    if (environment !== "dev" && Number.isInteger(members) && (members < 3 || members % 2 === 0)) {
        c.fail("postgres.members", p.members, `an odd number >= 3 when environment is ${environment} (1 is allowed only in dev)`);
    }
    return {
        members,
        version: c.oneOf("postgres.version", p.version, POSTGRES_MAJORS),
        storage: storage(c, "postgres.storage", p.storage),
        resources: resources(c, "postgres.resources", p.resources),
    };
}

/**
 * Resolves and validates a stack's config. Throws ConfigError listing every problem, each naming
 * the key, the value and what is allowed.
 */
export function resolveConfig(raw: RawStackConfig): PlatformConfig {
    const c = new Checker(raw.project);
    // Pulumi fills declared-but-unset optional keys with their declared default, "" here.
    const values = Object.fromEntries(Object.entries(raw.values).filter(([, v]) => v !== ""));
    for (const key of Object.keys(values)) {
        if (!isConfigKey(key)) {
            c.fail(key, values[key], `no such key; known keys: ${Object.keys(CONFIG_KEYS).join(", ")}`);
        }
    }
    for (const [key, def] of Object.entries(CONFIG_KEYS)) {
        const value = values[key];
        if ("secret" in def && def.secret && value !== undefined && !raw.secretKeys.has(key)) {
            c.problems.push(`${raw.project}:${key} is stored in plaintext; set it with \`pulumi config set --secret ${key}\``);
        }
    }

    const environment = c.oneOf("environment", values.environment, ENVIRONMENTS);
    if (!ENVIRONMENTS.includes(environment)) {
        // Nothing else can be defaulted without an environment.
        throw new ConfigError(raw.stack, c.problems);
    }
    const structured = structuredDefaults(environment);
    const value = (key: ConfigKey) => values[key] ?? (CONFIG_KEYS[key] as ConfigKeyDefinition).default;

    const domain = c.string("domain", values.domain, /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
        "a lower-case DNS domain with at least two labels, e.g. data.example.com");
    const prefix = c.string("namespacePrefix", value("namespacePrefix"), /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/,
        "a DNS label of at most 40 characters");

    const config: PlatformConfig = {
        project: raw.project,
        stack: raw.stack,
        environment,
        domain,
        kubernetes: {
            context: c.optionalString("kubeContext", values.kubeContext, /^\S+$/, "a kubeconfig context name"),
            renderYamlTo: c.optionalString("renderYamlTo", values.renderYamlTo, /^\S+$/, "a directory path"),
        },
        registry: {
            server: c.string("registry", values.registry, REGISTRY, "host[:port][/path] in lower case, e.g. ghcr.io/acme/platform"),
            push: c.boolean("registryPush", value("registryPush")),
            username: c.optionalString("registryUsername", values.registryUsername, /^\S+$/, "a user name"),
            password: raw.secretKeys.has("registryPassword") ? raw.readSecret("registryPassword") : undefined,
        },
        namespaces: namespaces(c, prefix, deepMerge(structured.namespaces, values.namespaces)),
        postgres: postgres(c, environment, deepMerge(structured.postgres, values.postgres)),
    };
    if (config.registry.username !== undefined && values.registryPassword === undefined) {
        c.fail("registryPassword", undefined, "a secret value whenever registryUsername is set");
    }
    if (c.problems.length > 0) {
        throw new ConfigError(raw.stack, c.problems);
    }
    return config;
}
