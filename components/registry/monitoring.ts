// What the platform watches of the schema registry: Quarkus' management port of every replica, the
// metrics it exports that alerts and the dashboard read (Apicurio's REST and storage timers, the
// connection pool), and the alert rules. Pure.
import { AlertDefinition, deploymentAvailabilityAlerts } from "../observability/alerts";
import { MetricSource, metric } from "../observability/metrics";
import * as q from "../observability/queries";
import { ScrapeTarget } from "../observability/scrapeTargets";
import { REGISTRY_NAMES, REGISTRY_POD_LABELS } from "./schemaRegistry";
import { REGISTRY_PORTS } from "./registryConfig";

export const REGISTRY_THRESHOLDS = {
    /** Share of API requests answered with a 5xx status. */
    errorRatio: 0.05,
} as const;

export function registryScrapeTargets(namespace: string): ScrapeTarget[] {
    return [{ name: REGISTRY_NAMES.registry, namespace, podLabels: REGISTRY_POD_LABELS, port: "management", portNumber: REGISTRY_PORTS.management, path: "/metrics" }];
}

export const REGISTRY_METRIC_SOURCES = {
    apicurio: {
        endpoint: "Apicurio Registry (Quarkus Micrometer), management port 9000, GET /metrics",
        verifiedAgainst:
            "io/apicurio/registry/metrics/MetricsConstants of apicurio-registry-app 3.3.3 (rest.requests with method, path, status.code.group; storage.method.call with method, success) and the series a runner of the 3.0.9 app with the same constants served; not scraped from 3.3.3 itself (its modules are not all on Maven Central here)",
        metrics: [
            metric("rest_requests_count_total", "counter", ["method", "path", "status_code_group"], "API requests by templated path and status class (2xx, 4xx, 5xx)"),
            metric("rest_requests_seconds", "histogram", ["method", "path", "status_code_group"], "API request durations"),
            metric("storage_method_call_seconds", "summary", ["method", "success"], "Calls of the registry to its storage (count, sum, max)"),
            metric("agroal_active_count", "gauge", ["datasource"], "Database connections in use"),
            metric("agroal_awaiting_count", "gauge", ["datasource"], "Requests waiting for a database connection"),
        ],
    },
} as const satisfies Record<string, MetricSource>;

/** The API's request rate over a window, optionally only those with a status class matching `statusGroup`. */
export function registryRequestRate(namespace: string, window: string, statusGroup?: string): string {
    const sel = q.selectorOf({ equal: { namespace, job: REGISTRY_NAMES.registry, ...(statusGroup ? { status_code_group: statusGroup } : {}) } });
    return `sum by (namespace) (rate(rest_requests_count_total${sel}[${window}]))`;
}

export function registryAlerts(namespace: string): AlertDefinition[] {
    return [
        ...deploymentAvailabilityAlerts({
            namespace,
            deployment: REGISTRY_NAMES.registry,
            alertPrefix: "SchemaRegistry",
            pod: "replica",
            downFor: "3m",
            downSummary: "No schema registry replica is ready: producers cannot register schemas and consumers cannot resolve new ones.",
            unavailableSummary: "A schema registry replica is not ready: the registry runs without its spare.",
        }),
        {
            name: "SchemaRegistryErrorsHigh",
            expr: `(${registryRequestRate(namespace, "10m", "5xx")} / ${registryRequestRate(namespace, "10m")}) > ${REGISTRY_THRESHOLDS.errorRatio}`,
            for: "10m",
            severity: "warning",
            summary: "The schema registry answers many requests with server errors.",
            description: "API requests to the schema registry in {{ $labels.namespace }}: {{ $value | humanizePercentage }} end in a 5xx status.",
            runbook: "schemaregistryerrorshigh",
        },
    ];
}
