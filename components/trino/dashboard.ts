// Trino: the coordinator's view of the cluster (active workers, running and queued queries, query
// memory) and each node's memory pool and the query outcomes, all from Trino's own /metrics.
import { atLeast, dashboard, graph, higherIsWorse, query, stat } from "../observability/dashboards/builder";
import { inNamespace as of, namespaceVariable, rateBy } from "../observability/dashboards/panels";
import { TRINO_THRESHOLDS, trinoJob } from "./monitoring";

const coordinator = (metric: string) => `max(${of(metric, { job: trinoJob("coordinator") })})`;

export function trinoDashboard(): Record<string, unknown> {
    return dashboard({
        uid: "trino",
        title: "Query engine (Trino)",
        description: "Trino: active workers, running and queued queries, cluster and per-node query memory, query outcomes.",
        tags: ["trino", "iceberg"],
        variables: [namespaceVariable("trino_metadata_name_DiscoveryNodeManager_ActiveNodeCount")],
        rows: [
            {
                title: "Cluster",
                panels: [
                    stat("Active nodes (coordinator included)", coordinator("trino_metadata_name_DiscoveryNodeManager_ActiveNodeCount"), { thresholds: atLeast(1) }),
                    stat("Running queries", coordinator("trino_execution_name_QueryManager_RunningQueries")),
                    stat("Queued queries", coordinator("trino_execution_name_QueryManager_QueuedQueries"), { thresholds: higherIsWorse(TRINO_THRESHOLDS.queuedQueries, TRINO_THRESHOLDS.queuedQueries * 10) }),
                    stat(
                        "Query memory reserved",
                        `${coordinator("trino_memory_name_ClusterMemoryManager_ClusterTotalMemoryReservation")} / ${coordinator("trino_memory_name_ClusterMemoryManager_ClusterMemoryBytes")}`,
                        { unit: "percentunit", thresholds: higherIsWorse(0.8, 0.95) },
                    ),
                ],
            },
            {
                title: "Queries",
                panels: [
                    graph("Running and queued", [query(coordinator("trino_execution_name_QueryManager_RunningQueries"), "running"), query(coordinator("trino_execution_name_QueryManager_QueuedQueries"), "queued")]),
                    graph(
                        "Outcomes",
                        [
                            query(rateBy("trino_execution_name_QueryManager_StartedQueries", "namespace"), "started"),
                            query(rateBy("trino_execution_name_QueryManager_CompletedQueries", "namespace"), "completed"),
                            query(rateBy("trino_execution_name_QueryManager_FailedQueries", "namespace"), "failed"),
                            query(rateBy("trino_memory_name_ClusterMemoryManager_QueriesKilledDueToOutOfMemory", "namespace"), "killed (out of memory)"),
                        ],
                        { unit: "ops" },
                    ),
                    graph("Nodes shutting down", [query(coordinator("trino_metadata_name_DiscoveryNodeManager_ShuttingDownNodeCount"), "shutting down")]),
                ],
            },
            {
                title: "Memory",
                panels: [
                    graph(
                        "Query memory pool used, by node",
                        [query(`max by (pod) (${of("trino_memory_type_MemoryPool_name_general_ReservedBytes")}) / max by (pod) (${of("trino_memory_type_MemoryPool_name_general_MaxBytes")})`, "{{pod}}")],
                        { unit: "percentunit", min: 0, max: 1 },
                    ),
                ],
            },
        ],
    });
}
