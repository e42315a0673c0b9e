// What the platform watches of Spark: every driver's PrometheusServlet (spark.ui.prometheus.enabled,
// the metrics sink of spark-defaults.conf) on its UI port. Drivers come and go with their
// applications, so there is no alert on their absence; a job that fails is alerted on, from
// kube-state-metrics' view of its Jobs. Pure.
import { AlertDefinition } from "../observability/alerts";
import { MetricSource, metric } from "../observability/metrics";
import * as q from "../observability/queries";
import { ScrapeTarget } from "../observability/scrapeTargets";
import { SPARK_UI_PORT } from "./sparkDefaults";
import { SPARK_LABELS } from "./sparkJobs";

export function sparkScrapeTargets(namespace: string): ScrapeTarget[] {
    // Spark names the driver container's UI port spark-ui and labels drivers spark-role=driver.
    return [{ name: "spark-driver", namespace, podLabels: { ...SPARK_LABELS, "spark-role": "driver" }, port: "spark-ui", portNumber: SPARK_UI_PORT, path: "/metrics/prometheus" }];
}

export const SPARK_METRIC_SOURCES = {
    spark: {
        endpoint: "a running Spark driver, UI port 4040, GET /metrics/prometheus (PrometheusServlet; names carry the application id)",
        verifiedAgainst: "pyspark 3.5.7 with the rendered spark-defaults.conf, scraped by e2e/lakehouse.spec.ts",
        metrics: [
            metric("metrics_spark_driver_jvm_heap_used_Value", "gauge", ["type"], "The driver JVM's heap in use (JvmSource)"),
            metric("metrics_spark_driver_JVMCPU_jvmCpuTime_Value", "gauge", ["type"], "CPU time of the driver JVM (ns)"),
        ],
    },
} as const satisfies Record<string, MetricSource>;

/** How long a failed run of a Spark job keeps its alert firing (a run of the next day that succeeds is a new Job). */
export const SPARK_FAILED_RUN_WINDOW_S = 86400;

export function sparkAlerts(namespace: string): AlertDefinition[] {
    const jobs = q.selectorOf({ equal: { namespace }, regex: { job_name: "spark-.+" } });
    // A Job of a spark-<name> (CronJob) with a failed pod, started within the window.
    const failed = `(max by (namespace, job_name) (kube_job_status_failed${jobs}) > 0) and on (namespace, job_name) ((time() - max by (namespace, job_name) (kube_job_status_start_time${jobs})) < ${SPARK_FAILED_RUN_WINDOW_S})`;
    return [
        {
            name: "SparkJobFailed",
            expr: failed,
            for: "0m",
            severity: "warning",
            summary: "A run of a Spark job failed: its spark-submit or its driver ended in an error.",
            description: "The Job {{ $labels.job_name }} in {{ $labels.namespace }} failed within the last day.",
            runbook: "sparkjobfailed",
        },
    ];
}
