// What the platform watches of Keycloak: the management port of every replica, the metrics it
// exports that alerts and the dashboard read (login events, HTTP, the cluster's size, the database
// pool), and the alert rules. Pure.
import { AlertDefinition, deploymentAvailabilityAlerts } from "../observability/alerts";
import { MetricSource, metric } from "../observability/metrics";
import * as q from "../observability/queries";
import { ScrapeTarget } from "../observability/scrapeTargets";
import { KEYCLOAK_PORTS } from "./keycloakConfig";
import { KEYCLOAK_NAMES, KEYCLOAK_POD_LABELS } from "./keycloakServer";

export const KEYCLOAK_THRESHOLDS = {
    /** Failed logins per second over 10 minutes that suggest guessing (brute-force protection locks single users). */
    failedLoginsPerSecond: 1,
} as const;

export const KEYCLOAK_JOB = KEYCLOAK_NAMES.server;

export function keycloakScrapeTargets(namespace: string): ScrapeTarget[] {
    return [{ name: KEYCLOAK_JOB, namespace, podLabels: KEYCLOAK_POD_LABELS, port: "management", portNumber: KEYCLOAK_PORTS.management, path: "/metrics" }];
}

/** Quarkus' and Agroal's series Keycloak serves too, catalogued under Nessie's and the registry's sources (a name is catalogued once). */
export const KEYCLOAK_SHARED_METRICS = ["http_server_requests_seconds_count", "agroal_active_count", "agroal_awaiting_count"] as const;

export const KEYCLOAK_METRIC_SOURCES = {
    keycloak: {
        endpoint: "Keycloak (Quarkus Micrometer), management port 9000, GET /metrics; login events with the user-event-metrics feature built in",
        verifiedAgainst: "the keycloak-quarkus-dist 26.7.3 distribution built with images/keycloak's options, scraped by e2e/identity.spec.ts",
        metrics: [
            metric("keycloak_user_events_total", "counter", ["event", "error", "realm", "client_id"], "User events (login, code_to_token, client_login, …), error empty on success"),
            metric("vendor_cluster_size", "gauge", [], "Members of the Infinispan cluster this replica sees"),
        ],
    },
} as const satisfies Record<string, MetricSource>;

/** Failed logins per second in the platform realm over a window. */
export function failedLogins(namespace: string, window: string): string {
    return `sum by (namespace) (rate(keycloak_user_events_total${q.selectorOf({ equal: { namespace, job: KEYCLOAK_JOB, event: "login" }, notEqual: { error: "" } })}[${window}]))`;
}

export function keycloakAlerts(namespace: string, replicas: number): AlertDefinition[] {
    return [
        ...deploymentAvailabilityAlerts({
            namespace,
            deployment: KEYCLOAK_NAMES.server,
            alertPrefix: "Keycloak",
            pod: "replica",
            downFor: "3m",
            downSummary: "No Keycloak replica is ready: nobody can log in to the platform's UIs, and services cannot get tokens.",
            unavailableSummary: "A Keycloak replica is not ready: logins are served without a spare.",
        }),
        ...(replicas > 1
            ? [
                  {
                      name: "KeycloakClusterSplit",
                      expr: `min by (namespace) (vendor_cluster_size${q.selectorOf({ equal: { namespace, job: KEYCLOAK_JOB } })}) < ${replicas}`,
                      for: "10m",
                      severity: "warning" as const,
                      summary: "Keycloak's replicas do not see each other: sessions and logouts are not shared between them.",
                      description: `A Keycloak replica in {{ $labels.namespace }} sees a cluster of {{ $value }} of ${replicas} members.`,
                      runbook: "keycloakclustersplit",
                  },
              ]
            : []),
        {
            name: "KeycloakFailedLoginsHigh",
            expr: `${failedLogins(namespace, "10m")} > ${KEYCLOAK_THRESHOLDS.failedLoginsPerSecond}`,
            for: "10m",
            severity: "warning",
            summary: "Many logins fail: passwords are being guessed, or a client is misconfigured.",
            description: "Keycloak in {{ $labels.namespace }} refuses {{ $value | humanize }} logins per second.",
            runbook: "keycloakfailedloginshigh",
        },
    ];
}
