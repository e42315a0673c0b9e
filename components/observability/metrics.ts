// The metrics our deployed sources really export, by source. Alerts and dashboards may only use
// names of the catalogue (test/observability.spec.ts): these platform-wide sources and those each
// service brings (its monitoring.ts); each source says what it was checked against.
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

export const metric = (name: string, type: MetricType, labels: readonly string[], help: string): MetricDefinition => ({ name, type, labels, help });



/** The metrics of what the platform runs for everyone (the services bring their own sources). */
export const PLATFORM_METRIC_SOURCES = {
    kubeStateMetrics: {
        endpoint: "kube-state-metrics of kube-prometheus-stack (labels of the Kubernetes object, honorLabels)",
        verifiedAgainst: "kubernetes/kube-state-metrics internal/store/{cronjob,deployment,pod,statefulset,horizontalpodautoscaler}.go (v2.x)",
        metrics: [
            metric("kube_cronjob_status_last_successful_time", "gauge", ["namespace", "cronjob"], "When the CronJob last completed successfully (absent before the first success)"),
            metric("kube_cronjob_status_last_schedule_time", "gauge", ["namespace", "cronjob"], "When the CronJob was last scheduled"),
            metric("kube_cronjob_created", "gauge", ["namespace", "cronjob"], "When the CronJob was created"),
            metric("kube_cronjob_spec_suspend", "gauge", ["namespace", "cronjob"], "1 if the CronJob is suspended"),
            metric("kube_job_status_failed", "gauge", ["namespace", "job_name", "reason"], "Pods of the Job that failed (by reason)"),
            metric("kube_job_status_start_time", "gauge", ["namespace", "job_name"], "When the Job started"),
            metric("kube_pod_container_status_restarts_total", "counter", ["namespace", "pod", "uid", "container"], "Container restarts"),
            metric("kube_pod_info", "gauge", ["namespace", "pod", "uid", "node", "host_ip", "pod_ip", "created_by_kind", "created_by_name", "priority_class", "host_network"], "One series per pod"),
            metric("kube_statefulset_replicas", "gauge", ["namespace", "statefulset"], "Desired replicas"),
            metric("kube_statefulset_status_replicas_ready", "gauge", ["namespace", "statefulset"], "Ready replicas"),
            metric("kube_deployment_spec_replicas", "gauge", ["namespace", "deployment"], "Desired replicas"),
            metric("kube_deployment_status_replicas_available", "gauge", ["namespace", "deployment"], "Replicas available (ready for minReadySeconds)"),
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
    prometheus: {
        endpoint: "Prometheus itself: series it synthesizes for scrapes and alerts",
        verifiedAgainst: "Prometheus documentation (up per target, ALERTS per pending or firing alert)",
        metrics: [
            metric("up", "gauge", [], "1 if the last scrape of the target succeeded"),
            metric("ALERTS", "gauge", ["alertname", "alertstate", "severity"], "One series per pending or firing alert"),
        ],
    },
} as const satisfies Record<string, MetricSource>;


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

/** Every series name of a catalogue with its metric and source (a histogram's _bucket, _sum and _count all map to it). */
export function catalogueIndex(sources: Readonly<Record<string, MetricSource>>): Map<string, { source: string; metric: MetricDefinition }> {
    const index = new Map<string, { source: string; metric: MetricDefinition }>();
    for (const [source, { metrics }] of Object.entries(sources)) {
        for (const m of metrics) for (const series of seriesNames(m)) index.set(series, { source, metric: m });
    }
    return index;
}
