// Keycloak: replicas and the cluster they form, logins by outcome and client, HTTP traffic, and
// the database pool, from Keycloak's metrics.
import { atLeast, dashboard, graph, higherIsWorse, query, stat } from "../observability/dashboards/builder";
import { inNamespace as of, namespaceVariable, rateBy } from "../observability/dashboards/panels";
import { KEYCLOAK_JOB, KEYCLOAK_THRESHOLDS } from "./monitoring";

export function keycloakDashboard(replicas: number): Record<string, unknown> {
    const job = { job: KEYCLOAK_JOB };
    return dashboard({
        uid: "keycloak",
        title: "Identity (Keycloak)",
        description: "Keycloak: replicas and their cluster, logins and failures by client, HTTP requests, database connections.",
        tags: ["keycloak", "identity", "sso"],
        variables: [namespaceVariable("vendor_cluster_size")],
        rows: [
            {
                title: "Cluster",
                panels: [
                    stat("Replicas scraped", `count(${of("vendor_cluster_size", job)})`, { thresholds: atLeast(replicas) }),
                    stat("Smallest cluster view", `min(${of("vendor_cluster_size", job)})`, { thresholds: atLeast(replicas) }),
                ],
            },
            {
                title: "Logins",
                panels: [
                    graph("Logins, by client", [query(`sum by (client_id) (rate(${of("keycloak_user_events_total", { ...job, event: "login", error: "" })}[$__rate_interval]))`, "{{client_id}}")], { unit: "ops" }),
                    graph("Failed logins, by error", [query(`sum by (error) (rate(${of("keycloak_user_events_total", { ...job, event: "login" }, { error: ".+" })}[$__rate_interval]))`, "{{error}}")], { unit: "ops", thresholds: higherIsWorse(KEYCLOAK_THRESHOLDS.failedLoginsPerSecond / 2, KEYCLOAK_THRESHOLDS.failedLoginsPerSecond) }),
                    graph("Tokens for services (client credentials), by client", [query(`sum by (client_id) (rate(${of("keycloak_user_events_total", { ...job, event: "client_login" })}[$__rate_interval]))`, "{{client_id}}")], { unit: "ops" }),
                ],
            },
            {
                title: "Traffic",
                panels: [
                    graph("Requests, by status", [query(rateBy("http_server_requests_seconds_count", "status"), "{{status}}")], { unit: "reqps" }),
                    graph("Database connections in use and awaited", [query(`sum(${of("agroal_active_count", job)})`, "in use"), query(`sum(${of("agroal_awaiting_count", job)})`, "awaiting")]),
                ],
            },
        ],
    });
}
