// What the platform watches of Nessie: its management port's Prometheus endpoint, the metrics it
// exports (the catalogue alerts and dashboards may read) and the alert rules. Pure.
import { AlertDefinition, deploymentAvailabilityAlerts } from "../observability/alerts";
import { MetricSource, metric } from "../observability/metrics";
import * as q from "../observability/queries";
import { ScrapeTarget } from "../observability/scrapeTargets";
import { NESSIE_POD_LABELS } from "./nessieCatalog";
import { NESSIE_PORTS } from "./nessieProperties";

/** Limits the rules use, named so runbooks and the dashboard can quote them. */
export const NESSIE_THRESHOLDS = {
    /** Share of API requests answered with a 5xx status. */
    errorRatio: 0.05,
} as const;

export function nessieScrapeTargets(namespace: string): ScrapeTarget[] {
    return [{ name: "nessie", namespace, podLabels: NESSIE_POD_LABELS, port: "management", portNumber: NESSIE_PORTS.management, path: "/q/metrics" }];
}

export const NESSIE_METRIC_SOURCES = {
    nessie: {
        endpoint: "Nessie server (Quarkus Micrometer), management port 9000, GET /q/metrics; every series has application=\"Nessie\"",
        verifiedAgainst: "the nessie-quarkus 0.99.0 runner jar, scraped by e2e/catalog.spec.ts",
        metrics: [
            metric("http_server_requests_seconds", "summary", ["method", "outcome", "status", "uri"], "API requests by templated URI and status (count, sum, max)"),
            metric("http_server_active_requests", "gauge", [], "Requests in flight"),
            metric("nessie_versionstore_request_seconds", "summary", ["class", "exception", "method"], "Version store calls (count, sum, max)"),
            metric("nessie_storage_persist_total", "counter", ["method", "result", "exception"], "Calls of the version store to its database, by result (success, failure)"),
            metric("cache_capacity_mb", "gauge", ["cache"], "Configured capacity of a cache (nessie-objects: the version store's objects)"),
        ],
    },
} as const satisfies Record<string, MetricSource>;

/** The API requests' rate over a window, optionally only those with a status matching `status`. */
export function nessieRequestRate(namespace: string, window: string, status?: string): string {
    const sel = q.selectorOf({ equal: { namespace }, regex: status ? { status } : {} });
    return `sum by (namespace) (rate(http_server_requests_seconds_count${sel}[${window}]))`;
}

export function nessieAlerts(namespace: string): AlertDefinition[] {
    // Reads of absent objects are ordinary on commits: only other failures count.
    const persistFailures = `sum by (namespace) (rate(nessie_storage_persist_total${q.selectorOf({ equal: { namespace, result: "failure" }, notEqual: { exception: "ObjNotFoundException" } })}[10m]))`;
    return [
        ...deploymentAvailabilityAlerts({
            namespace,
            deployment: "nessie",
            alertPrefix: "Nessie",
            pod: "replica",
            downFor: "2m",
            downSummary: "No Nessie replica is ready: every engine's catalog is down.",
            unavailableSummary: "A Nessie replica is not ready: the catalog runs without its spare.",
        }),
        {
            name: "NessieErrorsHigh",
            expr: `(${nessieRequestRate(namespace, "10m", "5..")} / ${nessieRequestRate(namespace, "10m")}) > ${NESSIE_THRESHOLDS.errorRatio}`,
            for: "10m",
            severity: "warning",
            summary: "Nessie answers many requests with server errors.",
            description: "API requests to Nessie in {{ $labels.namespace }}: {{ $value | humanizePercentage }} end in a 5xx status.",
            runbook: "nessieerrorshigh",
        },
        {
            name: "NessieVersionStoreFailing",
            expr: `${persistFailures} > 0`,
            for: "10m",
            severity: "warning",
            summary: "Nessie's calls to its database fail.",
            description: "The version store of Nessie in {{ $labels.namespace }} fails {{ $value }} calls per second to PostgreSQL.",
            runbook: "nessieversionstorefailing",
        },
    ];
}
