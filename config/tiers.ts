// The platform's security tiers. Each tier is one namespace; traffic between tiers is denied
// unless a component declares it. The four network tiers of the seed platform (management,
// control/streaming, data/engines, storage) are kept and three are added:
//   edge        - the ingress controller is the only thing reachable from outside the cluster;
//   apps        - the web services around the platform, isolated from the data tiers they call;
//   node-agents - DaemonSets that must read the node (log shipping reads /var/log, node metrics
//                 read /proc and /sys). They cannot pass the restricted Pod Security Standard, so
//                 they get a namespace of their own instead of weakening a shared one.

/** Pod Security Standard levels, as used by Pod Security Admission labels. */
export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

export const TIER_NAMES = ["edge", "apps", "management", "streaming", "engines", "storage", "node-agents"] as const;

/** A security tier of the platform. */
export type TierName = (typeof TIER_NAMES)[number];

export interface TierDefinition {
    /** What runs in the tier (becomes the namespace's description annotation). */
    readonly purpose: string;
    /** The Pod Security Standard enforced by admission. */
    readonly enforce: PodSecurityLevel;
    /** Why the tier cannot enforce `restricted`; required when it does not. */
    readonly exception?: string;
}

export const TIERS: Readonly<Record<TierName, TierDefinition>> = {
    edge: { purpose: "ingress controller: the only entry point from outside the cluster", enforce: "restricted" },
    apps: { purpose: "web services around the platform", enforce: "restricted" },
    management: { purpose: "monitoring, dashboards, alerting and identity", enforce: "restricted" },
    streaming: { purpose: "Kafka and the streaming control plane", enforce: "restricted" },
    engines: { purpose: "catalog and query/processing engines (Nessie, Trino, Spark, Flink)", enforce: "restricted" },
    storage: { purpose: "PostgreSQL (Patroni) and object storage", enforce: "restricted" },
    "node-agents": {
        purpose: "per-node agents: log shipping and node metrics",
        enforce: "privileged",
        exception: "log shipping mounts /var/log from the host and node metrics need the host's /proc and /sys",
    },
};
