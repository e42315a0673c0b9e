// What the platform watches of Flink: the Prometheus reporter (port 9249) of every JobManager and
// TaskManager, the metrics it exports that alerts and the dashboard read, and the alert rules. Only
// the leading JobManager runs the ResourceManager and the Dispatcher, so the cluster-level gauges
// (slots, registered TaskManagers, running jobs) and the jobs' checkpoint and restart gauges come
// from the leader alone: their absence means no leader. Flink exports its counters as gauges. Pure.
import { AlertDefinition, orDefault } from "../observability/alerts";
import { MetricSource, metric } from "../observability/metrics";
import * as q from "../observability/queries";
import { ScrapeTarget } from "../observability/scrapeTargets";
import { FLINK_PORTS } from "./flinkConf";
import { FLINK_NAMES, FlinkRole, flinkPodLabels } from "./flinkCluster";

/** Limits the rules use, named so runbooks and the dashboard can quote them. */
export const FLINK_THRESHOLDS = {
    /** The window over which failed checkpoints and restarts are counted. */
    window: "15m",
    /** Restarts of one job within the window that mean it is restarting, not recovering once. */
    restarts: 3,
} as const;

/** The job (PodMonitor) of a role's pods. */
export const flinkJob = (role: FlinkRole) => FLINK_NAMES[role];

export function flinkScrapeTargets(namespace: string): ScrapeTarget[] {
    return (["jobmanager", "taskmanager"] as const).map((role) => ({ name: flinkJob(role), namespace, podLabels: flinkPodLabels(role), port: "metrics", portNumber: FLINK_PORTS.metrics, path: "/" }));
}

export const FLINK_METRIC_SOURCES = {
    flink: {
        endpoint: "every JobManager and TaskManager, port 9249, GET / (PrometheusReporterFactory; labels from Flink's scope variables: host, job_id, job_name, tm_id, …)",
        verifiedAgainst: "flink-runtime 1.20.1 with the rendered config.yaml in a MiniCluster, scraped by e2e/flink.spec.ts",
        metrics: [
            metric("flink_jobmanager_numRegisteredTaskManagers", "gauge", ["host"], "TaskManagers registered with the leader's ResourceManager"),
            metric("flink_jobmanager_taskSlotsTotal", "gauge", ["host"], "Task slots of the cluster (leader only)"),
            metric("flink_jobmanager_taskSlotsAvailable", "gauge", ["host"], "Free task slots"),
            metric("flink_jobmanager_numRunningJobs", "gauge", ["host"], "Jobs running in the session cluster"),
            metric("flink_jobmanager_job_numberOfCompletedCheckpoints", "gauge", ["job_name"], "Checkpoints completed by a job"),
            metric("flink_jobmanager_job_numberOfFailedCheckpoints", "gauge", ["job_name"], "Checkpoints failed by a job"),
            metric("flink_jobmanager_job_lastCheckpointDuration", "gauge", ["job_name"], "Duration of a job's last checkpoint (ms)"),
            metric("flink_jobmanager_job_numRestarts", "gauge", ["job_name"], "Restarts of a job since it was submitted"),
            metric("flink_taskmanager_Status_JVM_Memory_Heap_Used", "gauge", ["tm_id"], "A TaskManager's heap in use"),
        ],
    },
} as const satisfies Record<string, MetricSource>;

const leader = (namespace: string) => q.selectorOf({ equal: { namespace, job: flinkJob("jobmanager") } });

/** Per job, how much a job gauge grew over the window. */
const jobGrowth = (metric: string, namespace: string) => `max by (namespace, job_name) (delta(${metric}${leader(namespace)}[${FLINK_THRESHOLDS.window}]))`;

export function flinkAlerts(namespace: string, taskManagers: number): AlertDefinition[] {
    const slots = `max by (namespace) (flink_jobmanager_taskSlotsTotal${leader(namespace)})`;
    return [
        {
            name: "FlinkJobManagerLeaderMissing",
            // No JobManager reports the leader's gauges (also when none is scraped at all).
            expr: `${orDefault(`count by (namespace) (${slots})`, { namespace })} < 1`,
            for: "3m",
            severity: "critical",
            summary: "No Flink JobManager leads: jobs cannot be submitted, scheduled or recovered.",
            description: "No JobManager in {{ $labels.namespace }} reports the leader's ResourceManager gauges.",
            runbook: "flinkjobmanagerleadermissing",
        },
        {
            name: "FlinkTaskManagersMissing",
            expr: `max by (namespace) (flink_jobmanager_numRegisteredTaskManagers${leader(namespace)}) < ${taskManagers}`,
            for: "10m",
            severity: "warning",
            summary: `Fewer Flink TaskManagers than the ${taskManagers} configured are registered: jobs lack slots.`,
            description: `The Flink leader in {{ $labels.namespace }} has {{ $value }} TaskManagers of ${taskManagers}.`,
            runbook: "flinktaskmanagersmissing",
        },
        {
            name: "FlinkCheckpointsFailing",
            expr: `${jobGrowth("flink_jobmanager_job_numberOfFailedCheckpoints", namespace)} > 0`,
            for: "5m",
            severity: "warning",
            summary: "A Flink job's checkpoints fail: a restart would replay more and more data.",
            description: `{{ $value }} checkpoints of {{ $labels.job_name }} in {{ $labels.namespace }} failed within ${FLINK_THRESHOLDS.window}.`,
            runbook: "flinkcheckpointsfailing",
        },
        {
            name: "FlinkJobRestarting",
            expr: `${jobGrowth("flink_jobmanager_job_numRestarts", namespace)} >= ${FLINK_THRESHOLDS.restarts}`,
            for: "0m",
            severity: "warning",
            summary: "A Flink job keeps restarting: it fails again after each recovery.",
            description: `{{ $labels.job_name }} in {{ $labels.namespace }} restarted {{ $value }} times within ${FLINK_THRESHOLDS.window}.`,
            runbook: "flinkjobrestarting",
        },
    ];
}
