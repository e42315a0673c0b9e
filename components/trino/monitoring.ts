// What the platform watches of Trino: the native OpenMetrics /metrics of every node (the
// coordinator's and the workers' jobs), the metrics it exports (the catalogue alerts and dashboards
// may read) and the alert rules. Trino 476 exports its query, node and memory gauges by default; no
// openmetrics.jmx-object-names are needed. Pure.
import { AlertDefinition, orDefault } from "../observability/alerts";
import { MetricSource, metric } from "../observability/metrics";
import * as q from "../observability/queries";
import { ScrapeOAuth2, ScrapeTarget } from "../observability/scrapeTargets";
import { TRINO_HTTPS_PORT } from "./trinoAuthentication";
import { TRINO_NAMES, trinoPodLabels } from "./trinoCluster";
import { TRINO_PORT, TrinoRole } from "./trinoProperties";

/** Limits the rules use, named so runbooks and the dashboard can quote them. */
export const TRINO_THRESHOLDS = {
    /** Queries waiting for a slot (or memory) on the coordinator. */
    queuedQueries: 1,
} as const;

/** The user the scrape sends (Basic auth, no password): what Trino logs as the caller of /metrics. */
export const TRINO_SCRAPE_USER = "prometheus";

/** The job (PodMonitor) of a role's nodes. */
export const trinoJob = (role: TrinoRole) => TRINO_NAMES[role];

/**
 * The nodes' /metrics. Workers authenticate nothing: a user name is enough. When users sign in
 * through the realm, the coordinator is scraped at HTTPS with a token of Trino's metrics client.
 */
export function trinoScrapeTargets(namespace: string, workers: number, coordinatorOAuth2?: ScrapeOAuth2): ScrapeTarget[] {
    const target = (role: TrinoRole): ScrapeTarget => ({ name: trinoJob(role), namespace, podLabels: trinoPodLabels(role), port: "http", portNumber: TRINO_PORT, path: "/metrics", basicAuthUser: TRINO_SCRAPE_USER });
    const coordinator: ScrapeTarget = coordinatorOAuth2
        ? { name: trinoJob("coordinator"), namespace, podLabels: trinoPodLabels("coordinator"), port: "https", portNumber: TRINO_HTTPS_PORT, path: "/metrics", oauth2: coordinatorOAuth2 }
        : target("coordinator");
    return [coordinator, ...(workers > 0 ? [target("worker")] : [])];
}

export const TRINO_METRIC_SOURCES = {
    trino: {
        endpoint: "every Trino node, port 8080, GET /metrics (OpenMetrics only: text/plain is refused with 406; a user is required: Basic auth without password)",
        verifiedAgainst: "the trino-server 476 tarball, scraped by e2e/engines.spec.ts",
        metrics: [
            metric("trino_execution_name_QueryManager_RunningQueries", "gauge", [], "Queries running (coordinator)"),
            metric("trino_execution_name_QueryManager_QueuedQueries", "gauge", [], "Queries waiting to run (coordinator)"),
            metric("trino_execution_name_QueryManager_StartedQueries", "counter", [], "Queries started since the coordinator started"),
            metric("trino_execution_name_QueryManager_CompletedQueries", "counter", [], "Queries finished (any outcome)"),
            metric("trino_execution_name_QueryManager_FailedQueries", "counter", [], "Queries failed"),
            metric("trino_metadata_name_DiscoveryNodeManager_ActiveNodeCount", "gauge", [], "Nodes the coordinator knows as active, itself included"),
            metric("trino_metadata_name_DiscoveryNodeManager_ShuttingDownNodeCount", "gauge", [], "Nodes shutting down gracefully"),
            metric("trino_memory_name_ClusterMemoryManager_ClusterMemoryBytes", "gauge", [], "Query memory of the cluster (coordinator)"),
            metric("trino_memory_name_ClusterMemoryManager_ClusterTotalMemoryReservation", "gauge", [], "Query memory reserved in the cluster (coordinator)"),
            metric("trino_memory_name_ClusterMemoryManager_QueriesKilledDueToOutOfMemory", "counter", [], "Queries the OOM killer ended"),
            metric("trino_memory_type_MemoryPool_name_general_MaxBytes", "gauge", [], "This node's query memory pool"),
            metric("trino_memory_type_MemoryPool_name_general_ReservedBytes", "gauge", [], "Reserved in this node's pool"),
        ],
    },
} as const satisfies Record<string, MetricSource>;

const coordinatorSelector = (namespace: string) => q.selectorOf({ equal: { namespace, job: trinoJob("coordinator") } });

/** Workers the coordinator sees: active nodes less itself. */
export function trinoActiveWorkers(namespace: string): string {
    return `(max by (namespace) (trino_metadata_name_DiscoveryNodeManager_ActiveNodeCount${coordinatorSelector(namespace)}) - 1)`;
}

export function trinoQueuedQueries(namespace: string): string {
    return `max by (namespace) (trino_execution_name_QueryManager_QueuedQueries${coordinatorSelector(namespace)})`;
}

export function trinoAlerts(namespace: string, workers: number): AlertDefinition[] {
    const coordinator = `sum by (namespace) (kube_deployment_status_replicas_available${q.selectorOf({ equal: { namespace, deployment: TRINO_NAMES.coordinator } })})`;
    return [
        {
            name: "TrinoCoordinatorDown",
            // Also when kube-state-metrics has no series for it (the Deployment is gone).
            expr: `${orDefault(coordinator, { namespace })} < 1`,
            for: "2m",
            severity: "critical",
            summary: "The Trino coordinator is not ready: no query can run.",
            description: "The trino-coordinator Deployment in {{ $labels.namespace }} has no available replica.",
            runbook: "trinocoordinatordown",
        },
        {
            name: "TrinoQueriesQueued",
            expr: `${trinoQueuedQueries(namespace)} >= ${TRINO_THRESHOLDS.queuedQueries}`,
            for: "15m",
            severity: "warning",
            summary: "Queries have waited in Trino's queue for 15 minutes: the cluster is saturated.",
            description: "{{ $value }} queries are queued on the Trino coordinator in {{ $labels.namespace }}.",
            runbook: "trinoqueriesqueued",
        },
        ...(workers > 0
            ? [
                  {
                      name: "TrinoWorkersMissing",
                      expr: `${trinoActiveWorkers(namespace)} < ${workers}`,
                      for: "10m",
                      severity: "warning",
                      summary: `Fewer Trino workers than the ${workers} configured are active: queries run slower or do not fit in memory.`,
                      description: `The Trino coordinator in {{ $labels.namespace }} sees {{ $value }} active workers of ${workers}.`,
                      runbook: "trinoworkersmissing",
                  } satisfies AlertDefinition,
              ]
            : []),
    ];
}
