// Networking: every namespace of the stack starts from a default-deny NetworkPolicy, every pod is
// selected by a NetworkPolicy of its namespace, and no Service is exposed outside the cluster
// (NodePort, LoadBalancer, external IPs) unless allow-listed.
import { EnforcementLevel, Policies, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { KubernetesResource, asWorkload, selectorMatches, selectsEverything } from "../lib/kubernetes";
import { BaseConfig, StackObject, configSchema, describeRef, namespaceOf, ofKind, stackObjects, validateObjects, validateStackObjects } from "../lib/policy";

export interface NetworkingConfig {
    /** Service types that reach outside the cluster. */
    readonly exposedServiceTypes: readonly string[];
}

const NETWORK_POLICY_GROUPS = ["networking.k8s.io"];

/** Selects every pod of its namespace for both directions and allows nothing. */
export function isDefaultDeny(spec: Record<string, any> | undefined): boolean {
    const types: string[] = spec?.policyTypes ?? [];
    return (
        selectsEverything(spec?.podSelector) &&
        types.includes("Ingress") &&
        types.includes("Egress") &&
        (spec?.ingress ?? []).length === 0 &&
        (spec?.egress ?? []).length === 0
    );
}

function networkPoliciesByNamespace(policies: StackObject[]): Map<string, StackObject[]> {
    const byNamespace = new Map<string, StackObject[]>();
    for (const policy of policies) {
        const namespace = namespaceOf(policy.object.ref, policy.resource.provider);
        byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), policy]);
    }
    return byNamespace;
}

function defaultDenyPolicy(enforcementLevel: EnforcementLevel): StackValidationPolicy {
    const schema = configSchema();
    return {
        name: "namespace-default-deny",
        description:
            "Every namespace of the stack has a default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules; the namespaces component names it default-deny).",
        enforcementLevel,
        configSchema: schema,
        validateStack: validateStackObjects(schema, (args, reportViolation, allowListed) => {
            const policies = networkPoliciesByNamespace(stackObjects(args, ofKind(NETWORK_POLICY_GROUPS, "NetworkPolicy")));
            for (const { resource, object: namespace } of stackObjects(args, ofKind(["core"], "Namespace"))) {
                if (allowListed(namespace.ref)) continue;
                const inNamespace = policies.get(namespace.ref.name) ?? [];
                if (!inNamespace.some((p) => isDefaultDeny(p.object.object.spec))) {
                    reportViolation(`Namespace ${namespace.ref.name} has no default-deny NetworkPolicy: all traffic to and from its pods is allowed.`, resource.urn);
                }
            }
        }),
    };
}

function podSelectedPolicy(enforcementLevel: EnforcementLevel): StackValidationPolicy {
    const schema = configSchema();
    return {
        name: "pod-network-policy",
        description: "Every workload's pods are selected by at least one NetworkPolicy of their namespace.",
        enforcementLevel,
        configSchema: schema,
        validateStack: validateStackObjects(schema, (args, reportViolation, allowListed) => {
            const policies = networkPoliciesByNamespace(stackObjects(args, ofKind(NETWORK_POLICY_GROUPS, "NetworkPolicy")));
            for (const { resource, object: workload } of stackObjects(args, asWorkload)) {
                if (allowListed(workload.ref)) continue;
                const namespace = namespaceOf(workload.ref, resource.provider);
                const selected = (policies.get(namespace) ?? []).some((p) => selectorMatches(p.object.object.spec?.podSelector, workload.podMetadata.labels));
                if (!selected) {
                    reportViolation(`${describeRef(workload.ref)}: no NetworkPolicy in namespace ${namespace} selects its pods, so their traffic is not restricted.`, resource.urn);
                }
            }
        }),
    };
}

function serviceExposurePolicy(enforcementLevel: EnforcementLevel, defaults: NetworkingConfig): ResourceValidationPolicy {
    const schema = configSchema({
        exposedServiceTypes: {
            type: "array",
            items: { type: "string" },
            default: [...defaults.exposedServiceTypes],
            description: "Service types that reach outside the cluster.",
        },
    });
    return {
        name: "service-external-exposure",
        description:
            "No Service is reachable from outside the cluster (an exposed type such as NodePort or LoadBalancer, or externalIPs) unless allow-listed; only the ingress controller's Service should be.",
        enforcementLevel,
        configSchema: schema,
        validateResource: validateObjects<KubernetesResource, BaseConfig & NetworkingConfig>(schema, ofKind(["core"], "Service"), (service, config, _args, reportViolation) => {
            const spec = service.object.spec ?? {};
            if (config.exposedServiceTypes.includes(spec.type)) {
                reportViolation(`${describeRef(service.ref)} is of type ${spec.type}; publish through the ingress controller, or allow-list the Service with the reason.`);
            }
            if ((spec.externalIPs ?? []).length > 0) {
                reportViolation(`${describeRef(service.ref)} sets externalIPs ${spec.externalIPs.join(", ")}; publish through the ingress controller instead.`);
            }
        }),
    };
}

/** An ipBlock that matches every address (0.0.0.0/0, ::/0) without exceptions carved out. */
function isAnyAddress(peer: Record<string, any>): boolean {
    return typeof peer.ipBlock?.cidr === "string" && /\/0$/.test(peer.ipBlock.cidr) && (peer.ipBlock.except ?? []).length === 0;
}

/** Why an egress rule reaches every address, or undefined when it names its destinations. */
export function openEgress(rule: Record<string, any>): string | undefined {
    const to: Record<string, any>[] = rule.to ?? [];
    const ports = (rule.ports ?? []).map((p: Record<string, any>) => `${p.protocol ?? "TCP"}/${p.port ?? "any"}`).join(", ") || "every port";
    if (to.length === 0) return `has no destinations (any address) on ${ports}`;
    const open = to.filter(isAnyAddress).map((p) => p.ipBlock.cidr);
    return open.length > 0 ? `reaches ${open.join(", ")} on ${ports}` : undefined;
}

function openEgressPolicy(enforcementLevel: EnforcementLevel): ResourceValidationPolicy {
    const schema = configSchema();
    return {
        name: "network-egress-open",
        description:
            "No NetworkPolicy lets pods connect to every address (an egress rule without destinations, or an ipBlock of 0.0.0.0/0 or ::/0) unless allow-listed with the reason, e.g. an ACME CA or a webhook whose addresses are not known in advance.",
        enforcementLevel,
        configSchema: schema,
        validateResource: validateObjects(schema, ofKind(NETWORK_POLICY_GROUPS, "NetworkPolicy"), (policy, _config, _args, reportViolation) => {
            if (!(policy.object.spec?.policyTypes ?? []).includes("Egress")) return;
            (policy.object.spec?.egress ?? []).forEach((rule: Record<string, any>, i: number) => {
                const problem = openEgress(rule);
                if (problem) reportViolation(`${describeRef(policy.ref)}: egress rule ${i + 1} ${problem}; name the destinations, or allow-list the policy with the reason.`);
            });
        }),
    };
}

/** Networking policies; `config` gives the default of the exposed Service types. */
export function networkingPolicies(enforcementLevel: EnforcementLevel, config: NetworkingConfig): Policies {
    return [defaultDenyPolicy(enforcementLevel), podSelectedPolicy(enforcementLevel), serviceExposurePolicy(enforcementLevel, config), openEgressPolicy(enforcementLevel)];
}
