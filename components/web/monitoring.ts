// What the platform watches of its web services: each service's /metrics (the contract every
// service implements), the metrics of that contract, the alert rules and the dashboard. Pure.
import { AlertDefinition } from "../observability/alerts";
import { MetricSource, metric } from "../observability/metrics";
import * as q from "../observability/queries";
import { ScrapeTarget } from "../observability/scrapeTargets";

/** Limits the rules use, named so runbooks and dashboards can quote them. */
export const WEB_THRESHOLDS = {
    httpErrorRatio: 0.05,
    httpP99Seconds: 1,
} as const;

/** Histogram buckets (seconds) of `http_request_duration_seconds`: the latency alert's threshold is one of them. */
export const WEB_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** One web service's metrics endpoint: its HTTP port, the contract's path. */
export function webServiceScrapeTarget(service: { readonly name: string; readonly namespace: string; readonly podLabels: Readonly<Record<string, string>>; readonly port: number; readonly metricsPath: string }): ScrapeTarget {
    return { name: service.name, namespace: service.namespace, podLabels: service.podLabels, port: "http", portNumber: service.port, path: service.metricsPath };
}

export const WEB_METRIC_SOURCES = {
    webServices: {
        endpoint: "every web service of the apps tier, GET /metrics on its HTTP port: the contract the services implement",
        verifiedAgainst: "our contract (no upstream): route is the route template, never the raw path, to bound cardinality",
        metrics: [
            metric("http_requests_total", "counter", ["method", "route", "status"], "Requests served, by method, route template and status code"),
            metric("http_request_duration_seconds", "histogram", ["method", "route"], `Request duration, buckets ${WEB_DURATION_BUCKETS.join(", ")} s`),
        ],
    },
} as const satisfies Record<string, MetricSource>;

export function webServiceAlerts(namespace: string): AlertDefinition[] {
    const apps = { equal: { namespace } };
    const service = ["namespace", "job"];
    return [
        {
            name: "WebServiceErrorRateHigh",
            expr: `${q.httpErrorRatio(apps, "5m", service)} > ${WEB_THRESHOLDS.httpErrorRatio}`,
            for: "10m",
            severity: "critical",
            summary: "A web service answers too many requests with 5xx errors.",
            description: "{{ $labels.job }} in {{ $labels.namespace }} answered {{ $value | humanizePercentage }} of its requests with a 5xx status over 5 minutes.",
            runbook: "webserviceerrorratehigh",
        },
        {
            name: "WebServiceLatencyHigh",
            expr: `${q.httpLatencyQuantile(0.99, apps, "5m", service)} > ${WEB_THRESHOLDS.httpP99Seconds}`,
            for: "15m",
            severity: "warning",
            summary: "A web service is slow: its 99th percentile latency is too high.",
            description: `The 99th percentile latency of {{ $labels.job }} in {{ $labels.namespace }} is {{ $value | humanizeDuration }} (limit ${WEB_THRESHOLDS.httpP99Seconds}s).`,
            runbook: "webservicelatencyhigh",
        },
    ];
}
