// Runs the pack's policies on made-up resources the way the analyzer server calls them: resource
// policies get one resource's inputs and options, stack policies get all resources, and
// `notApplicable` ends a validation. Violations come back as messages.
import { Policies, Policy, PolicyProviderResource, PolicyResource, PolicyResourceOptions, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { WorkloadKind } from "../../lib/kubernetes";
import { PodTemplate } from "./compliantPod";
import { platformPolicies } from "../../policies";
export { DIGEST, compliantPod } from "./compliantPod";

export interface TestResource {
    readonly type: string;
    readonly props: Record<string, any>;
    /** Pulumi resource name (default: the object's metadata.name, else "test"). */
    readonly name?: string;
    readonly protect?: boolean;
    readonly provider?: { type: string; props: Record<string, any> };
}

export interface Outcome {
    readonly violations: string[];
    /** The reason a validation gave for not applying, if it did. */
    readonly notApplicable?: string;
}

class NotApplicable extends Error {}

const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason ?? "not applicable");
};

function nameOf(resource: TestResource): string {
    return resource.name ?? resource.props.metadata?.name ?? "test";
}

function urnOf(resource: TestResource): string {
    return `urn:pulumi:test::policy-tests::${resource.type}::${nameOf(resource)}`;
}

function optionsOf(resource: TestResource): PolicyResourceOptions {
    return { protect: resource.protect ?? false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 } };
}

function providerOf(resource: TestResource): PolicyProviderResource | undefined {
    return resource.provider && { ...resource.provider, urn: "urn:provider", name: "provider" };
}

const asyncIgnored = (result: void | Promise<void>) => {
    if (result instanceof Promise) throw new Error("the pack's validations are synchronous");
};

export function runResourcePolicy(policy: Policy, resource: TestResource, config: object = {}): Outcome {
    const validations = (policy as ResourceValidationPolicy).validateResource;
    if (!validations) throw new Error(`${policy.name} is not a resource policy`);
    const violations: string[] = [];
    try {
        for (const validate of Array.isArray(validations) ? validations : [validations]) {
            const args = {
                type: resource.type,
                props: resource.props,
                urn: urnOf(resource),
                name: nameOf(resource),
                opts: optionsOf(resource),
                provider: providerOf(resource),
                stackTags: new Map<string, string>(),
                isType: () => false,
                asType: () => undefined,
                getConfig: <T extends object>() => config as T,
                notApplicable,
            };
            asyncIgnored(validate(args, (message) => violations.push(String(message))));
        }
    } catch (err) {
        if (err instanceof NotApplicable) return { violations, notApplicable: err.message };
        throw err;
    }
    return { violations };
}

export interface StackViolation {
    readonly message: string;
    readonly urn?: string;
}

export function runStackPolicy(policy: Policy, resources: readonly TestResource[], config: object = {}): StackViolation[] {
    const validate = (policy as StackValidationPolicy).validateStack;
    if (!validate) throw new Error(`${policy.name} is not a stack policy`);
    const violations: StackViolation[] = [];
    const stackResources: PolicyResource[] = resources.map((r) => ({
        type: r.type,
        props: r.props,
        urn: urnOf(r),
        name: nameOf(r),
        opts: optionsOf(r),
        provider: providerOf(r),
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    }));
    asyncIgnored(
        validate(
            { resources: stackResources, getConfig: <T extends object>() => config as T, stackTags: new Map(), notApplicable },
            (message, urn) => violations.push({ message: String(message), urn }),
        ),
    );
    return violations;
}

const ALL = platformPolicies();

export function policyNamed(name: string, policies: Policies = ALL): Policy {
    const policy = policies.find((p) => p.name === name);
    if (!policy) throw new Error(`no policy ${name}`);
    return policy;
}

/** The Pulumi type of each workload kind. */
export const WORKLOAD_TYPES: Record<WorkloadKind, string> = {
    Pod: "kubernetes:core/v1:Pod",
    Deployment: "kubernetes:apps/v1:Deployment",
    StatefulSet: "kubernetes:apps/v1:StatefulSet",
    DaemonSet: "kubernetes:apps/v1:DaemonSet",
    ReplicaSet: "kubernetes:apps/v1:ReplicaSet",
    Job: "kubernetes:batch/v1:Job",
    CronJob: "kubernetes:batch/v1:CronJob",
};

export type { PodTemplate };

/** A pod template as each workload kind carries it, named `name` in `namespace`. */
export function workload(kind: WorkloadKind, template: PodTemplate, options: { name?: string; namespace?: string; replicas?: number } = {}): TestResource {
    const metadata = { name: options.name ?? "app", namespace: options.namespace ?? "platform-apps" };
    const labels = template.metadata?.labels ?? {};
    const props: Record<WorkloadKind, () => Record<string, any>> = {
        Pod: () => ({ metadata: { ...template.metadata, ...metadata }, spec: template.spec }),
        Deployment: () => ({ metadata, spec: { replicas: options.replicas, selector: { matchLabels: labels }, template } }),
        StatefulSet: () => ({ metadata, spec: { replicas: options.replicas, serviceName: metadata.name, selector: { matchLabels: labels }, template } }),
        DaemonSet: () => ({ metadata, spec: { selector: { matchLabels: labels }, template } }),
        ReplicaSet: () => ({ metadata, spec: { replicas: options.replicas, selector: { matchLabels: labels }, template } }),
        Job: () => ({ metadata, spec: { template: { ...template, spec: { restartPolicy: "Never", ...template.spec } } } }),
        CronJob: () => ({ metadata, spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: { ...template, spec: { restartPolicy: "Never", ...template.spec } } } } } }),
    };
    return { type: WORKLOAD_TYPES[kind], props: props[kind]() };
}

/** A deep copy of a template to change in one test without touching another's. */
export function copy<T>(value: T): T {
    return JSON.parse(JSON.stringify(value));
}
