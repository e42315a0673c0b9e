import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { TierSettings } from "../../config/types";
import { PART_OF, TIER_LABEL } from "../meta/labels";
import {
    ClusterDns,
    DEFAULT_CLUSTER_DNS,
    containerLimitRange,
    defaultDenySpec,
    dnsEgressSpec,
    namespaceName,
    podSecurityLabels,
    quotaHard,
} from "./manifests";
import { TIERS, TIER_NAMES, TierName } from "../../config/tiers";

/** Names of the NetworkPolicies every namespace gets; the policy pack looks for the first. */
export const DEFAULT_DENY_POLICY = "default-deny";
export const DNS_EGRESS_POLICY = "allow-dns-egress";

export interface PlatformNamespacesArgs {
    /** Namespaces are named `<prefix>-<tier>`. */
    readonly prefix: string;
    /** ResourceQuota and container defaults of each tier. */
    readonly tiers: Readonly<Record<TierName, pulumi.Input<TierSettings>>>;
    /** The stack's environment, recorded as a label on every namespace. */
    readonly environment: pulumi.Input<string>;
    /** Where the cluster DNS runs (default: kube-dns in kube-system). */
    readonly clusterDns?: ClusterDns;
}

/** One namespace per security tier, each with PSA labels, quota, container defaults and default-deny networking. */
export class PlatformNamespaces extends pulumi.ComponentResource {
    /** Namespace name of each tier. */
    readonly names: Record<TierName, pulumi.Output<string>>;
    readonly namespaces: Record<TierName, k8s.core.v1.Namespace>;

    constructor(name: string, args: PlatformNamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:core:PlatformNamespaces", name, {}, opts);
        const dns = args.clusterDns ?? DEFAULT_CLUSTER_DNS;
        const namespaces = {} as Record<TierName, k8s.core.v1.Namespace>;

        for (const tier of TIER_NAMES) {
            const definition = TIERS[tier];
            const settings = pulumi.output(args.tiers[tier]);
            const ns = new k8s.core.v1.Namespace(
                `${name}-${tier}`,
                {
                    metadata: {
                        name: namespaceName(args.prefix, tier),
                        labels: {
                            "app.kubernetes.io/name": namespaceName(args.prefix, tier),
                            "app.kubernetes.io/part-of": PART_OF,
                            "app.kubernetes.io/managed-by": "pulumi",
                            [TIER_LABEL]: tier,
                            "data-platform/environment": args.environment,
                            ...podSecurityLabels(definition),
                        },
                        annotations: {
                            "data-platform/purpose": definition.purpose,
                            ...(definition.exception ? { "data-platform/pod-security-exception": definition.exception } : {}),
                        },
                    },
                },
                { parent: this },
            );
            // Referencing the namespace's output orders every object after its namespace.
            const namespace = ns.metadata.name;

            new k8s.core.v1.ResourceQuota(
                `${name}-${tier}-quota`,
                { metadata: { name: "tier-quota", namespace }, spec: { hard: settings.apply((s) => quotaHard(s.quota)) } },
                { parent: this },
            );
            new k8s.core.v1.LimitRange(
                `${name}-${tier}-limits`,
                { metadata: { name: "container-defaults", namespace }, spec: { limits: [settings.apply((s) => containerLimitRange(s.containerDefaults))] } },
                { parent: this },
            );
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${tier}-default-deny`,
                { metadata: { name: DEFAULT_DENY_POLICY, namespace }, spec: defaultDenySpec() },
                { parent: this },
            );
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${tier}-dns-egress`,
                { metadata: { name: DNS_EGRESS_POLICY, namespace }, spec: dnsEgressSpec(dns) },
                { parent: this },
            );
            namespaces[tier] = ns;
        }

        this.namespaces = namespaces;
        this.names = Object.fromEntries(TIER_NAMES.map((t) => [t, namespaces[t].metadata.name])) as Record<TierName, pulumi.Output<string>>;
        this.registerOutputs({ names: this.names });
    }
}
