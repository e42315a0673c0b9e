// The metrics our deployed sources really export, by source. Alerts and dashboards may only use
// names listed here (test/observability.spec.ts); each source says what it was checked against.
// Names are as Prometheus stores them: counters with their `_total`, histograms by base name.

export type MetricType = "counter" | "gauge" | "histogram" | "summary";

export interface MetricDefinition {
    readonly name: string;
    readonly type: MetricType;
    /** The exporter's own labels (Prometheus adds the target's: namespace, pod, container, job, ...). */
    readonly labels: readonly string[];
    readonly help: string;
}

export interface MetricSource {
    /** Who serves the metrics, and where. */
    readonly endpoint: string;
    /** What the names were checked against. */
    readonly verifiedAgainst: string;
    readonly metrics: readonly MetricDefinition[];
}

/** Labels the Prometheus Operator puts on every scraped series (with honorLabels off, a clashing exporter label becomes exported_<label>). */
export const TARGET_LABELS = ["namespace", "pod", "container", "service", "endpoint", "job", "instance"] as const;

const metric = (name: string, type: MetricType, labels: readonly string[], help: string): MetricDefinition => ({ name, type, labels, help });

/** Patroni labels every metric of its REST API with the cluster's scope and the member's name. */
const patroni = (name: string, type: MetricType, help: string) => metric(name, type, ["scope", "name"], help);
const replicaManager = (name: string, help: string) => metric(`kafka_server_replicamanager_${name}`, "gauge", [], help);
const controller = (name: string, help: string) => metric(`kafka_controller_kafkacontroller_${name}`, "gauge", [], help);
const brokerTopics = (name: string, help: string) => metric(`kafka_server_brokertopicmetrics_${name}_total`, "counter", [], help);
const raft = (name: string, help: string) => metric(`kafka_server_raft_metrics_${name}`, "gauge", [], help);
const statDatabase = (name: string, type: MetricType, help: string) => metric(`pg_stat_database_${name}`, type, ["datid", "datname"], help);

/** Histogram buckets (seconds) of `http_request_duration_seconds`: the latency alert's threshold is one of them. */
export const WEB_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export const METRIC_SOURCES = {
    patroni: {
        endpoint: "Patroni REST API, container patroni, port 8008, GET /metrics",
        verifiedAgainst: "patroni/api.py of Patroni 4.1.4 (do_GET_metrics), the release the image installs",
        metrics: [
            patroni("patroni_version", "gauge", "Patroni version without periods"),
            patroni("patroni_postgres_running", "gauge", "1 if PostgreSQL is running"),
            patroni("patroni_postmaster_start_time", "gauge", "Epoch seconds since PostgreSQL started"),
            patroni("patroni_primary", "gauge", "1 if this member holds the leader lock"),
            patroni("patroni_xlog_location", "counter", "WAL flush position in bytes on the primary, 0 elsewhere"),
            patroni("patroni_standby_leader", "gauge", "1 if this member is a standby leader"),
            patroni("patroni_replica", "gauge", "1 if this member is a replica"),
            patroni("patroni_sync_standby", "gauge", "1 if this member is a synchronous standby"),
            patroni("patroni_quorum_standby", "gauge", "1 if this member is a quorum standby"),
            patroni("patroni_xlog_received_location", "counter", "WAL received position in bytes on a replica"),
            patroni("patroni_xlog_replayed_location", "counter", "WAL replayed position in bytes on a replica"),
            patroni("patroni_xlog_replayed_timestamp", "gauge", "Timestamp of the last replayed transaction"),
            patroni("patroni_xlog_paused", "gauge", "1 if WAL replay is paused"),
            patroni("patroni_postgres_streaming", "gauge", "1 if the replica streams from another member"),
            patroni("patroni_postgres_in_archive_recovery", "gauge", "1 if the replica replays from the archive"),
            patroni("patroni_postgres_server_version", "gauge", "PostgreSQL version without periods"),
            patroni("patroni_cluster_unlocked", "gauge", "1 if nobody holds the leader lock"),
            patroni("patroni_failsafe_mode_is_active", "gauge", "1 if failsafe mode is active"),
            patroni("patroni_postgres_timeline", "gauge", "PostgreSQL timeline"),
            patroni("patroni_dcs_last_seen", "gauge", "Epoch seconds of the last successful DCS contact"),
            patroni("patroni_pending_restart", "gauge", "1 if PostgreSQL needs a restart for a setting"),
            patroni("patroni_is_paused", "gauge", "1 if Patroni is in maintenance mode (no automatic failover)"),
            patroni("patroni_postgres_state", "gauge", "PostgreSQL state as a number"),
        ],
    },
    postgresExporter: {
        endpoint: "postgres_exporter sidecar, container exporter, port 9187, GET /metrics",
        verifiedAgainst: "prometheus-community/postgres_exporter v0.19.1: exporter/postgres_exporter.go, exporter/pg_setting.go, collector/pg_{database,replication,stat_database,locks}.go",
        metrics: [
            metric("pg_up", "gauge", [], "1 if the exporter could connect to PostgreSQL"),
            metric("pg_exporter_last_scrape_error", "gauge", [], "1 if the last scrape failed"),
            metric("pg_stat_activity_count", "gauge", ["datname", "state", "usename", "application_name", "backend_type", "wait_event_type", "wait_event"], "Connections by database and state"),
            metric("pg_stat_activity_max_tx_duration", "gauge", ["datname", "state", "usename", "application_name", "backend_type", "wait_event_type", "wait_event"], "Longest running transaction in seconds"),
            metric("pg_settings_max_connections", "gauge", [], "The max_connections setting"),
            metric("pg_replication_lag_seconds", "gauge", [], "Replay lag of a replica in seconds (0 on the primary)"),
            metric("pg_replication_is_replica", "gauge", [], "1 if the server is in recovery"),
            metric("pg_database_size_bytes", "gauge", ["datname"], "Disk space used by a database"),
            metric("pg_locks_count", "gauge", ["datname", "mode"], "Locks held by mode"),
            statDatabase("numbackends", "gauge", "Backends connected to the database"),
            statDatabase("xact_commit", "counter", "Transactions committed"),
            statDatabase("xact_rollback", "counter", "Transactions rolled back"),
            statDatabase("blks_read", "counter", "Disk blocks read"),
            statDatabase("blks_hit", "counter", "Buffer cache hits"),
            statDatabase("tup_inserted", "counter", "Rows inserted"),
            statDatabase("tup_updated", "counter", "Rows updated"),
            statDatabase("tup_deleted", "counter", "Rows deleted"),
            statDatabase("deadlocks", "counter", "Deadlocks detected"),
            statDatabase("temp_bytes", "counter", "Bytes written to temporary files"),
        ],
    },
    kafka: {
        endpoint: "Prometheus JMX exporter agent 1.0.1 in every Kafka node, port 9404, GET /metrics",
        verifiedAgainst: "images/kafka/jmx-exporter.yaml expanded like the agent does (lowercaseOutputName, unsafe characters to _, counters end in _total)",
        metrics: [
            replicaManager("underreplicatedpartitions", "Partitions led here with fewer in-sync replicas than replicas"),
            replicaManager("underminisrpartitioncount", "Partitions led here below min.insync.replicas"),
            replicaManager("offlinereplicacount", "Replicas on this broker that are offline"),
            replicaManager("partitioncount", "Partitions on this broker"),
            replicaManager("leadercount", "Partitions led by this broker"),
            metric("kafka_server_replicamanager_isrshrinks_total", "counter", [], "In-sync replica set shrinks"),
            metric("kafka_server_replicamanager_isrexpands_total", "counter", [], "In-sync replica set expansions"),
            controller("activecontrollercount", "1 on the active KRaft controller"),
            controller("offlinepartitionscount", "Partitions without a leader"),
            controller("globalpartitioncount", "Partitions in the cluster"),
            controller("globaltopiccount", "Topics in the cluster"),
            controller("activebrokercount", "Registered, unfenced brokers"),
            controller("fencedbrokercount", "Fenced brokers"),
            brokerTopics("messagesin", "Messages appended"),
            brokerTopics("bytesin", "Bytes received from clients"),
            brokerTopics("bytesout", "Bytes sent to clients"),
            brokerTopics("failedproducerequests", "Produce requests that failed"),
            brokerTopics("failedfetchrequests", "Fetch requests that failed"),
            metric("kafka_network_requestmetrics_totaltimems", "gauge", ["request", "quantile"], "Request time in ms (quantile 0.50 or 0.99) for Produce, FetchConsumer, FetchFollower"),
            raft("current_leader", "Node id of the KRaft quorum leader (-1 if unknown)"),
            raft("high_watermark", "High watermark of the metadata log"),
            raft("commit_latency_avg", "Average commit latency of the metadata log in ms"),
        ],
    },
    jvm: {
        endpoint: "the same JMX exporter agent (Kafka): JVM metrics it always registers",
        verifiedAgainst: "jmx_exporter 1.0.1 JavaAgent (JvmMetrics of client_java 1.3) and client_java's JVM metrics documentation",
        metrics: [
            metric("jvm_memory_used_bytes", "gauge", ["area"], "Used bytes of the heap or non-heap area"),
            metric("jvm_memory_max_bytes", "gauge", ["area"], "Maximum bytes of the heap or non-heap area"),
            // A summary without quantiles: only _sum and _count exist (seen on a real broker, e2e/kafka).
            metric("jvm_gc_collection_seconds_sum", "counter", ["gc"], "Seconds spent in garbage collection"),
            metric("jvm_gc_collection_seconds_count", "counter", ["gc"], "Garbage collections"),
            metric("jvm_threads_current", "gauge", [], "Live threads"),
            metric("process_cpu_seconds_total", "counter", [], "CPU time used by the process"),
        ],
    },
    kubeStateMetrics: {
        endpoint: "kube-state-metrics of kube-prometheus-stack (labels of the Kubernetes object, honorLabels)",
        verifiedAgainst: "kubernetes/kube-state-metrics internal/store/{cronjob,pod,statefulset,horizontalpodautoscaler}.go (v2.x)",
        metrics: [
            metric("kube_cronjob_status_last_successful_time", "gauge", ["namespace", "cronjob"], "When the CronJob last completed successfully (absent before the first success)"),
            metric("kube_cronjob_status_last_schedule_time", "gauge", ["namespace", "cronjob"], "When the CronJob was last scheduled"),
            metric("kube_cronjob_created", "gauge", ["namespace", "cronjob"], "When the CronJob was created"),
            metric("kube_cronjob_spec_suspend", "gauge", ["namespace", "cronjob"], "1 if the CronJob is suspended"),
            metric("kube_pod_container_status_restarts_total", "counter", ["namespace", "pod", "uid", "container"], "Container restarts"),
            metric("kube_pod_info", "gauge", ["namespace", "pod", "uid", "node", "host_ip", "pod_ip", "created_by_kind", "created_by_name", "priority_class", "host_network"], "One series per pod"),
            metric("kube_statefulset_replicas", "gauge", ["namespace", "statefulset"], "Desired replicas"),
            metric("kube_statefulset_status_replicas_ready", "gauge", ["namespace", "statefulset"], "Ready replicas"),
            metric("kube_horizontalpodautoscaler_status_current_replicas", "gauge", ["namespace", "horizontalpodautoscaler"], "Current replicas"),
            metric("kube_horizontalpodautoscaler_status_desired_replicas", "gauge", ["namespace", "horizontalpodautoscaler"], "Desired replicas"),
            metric("kube_horizontalpodautoscaler_spec_max_replicas", "gauge", ["namespace", "horizontalpodautoscaler"], "Upper limit of replicas"),
        ],
    },
    kubelet: {
        endpoint: "kubelet /metrics of every node (kube-prometheus-stack's kubelet monitor)",
        verifiedAgainst: "Kubernetes kubelet volume stats collector",
        metrics: [
            metric("kubelet_volume_stats_used_bytes", "gauge", ["namespace", "persistentvolumeclaim"], "Bytes used on a mounted volume"),
            metric("kubelet_volume_stats_capacity_bytes", "gauge", ["namespace", "persistentvolumeclaim"], "Capacity of a mounted volume"),
            metric("kubelet_volume_stats_available_bytes", "gauge", ["namespace", "persistentvolumeclaim"], "Bytes free on a mounted volume"),
        ],
    },
    certManager: {
        endpoint: "cert-manager controller, port 9402, GET /metrics",
        verifiedAgainst: "cert-manager controller metrics (certificate name/namespace/issuer labels; ready status by condition)",
        metrics: [
            metric("certmanager_certificate_expiration_timestamp_seconds", "gauge", ["name", "namespace", "issuer_name", "issuer_kind", "issuer_group"], "When the certificate expires (0 before it is issued)"),
            metric("certmanager_certificate_renewal_timestamp_seconds", "gauge", ["name", "namespace", "issuer_name", "issuer_kind", "issuer_group"], "When cert-manager will renew the certificate"),
            metric("certmanager_certificate_ready_status", "gauge", ["name", "namespace", "condition", "issuer_name", "issuer_kind", "issuer_group"], "1 on the certificate's current Ready condition (True, False or Unknown)"),
        ],
    },
    traefik: {
        endpoint: "Traefik ingress controller metrics entry point (Prometheus format)",
        verifiedAgainst: "Traefik v3 metrics documentation (service and entry point metrics)",
        metrics: [
            metric("traefik_service_requests_total", "counter", ["code", "method", "protocol", "service"], "Requests by backend service"),
            metric("traefik_service_request_duration_seconds", "histogram", ["code", "method", "protocol", "service"], "Request duration by backend service"),
            metric("traefik_entrypoint_requests_total", "counter", ["code", "method", "protocol", "entrypoint"], "Requests by entry point"),
            metric("traefik_open_connections", "gauge", ["entrypoint", "protocol"], "Open connections"),
        ],
    },
    sealedSecrets: {
        endpoint: "sealed-secrets controller, port 8081, GET /metrics",
        verifiedAgainst: "bitnami-labs/sealed-secrets pkg/controller/metrics.go",
        metrics: [
            metric("sealed_secrets_controller_unseal_requests_total", "counter", [], "Unseal requests"),
            metric("sealed_secrets_controller_unseal_errors_total", "counter", ["reason", "namespace"], "Unseal errors by reason (fetch, status, unseal, update, unmanaged)"),
            metric("sealed_secrets_controller_condition_info", "gauge", ["namespace", "name", "condition", "ss_app_kubernetes_io_instance"], "Condition of each SealedSecret"),
        ],
    },
    webServices: {
        endpoint: "every web service of the apps tier, GET /metrics on its HTTP port: the contract the services implement",
        verifiedAgainst: "our contract (no upstream): route is the route template, never the raw path, to bound cardinality",
        metrics: [
            metric("http_requests_total", "counter", ["method", "route", "status"], "Requests served, by method, route template and status code"),
            metric("http_request_duration_seconds", "histogram", ["method", "route"], `Request duration, buckets ${WEB_DURATION_BUCKETS.join(", ")} s`),
        ],
    },
    prometheus: {
        endpoint: "Prometheus itself: series it synthesizes for scrapes and alerts",
        verifiedAgainst: "Prometheus documentation (up per target, ALERTS per pending or firing alert)",
        metrics: [
            metric("up", "gauge", [], "1 if the last scrape of the target succeeded"),
            metric("ALERTS", "gauge", ["alertname", "alertstate", "severity"], "One series per pending or firing alert"),
        ],
    },
} as const satisfies Record<string, MetricSource>;

export type MetricSourceId = keyof typeof METRIC_SOURCES;

/** The series names a metric appears under in Prometheus. */
export function seriesNames(m: MetricDefinition): string[] {
    switch (m.type) {
        case "histogram":
            return [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`];
        case "summary":
            return [m.name, `${m.name}_sum`, `${m.name}_count`];
        default:
            return [m.name];
    }
}

/** Every series name of the catalogue with its metric (a histogram's _bucket, _sum and _count all map to it). */
export function catalogueIndex(): Map<string, { source: MetricSourceId; metric: MetricDefinition }> {
    const index = new Map<string, { source: MetricSourceId; metric: MetricDefinition }>();
    for (const [source, { metrics }] of Object.entries(METRIC_SOURCES) as [MetricSourceId, MetricSource][]) {
        for (const m of metrics) for (const series of seriesNames(m)) index.set(series, { source, metric: m });
    }
    return index;
}
