// Where replicas of a workload may run.

/** Replicas on different nodes: required when strict (HA stacks), preferred otherwise. */
export function spreadAcrossNodes(labels: Record<string, string>, strict: boolean) {
    const term = { labelSelector: { matchLabels: labels }, topologyKey: "kubernetes.io/hostname" };
    return {
        podAntiAffinity: strict
            ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
            : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
    };
}

/** Replicas spread over zones where the cluster has them, without blocking where it has one. */
export function preferZoneSpread(labels: Record<string, string>) {
    return [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } }];
}

/** A pod spec's placement for `replicas` pods of a Deployment: over nodes and zones when there is more than one, nothing for one. */
export function replicaPlacement(labels: Record<string, string>, replicas: number, strict: boolean) {
    return replicas > 1 ? { affinity: spreadAcrossNodes(labels, strict), topologySpreadConstraints: preferZoneSpread(labels) } : {};
}
