// Pure builders for the per-tier namespace objects, tested without the Pulumi runtime.
import { QuotaSettings, ResourceSettings } from "../../config/types";
import { PodSecurityLevel, TierDefinition, TierName } from "../../config/tiers";

/** Where the cluster DNS runs: every namespace may send DNS queries to it. */
export interface ClusterDns {
    readonly namespace: string;
    readonly podLabels: Readonly<Record<string, string>>;
}

/** kube-dns/CoreDNS as kind, minikube, k3d and the managed clusters label it. */
export const DEFAULT_CLUSTER_DNS: ClusterDns = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } };

export function namespaceName(prefix: string, tier: TierName): string {
    return `${prefix}-${tier}`;
}

/** Pod Security Admission labels: enforce the tier's level, warn and audit at `restricted`. */
export function podSecurityLabels(tier: TierDefinition): Record<string, string> {
    const strictest: PodSecurityLevel = "restricted";
    return {
        "pod-security.kubernetes.io/enforce": tier.enforce,
        "pod-security.kubernetes.io/enforce-version": "latest",
        // Exceptions stay visible: every pod that is not restricted shows up in warnings and audit logs.
        "pod-security.kubernetes.io/warn": strictest,
        "pod-security.kubernetes.io/warn-version": "latest",
        "pod-security.kubernetes.io/audit": strictest,
        "pod-security.kubernetes.io/audit-version": "latest",
    };
}

/** ResourceQuota `hard` limits from the tier's quota settings. */
export function quotaHard(quota: QuotaSettings): Record<string, string> {
    return {
        "requests.cpu": quota.requestsCpu,
        "requests.memory": quota.requestsMemory,
        "limits.cpu": quota.limitsCpu,
        "limits.memory": quota.limitsMemory,
        "requests.storage": quota.requestsStorage,
        persistentvolumeclaims: String(quota.persistentVolumeClaims),
        pods: String(quota.pods),
        "services.loadbalancers": String(quota.loadBalancers),
        "services.nodeports": String(quota.nodePorts),
    };
}

/** LimitRange item giving containers without resources the tier's defaults. */
export function containerLimitRange(defaults: ResourceSettings) {
    return {
        type: "Container",
        defaultRequest: { cpu: defaults.requests.cpu, memory: defaults.requests.memory },
        default: { cpu: defaults.limits.cpu, memory: defaults.limits.memory },
    };
}

/** Denies all ingress and egress of every pod in the namespace; components open what they need. */
export function defaultDenySpec() {
    return {
        podSelector: {},
        policyTypes: ["Ingress", "Egress"],
    };
}

/** Lets every pod of the namespace resolve names through the cluster DNS. */
export function dnsEgressSpec(dns: ClusterDns) {
    return {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
            {
                to: [
                    {
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": dns.namespace } },
                        podSelector: { matchLabels: { ...dns.podLabels } },
                    },
                ],
                ports: [
                    { protocol: "UDP", port: 53 },
                    { protocol: "TCP", port: 53 },
                ],
            },
        ],
    };
}
