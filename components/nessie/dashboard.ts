// Nessie: ready replicas, API traffic, errors and latency by endpoint, the version store's calls to
// PostgreSQL, all from Nessie's own metrics.
import { atLeast, dashboard, graph, higherIsWorse, query, stat } from "../observability/dashboards/builder";
import { inNamespace as of, namespaceVariable, rateBy } from "../observability/dashboards/panels";
import { NESSIE_THRESHOLDS } from "./monitoring";

const requests = (by: string, regex: Readonly<Record<string, string>> = {}) => rateBy("http_server_requests_seconds_count", by, regex);

export function nessieDashboard(): Record<string, unknown> {
    return dashboard({
        uid: "nessie",
        title: "Catalog (Nessie)",
        description: "The Nessie catalog: ready replicas, Iceberg REST and Nessie API traffic, errors and latency, version store calls.",
        tags: ["nessie", "iceberg"],
        variables: [namespaceVariable("cache_capacity_mb")],
        rows: [
            {
                title: "Catalog",
                panels: [
                    stat("Ready replicas", `sum(${of("kube_deployment_status_replicas_available", { deployment: "nessie" })})`, { thresholds: atLeast(1) }),
                    stat("Requests/s", requests("namespace"), { unit: "reqps" }),
                    stat("5xx share", `(${requests("namespace", { status: "5.." })} or vector(0)) / ${requests("namespace")}`, { unit: "percentunit", thresholds: higherIsWorse(NESSIE_THRESHOLDS.errorRatio / 2, NESSIE_THRESHOLDS.errorRatio) }),
                    stat("Requests in flight", `sum(${of("http_server_active_requests")})`),
                ],
            },
            {
                title: "API",
                panels: [
                    graph("Requests by endpoint", [query(requests("uri"), "{{uri}}")], { unit: "reqps" }),
                    graph("Errors by status", [query(requests("status", { status: "[45].." }), "{{status}}")], { unit: "reqps" }),
                    graph("Mean latency by endpoint", [query(`${rateBy("http_server_requests_seconds_sum", "uri")} / ${requests("uri")}`, "{{uri}}")], { unit: "s" }),
                ],
            },
            {
                title: "Version store",
                panels: [
                    graph("Database calls by result", [query(rateBy("nessie_storage_persist_total", "result"), "{{result}}")], { unit: "ops" }),
                    graph("Version store mean latency by method", [query(`${rateBy("nessie_versionstore_request_seconds_sum", "method")} / ${rateBy("nessie_versionstore_request_seconds_count", "method")}`, "{{method}}")], { unit: "s" }),
                ],
            },
        ],
    });
}
