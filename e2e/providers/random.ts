// The random resources the program uses, as pulumi-random (terraform-provider-random's plugin
// framework resources) defines them: RandomPassword and RandomId.
import * as crypto from "crypto";
import type { CheckFailure } from "@pulumi/pulumi/provider";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { bcryptHash } from "./bcrypt";
import { InputSpec, ResourceDefinition, deepEqual } from "./resource";

/** A value that is there and known (not the preview sentinel). */
const known = (value: unknown): boolean => value !== undefined && value !== null && value !== unknownValue;

/**
 * keepers: upstream's RequiresReplaceIfValuesNotNull. Replaced when a kept value changes, appears
 * or disappears; going to or from no keepers at all, or to keys whose values are all null, is not.
 */
function keepersReplace(before: unknown, after: unknown): boolean {
    if (after === undefined) return false;
    const news = after as Record<string, unknown>;
    if (before === undefined) return Object.values(news).some((v) => v !== null && v !== undefined);
    const olds = before as Record<string, unknown>;
    const sameOrNewNull = Object.entries(news).every(([k, v]) => (!(k in olds) && (v === null || v === undefined)) || deepEqual(v, olds[k]));
    const noneDropped = Object.keys(olds).every((k) => k in news);
    return !(sameOrNewNull && noneDropped);
}

const KEEPERS: InputSpec = { type: "map", replaces: keepersReplace };

export const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
export const LOWER = "abcdefghijklmnopqrstuvwxyz";
export const NUMERIC = "0123456789";
/** Upstream's special characters when overrideSpecial is not set. */
export const SPECIAL = "!@#$%&*()-_=+[]{}<>:?";

export interface PasswordParams {
    readonly length: number;
    readonly upper: boolean;
    readonly lower: boolean;
    readonly numeric: boolean;
    readonly special: boolean;
    readonly minUpper: number;
    readonly minLower: number;
    readonly minNumeric: number;
    readonly minSpecial: number;
    readonly overrideSpecial?: string;
}

const pick = (chars: readonly string[], count: number): string[] => Array.from({ length: Math.max(0, count) }, () => chars[crypto.randomInt(chars.length)]);

/**
 * Upstream's random.CreateString: the minimum counts from each class (whether or not the class is
 * enabled, as upstream), the rest from the enabled classes, then shuffled.
 */
export function generatePassword(p: PasswordParams): string {
    const special = [...(p.overrideSpecial ? p.overrideSpecial : SPECIAL)];
    const pool = [...(p.upper ? UPPER : ""), ...(p.lower ? LOWER : ""), ...(p.numeric ? NUMERIC : ""), ...(p.special ? special : [])];
    if (pool.length === 0) throw new Error("the character set specified is empty");
    const chars = [...pick([...NUMERIC], p.minNumeric), ...pick([...LOWER], p.minLower), ...pick([...UPPER], p.minUpper), ...pick(special, p.minSpecial)];
    chars.push(...pick(pool, p.length - chars.length));
    for (let i = chars.length - 1; i > 0; i--) {
        const j = crypto.randomInt(i + 1);
        [chars[i], chars[j]] = [chars[j], chars[i]];
    }
    return chars.join("");
}

const MIN_FIELDS = ["minUpper", "minLower", "minNumeric", "minSpecial"] as const;

export const randomPassword: ResourceDefinition = {
    token: "random:index/randomPassword:RandomPassword",
    inputs: {
        keepers: KEEPERS,
        length: { type: "integer", required: true },
        upper: { type: "boolean", default: true },
        lower: { type: "boolean", default: true },
        numeric: { type: "boolean" },
        number: { type: "boolean" },
        special: { type: "boolean", default: true },
        minUpper: { type: "integer", default: 0 },
        minLower: { type: "integer", default: 0 },
        minNumeric: { type: "integer", default: 0 },
        minSpecial: { type: "integer", default: 0 },
        // RequiresReplaceUnlessEmptyStringToNull: "" → unset is no replacement.
        overrideSpecial: { type: "string", replaces: (before, after) => !(before === "" && after === undefined) },
    },
    outputs: { result: "string", bcryptHash: "string" },
    secretOutputs: ["result", "bcryptHash"],

    normalize(inputs) {
        // number is the deprecated name of numeric: both default to true and follow each other.
        const number = known(inputs.number) ? inputs.number : undefined;
        const numeric = known(inputs.numeric) ? inputs.numeric : undefined;
        return { ...inputs, numeric: inputs.numeric ?? number ?? true, number: inputs.number ?? numeric ?? true };
    },

    validate(inputs) {
        const failures: CheckFailure[] = [];
        const { length } = inputs;
        if (known(inputs.number) && known(inputs.numeric) && inputs.number !== inputs.numeric) {
            failures.push({ property: "numeric", reason: "Number and numeric are both configured with different values: number is deprecated, use numeric instead" });
        }
        if (known(length) && (length as number) < 1) failures.push({ property: "length", reason: `length must be at least 1, got ${length}` });
        for (const field of MIN_FIELDS) {
            if (known(inputs[field]) && (inputs[field] as number) < 0) failures.push({ property: field, reason: `${field} must be at least 0` });
        }
        if (known(length) && MIN_FIELDS.every((f) => known(inputs[f]))) {
            const sum = MIN_FIELDS.reduce((total, f) => total + (inputs[f] as number), 0);
            if ((length as number) < sum) failures.push({ property: "length", reason: `length (${length}) must be at least the sum of minUpper, minLower, minNumeric and minSpecial (${sum})` });
        }
        const classes = ["upper", "lower", "numeric", "special"] as const;
        if (classes.every((c) => known(inputs[c]) && inputs[c] === false)) {
            failures.push({ property: "numeric", reason: "at least one of upper, lower, numeric and special must be true" });
        }
        return failures;
    },

    async create(inputs) {
        const result = generatePassword({
            length: inputs.length as number,
            upper: inputs.upper as boolean,
            lower: inputs.lower as boolean,
            numeric: inputs.numeric as boolean,
            special: inputs.special as boolean,
            minUpper: inputs.minUpper as number,
            minLower: inputs.minLower as number,
            minNumeric: inputs.minNumeric as number,
            minSpecial: inputs.minSpecial as number,
            overrideSpecial: inputs.overrideSpecial as string | undefined,
        });
        // Upstream: bcrypt (cost 10) of the first 72 bytes; the resource id is the literal "none".
        return { id: "none", outs: { result, bcryptHash: bcryptHash(result, 10) } };
    },
};

/** The four encodings upstream gives the bytes, each after the prefix. */
export function idEncodings(bytes: Buffer, prefix = ""): { b64Std: string; b64Url: string; hex: string; dec: string } {
    return {
        b64Std: prefix + bytes.toString("base64"),
        b64Url: prefix + bytes.toString("base64url"),
        hex: prefix + bytes.toString("hex"),
        dec: prefix + BigInt(bytes.length === 0 ? 0 : `0x${bytes.toString("hex")}`).toString(10),
    };
}

export const randomId: ResourceDefinition = {
    token: "random:index/randomId:RandomId",
    inputs: {
        keepers: KEEPERS,
        byteLength: { type: "integer", required: true },
        prefix: { type: "string" },
    },
    outputs: { b64Std: "string", b64Url: "string", hex: "string", dec: "string" },
    secretOutputs: [],

    validate(inputs) {
        const n = inputs.byteLength;
        return known(n) && (n as number) < 1 ? [{ property: "byteLength", reason: `byteLength must be at least 1, got ${n}` }] : [];
    },

    async create(inputs) {
        const bytes = crypto.randomBytes(inputs.byteLength as number);
        // The id is the unpadded URL-safe base64 of the bytes, without the prefix.
        return { id: bytes.toString("base64url"), outs: idEncodings(bytes, (inputs.prefix as string | undefined) ?? "") };
    },
};
