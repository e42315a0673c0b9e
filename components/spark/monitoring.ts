// What the platform watches of Spark: every driver's PrometheusServlet (spark.ui.prometheus.enabled,
// the metrics sink of spark-defaults.conf) on its UI port. Drivers come and go with their
// applications, so there is no alert on their absence. Pure.
import { MetricSource, metric } from "../observability/metrics";
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
