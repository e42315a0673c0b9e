// Per-environment defaults of the structured keys: what a stack gets for every setting it does not set. The committed stack
// files set the values that differ between our environments explicitly, so these matter most for
// a user's own stack (e.g. `Pulumi.alice.yaml` with only `environment` and `domain`).
import { TierName } from "../components/namespaces/tiers";
import { Environment, PostgresSettings, QuotaSettings, ResourceSettings, TierSettings } from "./types";

/** Namespace settings as written in config: one base for all tiers, partial overrides per tier. */
export interface NamespaceDefaults extends TierSettings {
    readonly tiers: Partial<Record<TierName, { readonly quota?: Partial<QuotaSettings> }>>;
}

/** The structured settings that have per-environment defaults (objects in the stack file). */
export interface StructuredDefaults {
    readonly namespaces: NamespaceDefaults;
    readonly postgres: PostgresSettings;
}

function resources(requestsCpu: string, requestsMemory: string, limitsCpu: string, limitsMemory: string): ResourceSettings {
    return { requests: { cpu: requestsCpu, memory: requestsMemory }, limits: { cpu: limitsCpu, memory: limitsMemory } };
}

const STRUCTURED: Readonly<Record<Environment, StructuredDefaults>> = {
    dev: {
        namespaces: {
            quota: {
                requestsCpu: "4", requestsMemory: "8Gi", limitsCpu: "8", limitsMemory: "16Gi",
                requestsStorage: "50Gi", persistentVolumeClaims: 10, pods: 30, loadBalancers: 0, nodePorts: 0,
            },
            containerDefaults: resources("50m", "64Mi", "500m", "256Mi"),
            // Only the edge tier may expose Services outside the cluster.
            tiers: { edge: { quota: { loadBalancers: 1, nodePorts: 2 } } },
        },
        postgres: {
            members: 1,
            version: "17",
            storage: { size: "5Gi" },
            resources: resources("250m", "512Mi", "1", "1Gi"),
        },
    },
    staging: {
        namespaces: {
            quota: {
                requestsCpu: "16", requestsMemory: "32Gi", limitsCpu: "32", limitsMemory: "64Gi",
                requestsStorage: "500Gi", persistentVolumeClaims: 20, pods: 60, loadBalancers: 0, nodePorts: 0,
            },
            containerDefaults: resources("100m", "128Mi", "1", "512Mi"),
            // Only the edge tier may expose Services outside the cluster.
            tiers: { edge: { quota: { loadBalancers: 1 } } },
        },
        postgres: {
            members: 3,
            version: "17",
            storage: { size: "20Gi" },
            resources: resources("500m", "1Gi", "2", "2Gi"),
        },
    },
    prod: {
        namespaces: {
            quota: {
                requestsCpu: "48", requestsMemory: "128Gi", limitsCpu: "96", limitsMemory: "256Gi",
                requestsStorage: "4Ti", persistentVolumeClaims: 40, pods: 150, loadBalancers: 0, nodePorts: 0,
            },
            containerDefaults: resources("100m", "128Mi", "1", "512Mi"),
            // Only the edge tier may expose Services outside the cluster.
            tiers: { edge: { quota: { loadBalancers: 1 } } },
        },
        postgres: {
            members: 3,
            version: "17",
            storage: { size: "100Gi" },
            resources: resources("2", "8Gi", "4", "8Gi"),
        },
    },
};

export function structuredDefaults(environment: Environment): StructuredDefaults {
    return STRUCTURED[environment];
}
