// The shared machinery of the stand-in providers: property values as they arrive over gRPC
// (secrets wrapped in signature objects, unknowns as a sentinel string during previews), and a
// resource definition from which Check, Diff, Create, Read, Update and Delete follow the way the
// Terraform-bridged upstream providers behave for these resources.
import * as provider from "@pulumi/pulumi/provider";
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";

export type Props = Record<string, unknown>;

/** A secret as the engine and providers exchange it: the engine keeps it encrypted in the state. */
export interface WireSecret {
    readonly [specialSigKey]: typeof specialSecretSig;
    readonly value: unknown;
}

export const secret = (value: unknown): WireSecret => ({ [specialSigKey]: specialSecretSig, value });

export function isSecret(value: unknown): value is WireSecret {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[specialSigKey] === specialSecretSig;
}

/** The value with every secret wrapper removed (for computing; the wrappers are put back on outputs). */
export function reveal(value: unknown): unknown {
    if (isSecret(value)) return reveal(value.value);
    if (Array.isArray(value)) return value.map(reveal);
    if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    return value;
}

export function containsSecret(value: unknown): boolean {
    if (isSecret(value)) return true;
    if (Array.isArray(value)) return value.some(containsSecret);
    if (typeof value === "object" && value !== null) return Object.values(value).some(containsSecret);
    return false;
}

export function containsUnknown(value: unknown): boolean {
    if (value === unknownValue) return true;
    if (isSecret(value)) return containsUnknown(value.value);
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (typeof value === "object" && value !== null) return Object.values(value).some(containsUnknown);
    return false;
}

/** Structural equality of plain JSON values (object key order does not matter). */
export function deepEqual(a: unknown, b: unknown): boolean {
    if (a === b) return true;
    if (Array.isArray(a) || Array.isArray(b)) {
        return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
    }
    if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
        const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
        return [...keys].every((k) => deepEqual((a as Props)[k], (b as Props)[k]));
    }
    return false;
}

export type PropertyType = "string" | "integer" | "boolean" | "array" | "object" | "map";

export interface InputSpec {
    readonly type: PropertyType;
    /** Upstream's schema default, filled in by Check when the program leaves the input out. */
    readonly default?: unknown;
    /**
     * Whether a change forces replacement (upstream's RequiresReplace plan modifier; the default),
     * or a predicate on the old and new values for upstream's conditional modifiers; false: updated in place.
     */
    readonly replaces?: boolean | ((olds: unknown, news: unknown) => boolean);
    readonly required?: boolean;
}

export interface ResourceDefinition {
    /** e.g. "random:index/randomPassword:RandomPassword". */
    readonly token: string;
    readonly inputs: Readonly<Record<string, InputSpec>>;
    /** Computed output names and types (the inputs are outputs too). */
    readonly outputs: Readonly<Record<string, PropertyType>>;
    /** Outputs returned as secrets, as upstream marks them Sensitive. */
    readonly secretOutputs: readonly string[];
    /** Upstream's plan-time adjustments beyond plain defaults (e.g. number/numeric kept equal). */
    normalize?(inputs: Props): Props;
    /** Validation failures for known input values (secrets revealed; unknowns left as the sentinel). */
    validate?(inputs: Props): provider.CheckFailure[];
    /** Makes the resource: its id and computed outputs, from the checked inputs (secrets revealed). */
    create(inputs: Props): Promise<{ id: string; outs: Props }>;
    /** Replacement triggers that come from the state rather than an input (e.g. a certificate due for renewal). */
    replaceTriggers?(olds: Props, news: Props): string[];
    /** Outputs recomputed on refresh (default: the state as it is). */
    refresh?(state: Props): Props;
}

/** The resource type of a URN: urn:pulumi:stack::project::[parent$...]type::name. */
export function typeOfUrn(urn: string): string {
    const qualified = urn.split("::")[2] ?? "";
    return qualified.slice(qualified.lastIndexOf("$") + 1);
}

const withDefaults = (def: ResourceDefinition, inputs: Props): Props => {
    const result: Props = { ...inputs };
    for (const [name, spec] of Object.entries(def.inputs)) {
        if ((result[name] === undefined || result[name] === null) && spec.default !== undefined) result[name] = spec.default;
    }
    return def.normalize ? def.normalize(result) : result;
};

/** The input part of a state or of new inputs, defaults applied and secrets revealed, for comparing. */
function comparableInputs(def: ResourceDefinition, props: Props): Props {
    const picked: Props = {};
    for (const name of Object.keys(def.inputs)) if (props[name] !== undefined && props[name] !== null) picked[name] = props[name];
    return reveal(withDefaults(def, picked)) as Props;
}

/** Outputs on the wire: upstream's sensitive outputs, and any output whose input was (or held) a secret, wrapped as secrets. */
function wrapSecrets(def: ResourceDefinition, outs: Props, wire: Props): Props {
    const result: Props = {};
    for (const [name, value] of Object.entries(outs)) {
        if (value === undefined) continue;
        const sensitive = def.secretOutputs.includes(name) || (name in def.inputs && containsSecret(wire[name]));
        result[name] = sensitive ? secret(value) : value;
    }
    return result;
}

const typeChecks: Record<PropertyType, (v: unknown) => boolean> = {
    string: (v) => typeof v === "string",
    integer: (v) => typeof v === "number" && Number.isInteger(v),
    boolean: (v) => typeof v === "boolean",
    array: (v) => Array.isArray(v),
    object: (v) => typeof v === "object" && v !== null && !Array.isArray(v),
    map: (v) => typeof v === "object" && v !== null && !Array.isArray(v),
};

/** The Pulumi provider (the SDK's Provider interface) for a set of resource definitions. */
export function makeProvider(pkg: string, version: string, definitions: readonly ResourceDefinition[]): provider.Provider {
    const byToken = new Map(definitions.map((d) => [d.token, d]));
    const definitionOf = (urn: string): ResourceDefinition => {
        const type = typeOfUrn(urn);
        const def = byToken.get(type);
        if (!def) {
            throw new Error(
                `${type} is not implemented by the stand-in ${pkg} provider (a test double for the e2e run, e2e/providers/README.md); ` +
                    `it implements ${[...byToken.keys()].join(", ")}`,
            );
        }
        return def;
    };
    return {
        version,
        getSchema: async () => JSON.stringify(schemaOf(pkg, version, definitions)),

        async check(urn, _olds, news) {
            const def = definitionOf(urn);
            const inputs = withDefaults(def, news ?? {});
            const failures: provider.CheckFailure[] = [];
            for (const name of Object.keys(inputs)) {
                // "__"-prefixed keys are engine/bridge bookkeeping (e.g. __defaults), not inputs.
                if (!(name in def.inputs) && !name.startsWith("__")) failures.push({ property: name, reason: `${name} is not an input of ${def.token}` });
            }
            for (const [name, spec] of Object.entries(def.inputs)) {
                const value = reveal(inputs[name]);
                if (value === undefined || value === null) {
                    if (spec.required) failures.push({ property: name, reason: `Missing required argument: ${name}` });
                } else if (!containsUnknown(value) && !typeChecks[spec.type](value)) {
                    failures.push({ property: name, reason: `${name} must be of type ${spec.type}, not ${JSON.stringify(value)}` });
                }
            }
            if (failures.length === 0 && def.validate) failures.push(...def.validate(reveal(inputs) as Props));
            return { inputs, failures };
        },

        async diff(_id, urn, olds, news) {
            const def = definitionOf(urn);
            const before = comparableInputs(def, olds ?? {});
            const after = comparableInputs(def, news ?? {});
            const changed: string[] = [];
            const replaces: string[] = [];
            for (const [name, spec] of Object.entries(def.inputs)) {
                const unknown = containsUnknown(after[name]);
                if (!unknown && deepEqual(before[name], after[name])) continue;
                changed.push(name);
                const replace = typeof spec.replaces === "function" ? unknown || spec.replaces(before[name], after[name]) : spec.replaces !== false;
                if (replace) replaces.push(name);
            }
            for (const trigger of def.replaceTriggers?.(reveal(olds ?? {}) as Props, after) ?? []) {
                if (!replaces.includes(trigger)) replaces.push(trigger);
            }
            return { changes: changed.length > 0 || replaces.length > 0, replaces, deleteBeforeReplace: false };
        },

        async create(urn, inputs) {
            const def = definitionOf(urn);
            const checked = reveal(withDefaults(def, inputs ?? {})) as Props;
            if (containsUnknown(checked)) throw new Error(`${def.token}: cannot create with unknown inputs`);
            const { id, outs } = await def.create(checked);
            return { id, outs: wrapSecrets(def, { ...comparableInputs(def, checked), ...outs }, inputs ?? {}) };
        },

        async read(id, urn, props) {
            const def = definitionOf(urn);
            if (!props || Object.keys(props).length === 0) {
                throw new Error(`${def.token}: import is not implemented by the stand-in provider (a test double); it only reads its own state`);
            }
            const state = reveal(props) as Props;
            const refreshed = def.refresh ? def.refresh(state) : state;
            const inputs: Props = {};
            for (const name of Object.keys(def.inputs)) if (props[name] !== undefined) inputs[name] = props[name];
            return { id, props: wrapSecrets(def, refreshed, props), inputs };
        },

        async update(_id, urn, olds, news) {
            // Only inputs that do not replace reach an update: take them, keep every generated value.
            const def = definitionOf(urn);
            const generated = Object.fromEntries(Object.entries(reveal(olds ?? {}) as Props).filter(([name]) => !(name in def.inputs)));
            const updated = { ...generated, ...comparableInputs(def, news ?? {}) };
            return { outs: wrapSecrets(def, def.refresh ? def.refresh(updated) : updated, news ?? {}) };
        },

        async delete() {
            // Nothing exists outside the state.
        },
    };
}

/** A minimal package schema (the engine does not ask for it during up/preview/destroy; `pulumi package get-schema` does). */
function schemaOf(pkg: string, version: string, definitions: readonly ResourceDefinition[]) {
    const property = (type: PropertyType) =>
        type === "map" ? { type: "object", additionalProperties: { type: "string" } } : type === "array" ? { type: "array", items: { type: "string" } } : { type };
    return {
        name: pkg,
        version,
        description: `Stand-in ${pkg} provider: a test double for the e2e run, not the real pulumi-resource-${pkg}`,
        resources: Object.fromEntries(
            definitions.map((def) => [
                def.token,
                {
                    inputProperties: Object.fromEntries(Object.entries(def.inputs).map(([name, spec]) => [name, property(spec.type)])),
                    requiredInputs: Object.entries(def.inputs)
                        .filter(([, spec]) => spec.required)
                        .map(([name]) => name),
                    properties: Object.fromEntries([
                        ...Object.entries(def.inputs).map(([name, spec]) => [name, { ...property(spec.type), ...(def.secretOutputs.includes(name) ? { secret: true } : {}) }]),
                        ...Object.entries(def.outputs).map(([name, type]) => [name, { ...property(type), ...(def.secretOutputs.includes(name) ? { secret: true } : {}) }]),
                    ]),
                },
            ]),
        ),
    };
}
