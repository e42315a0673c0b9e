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
