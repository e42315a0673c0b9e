// The schema registry: replicas, API requests by path and status class, their latency, and the
// connection pool to PostgreSQL, from Apicurio's Micrometer metrics.
import { atLeast, dashboard, graph, higherIsWorse, query, stat } from "../observability/dashboards/builder";
import { inNamespace as of, namespaceVariable, rateBy } from "../observability/dashboards/panels";
import { REGISTRY_THRESHOLDS } from "./monitoring";
import { REGISTRY_NAMES } from "./schemaRegistry";

export function registryDashboard(replicas: number): Record<string, unknown> {
    const job = { job: REGISTRY_NAMES.registry };
    return dashboard({
        uid: "schema-registry",
        title: "Schema registry (Apicurio)",
        description: "Apicurio Registry: replicas scraped, API requests by path and status class, latency, and its database connections.",
        tags: ["schema-registry", "apicurio", "streaming"],
        variables: [namespaceVariable("rest_requests_count_total")],
        rows: [
            {
                title: "API",
                panels: [
                    stat("Replicas scraped", `count(${of("agroal_active_count", job)})`, { thresholds: atLeast(replicas) }),
                    graph("Requests, by status class", [query(rateBy("rest_requests_count_total", "status_code_group"), "{{status_code_group}}")], { unit: "reqps" }),
                    graph("Requests, by path", [query(rateBy("rest_requests_count_total", "path"), "{{path}}")], { unit: "reqps" }),
                    graph("Share of 5xx answers", [query(`sum(rate(${of("rest_requests_count_total", { ...job, status_code_group: "5xx" })}[$__rate_interval])) / sum(rate(${of("rest_requests_count_total", job)}[$__rate_interval]))`, "5xx")], { unit: "percentunit", thresholds: higherIsWorse(REGISTRY_THRESHOLDS.errorRatio / 2, REGISTRY_THRESHOLDS.errorRatio) }),
                    graph("p99 latency", [query(`histogram_quantile(0.99, sum by (le) (rate(${of("rest_requests_seconds_bucket", job)}[$__rate_interval])))`, "p99")], { unit: "s" }),
                ],
            },
            {
                title: "Storage (PostgreSQL)",
                panels: [
                    graph("Connections in use and awaited", [query(`sum(${of("agroal_active_count", job)})`, "in use"), query(`sum(${of("agroal_awaiting_count", job)})`, "awaiting")]),
                    graph("Storage calls, by method", [query(rateBy("storage_method_call_seconds_count", "method"), "{{method}}")], { unit: "ops" }),
                ],
            },
        ],
    });
}
