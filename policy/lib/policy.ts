// What every policy of the pack shares: a config schema with an allow-list of exceptions, config
// reading with the schema's defaults, and typed validation of Kubernetes objects in the style of
// `validateResourceOfType` (filter by kind, then validate the typed object).
import {
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    StackValidation,
    StackValidationArgs,
} from "@pulumi/policy";
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { KubernetesResource, ObjectRef, Workload, asWorkload, kubernetesResource } from "./kubernetes";

/** One allow-listed object: which object a rule does not apply to, and why. */
export interface PolicyException extends ObjectRef {
    readonly reason: string;
}

/** Config every policy accepts; policies add their own properties. */
export interface BaseConfig {
    readonly exceptions: readonly PolicyException[];
}

export const EXCEPTIONS_SCHEMA: PolicyConfigJSONSchema = {
    type: "array",
    description: "Objects this rule does not apply to: kind, namespace (omit for cluster-scoped objects), name and why.",
    default: [],
    items: {
        type: "object",
        additionalProperties: false,
        required: ["kind", "name", "reason"],
        properties: {
            kind: { type: "string", minLength: 1 },
            namespace: { type: "string", minLength: 1 },
            name: { type: "string", minLength: 1 },
            reason: { type: "string", minLength: 10 },
        },
    },
};

/** The config schema of a policy: the exceptions plus the policy's own properties. */
export function configSchema(properties: Record<string, PolicyConfigJSONSchema> = {}): PolicyConfigSchema {
    return { properties: { exceptions: EXCEPTIONS_SCHEMA, ...properties } };
}

/**
 * The policy's config: the schema's defaults overlaid with what the engine passed. The CLI already
 * sends the defaults; filling them in here too keeps a validation right for any other caller.
 */
export function policyConfig<C extends BaseConfig>(schema: PolicyConfigSchema, given: object): C {
    const defaults = Object.fromEntries(
        Object.entries(schema.properties)
            .filter(([, s]) => typeof s === "object" && s.default !== undefined)
            .map(([k, s]) => [k, (s as PolicyConfigJSONSchema).default]),
    );
    return { ...defaults, ...given } as unknown as C;
}

export function findException(config: BaseConfig, ref: ObjectRef): PolicyException | undefined {
    return config.exceptions.find((e) => e.kind === ref.kind && e.name === ref.name && (e.namespace ?? undefined) === (ref.namespace ?? undefined));
}

/** `Deployment platform-apps/web`, how messages and exceptions name an object. */
export function describeRef(ref: ObjectRef): string {
    return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

export type ObjectValidation<T, C> = (object: T, config: C, args: ResourceValidationArgs, reportViolation: ReportViolation) => void;

/**
 * A resource validation for the Kubernetes objects `select` accepts: others are not applicable,
 * allow-listed ones are not applicable with the allow-list's reason.
 */
export function validateObjects<T extends KubernetesResource, C extends BaseConfig>(
    schema: PolicyConfigSchema,
    select: (resource: KubernetesResource) => T | undefined,
    validate: ObjectValidation<T, C>,
): ResourceValidation {
    return (args, reportViolation) => {
        const resource = kubernetesResource(args.type, args.props, args.name);
        const object = resource && select(resource);
        if (!object) return args.notApplicable(`not a resource this policy checks: ${args.type}`);
        const config = policyConfig<C>(schema, args.getConfig());
        const exception = findException(config, object.ref);
        if (exception) return args.notApplicable(`allow-listed: ${exception.reason}`);
        validate(object, config, args, reportViolation);
    };
}

/** Objects of one kind in the given API groups, e.g. Services (`core`), Ingresses (`networking.k8s.io`). */
export function ofKind(groups: readonly string[], kind: string): (resource: KubernetesResource) => KubernetesResource | undefined {
    return (resource) => (resource.type.kind === kind && groups.includes(resource.type.group) ? resource : undefined);
}

export function validateWorkloads<C extends BaseConfig>(schema: PolicyConfigSchema, validate: ObjectValidation<Workload, C>): ResourceValidation {
    return validateObjects(schema, asWorkload, validate);
}

/** A stack validation that is told which objects the policy's config allow-lists. */
export function validateStackObjects(
    schema: PolicyConfigSchema,
    validate: (args: StackValidationArgs, reportViolation: ReportViolation, allowListed: (ref: ObjectRef) => boolean) => void,
): StackValidation {
    return (args, reportViolation) => {
        const config = policyConfig<BaseConfig>(schema, args.getConfig());
        validate(args, reportViolation, (ref) => findException(config, ref) !== undefined);
    };
}

/** A stack resource read as a Kubernetes object (stack policies see outputs, which carry the same fields). */
export interface StackObject<T extends KubernetesResource = KubernetesResource> {
    readonly resource: PolicyResource;
    readonly object: T;
}

export function stackObjects<T extends KubernetesResource>(
    args: StackValidationArgs,
    select: (resource: KubernetesResource) => T | undefined,
): StackObject<T>[] {
    return args.resources.flatMap((resource) => {
        const parsed = kubernetesResource(resource.type, resource.props, resource.name);
        const object = parsed && select(parsed);
        return object ? [{ resource, object }] : [];
    });
}

/** Namespace of a namespaced object: its own, else the provider's default namespace, else `default`. */
export function namespaceOf(ref: ObjectRef, provider?: { props: Record<string, any> }): string {
    return ref.namespace ?? provider?.props.namespace ?? "default";
}
