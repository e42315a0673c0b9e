// What the platform watches of SeaweedFS: the metrics port of every role, the metrics they export
// (the catalogue alerts and dashboards may read), and the alert rules. Pure.
import { AlertDefinition, leveled, orDefault } from "../observability/alerts";
import { MetricSource, metric } from "../observability/metrics";
import * as q from "../observability/queries";
import { ScrapeTarget } from "../observability/scrapeTargets";
import { SEAWEEDFS_ALL_PODS, SEAWEEDFS_NAMES } from "./objectStore";
import { SEAWEEDFS_PORTS } from "./seaweedfsCommands";

/** Limits the rules use, named so runbooks and the dashboard can quote them. */
export const SEAWEEDFS_THRESHOLDS = {
    /** Share of a volume server's disk that is free; at minFreeSpacePercent it turns its volumes read-only. */
    freeSpace: { warning: 0.15, critical: 0.08 },
    /** Share of S3 requests answered with a 5xx status. */
    s3ErrorRatio: 0.05,
} as const;

/** Every role serves its metrics on the same port (-metricsPort). */
export function seaweedfsScrapeTargets(namespace: string): ScrapeTarget[] {
    return [{ name: "seaweedfs", namespace, podLabels: SEAWEEDFS_ALL_PODS, port: "metrics", portNumber: SEAWEEDFS_PORTS.metrics, path: "/metrics" }];
}

export const SEAWEEDFS_METRIC_SOURCES = {
    seaweedfs: {
        endpoint: "every SeaweedFS process (weed master, volume, filer, s3, server), -metricsPort 9327, GET /metrics",
        verifiedAgainst: "weed built from github.com/seaweedfs/seaweedfs (SeaweedFS 4.53), scraped by e2e/objectstore.spec.ts",
        metrics: [
            metric("SeaweedFS_master_is_leader", "gauge", [], "1 on the master that leads the raft quorum"),
            metric("SeaweedFS_master_received_heartbeats", "counter", ["type"], "Heartbeats the master received from volume servers"),
            metric("SeaweedFS_volumeServer_resource", "gauge", ["name", "type"], "Disk of a volume server's directory in bytes, by type (all, used, free, avail)"),
            metric("SeaweedFS_volumeServer_volumes", "gauge", ["collection", "type"], "Volumes on the volume server, by collection (bucket)"),
            metric("SeaweedFS_volumeServer_read_only_volumes", "gauge", ["collection", "type"], "Read-only volumes, by collection and reason"),
            metric("SeaweedFS_filerStore_request_total", "counter", ["store", "type"], "Requests of the filer to its metadata store"),
            metric("SeaweedFS_s3_request_total", "counter", ["type", "code", "bucket"], "S3 requests by operation, status code and bucket"),
            metric("SeaweedFS_s3_request_seconds", "histogram", ["type", "bucket"], "S3 request duration by operation and bucket"),
        ],
    },
} as const satisfies Record<string, MetricSource>;

/** The workloads that must be fully ready, and how each is named in kube-state-metrics. */
function notReady(namespace: string, statefulsets: string): string {
    const sel = q.selectorOf({ equal: { namespace }, regex: { statefulset: statefulsets } });
    return `(sum by (namespace, statefulset) (kube_statefulset_replicas${sel}) - sum by (namespace, statefulset) (kube_statefulset_status_replicas_ready${sel}))`;
}

export function seaweedfsAlerts(namespace: string): AlertDefinition[] {
    const sel = q.selectorOf({ equal: { namespace } });
    const free = `(min by (namespace, pod) (SeaweedFS_volumeServer_resource${q.selectorOf({ equal: { namespace, type: "free" } })} / ignoring (type) SeaweedFS_volumeServer_resource${q.selectorOf({ equal: { namespace, type: "all" } })}))`;
    const requests = (extra: Record<string, string>) => `sum by (namespace) (rate(SeaweedFS_s3_request_total${q.selectorOf({ equal: { namespace }, regex: extra })}[10m]))`;
    return [
        // The single server (dev) is a master and a volume server: both alerts watch it.
        {
            name: "SeaweedfsMasterDown",
            expr: `${notReady(namespace, `${SEAWEEDFS_NAMES.master}|${SEAWEEDFS_NAMES.server}`)} > 0`,
            for: "5m",
            severity: "warning",
            summary: "A SeaweedFS master is not ready: one more loss costs the raft quorum.",
            description: "{{ $value }} master(s) of {{ $labels.statefulset }} in {{ $labels.namespace }} are not ready.",
            runbook: "seaweedfsmasterdown",
        },
        {
            name: "SeaweedfsVolumeServerDown",
            expr: `${notReady(namespace, `${SEAWEEDFS_NAMES.volume}.*|${SEAWEEDFS_NAMES.server}`)} > 0`,
            for: "5m",
            severity: "warning",
            summary: "A SeaweedFS volume server is not ready: its volumes are served from their other copies only.",
            description: "{{ $value }} volume server(s) of {{ $labels.statefulset }} in {{ $labels.namespace }} are not ready.",
            runbook: "seaweedfsvolumeserverdown",
        },
        {
            name: "SeaweedfsNoLeader",
            // No master leads (or none can be scraped): volumes cannot be assigned, writes stop.
            expr: `${orDefault(`sum by (namespace) (SeaweedFS_master_is_leader${sel})`, { namespace })} < 1`,
            for: "2m",
            severity: "critical",
            summary: "No SeaweedFS master leads the raft quorum: new writes fail.",
            description: "No master of the object store in {{ $labels.namespace }} reports itself leader (also when none can be scraped).",
            runbook: "seaweedfsnoleader",
        },
        ...leveled(
            {
                name: "SeaweedfsFreeSpaceLow",
                summary: "A SeaweedFS volume server is running out of disk; below its minimum it turns its volumes read-only.",
                description: '{{ $labels.pod }} in {{ $labels.namespace }} has {{ $value | humanizePercentage }} of its disk free.',
                runbook: "seaweedfsfreespacelow",
            },
            (limit) => `${free} < ${limit}`,
            { warning: { limit: SEAWEEDFS_THRESHOLDS.freeSpace.warning, for: "15m" }, critical: { limit: SEAWEEDFS_THRESHOLDS.freeSpace.critical, for: "5m" } },
        ),
        {
            name: "SeaweedfsS3ErrorsHigh",
            expr: `(${requests({ code: "5.." })} / ${requests({})}) > ${SEAWEEDFS_THRESHOLDS.s3ErrorRatio}`,
            for: "10m",
            severity: "warning",
            summary: "The S3 gateway answers many requests with server errors.",
            description: 'S3 requests to the object store in {{ $labels.namespace }}: {{ $value | humanizePercentage }} end in a 5xx status.',
            runbook: "seaweedfss3errorshigh",
        },
    ];
}
