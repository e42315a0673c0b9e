// Platform overview: firing alerts, the health of the data and streaming tiers, the edge and the
// web services, and capacity, on one page. No variables: every panel spans the whole platform.
import { WEB_THRESHOLDS } from "../../web/monitoring";
import * as q from "../queries";
import { atLeast, dashboard, graph, higherIsWorse, instant, query, stat, table } from "./builder";
import { volumeUsageBars } from "./panels";

const firing = (severity: string) => `count(ALERTS{alertstate="firing",severity="${severity}"}) or vector(0)`;
const RATE = "$__rate_interval";
const SERVICE = ["namespace", "job"];

export function overviewDashboard(): Record<string, unknown> {
    return dashboard({
        uid: "platform-overview",
        title: "Platform overview",
        description: "Firing alerts and the health of every tier of the data platform.",
        tags: ["overview"],
        rows: [
            {
                title: "Alerts",
                panels: [
                    stat("Critical alerts firing", firing("critical"), { thresholds: higherIsWorse(1, 1) }),
                    stat("Warnings firing", firing("warning"), { thresholds: higherIsWorse(1, 5) }),
                    table("Firing alerts", [instant('sum by (alertname, namespace, severity) (ALERTS{alertstate="firing"})')], { width: 16, height: 8, columns: ["alerts"] }),
                    table("Scrape targets down", [instant("count by (namespace, job) (up == 0)")], { width: 8, height: 8, columns: ["targets down"] }),
                ],
            },
            {
                title: "Data and streaming",
                panels: [
                    stat("PostgreSQL primaries", "sum(patroni_primary)", { thresholds: atLeast(1, 2) }),
                    stat("PostgreSQL members running", "sum(patroni_postgres_running)"),
                    stat("Oldest backup tier (since last success)", `max(${q.secondsSince("kube_cronjob_status_last_successful_time", { regex: { cronjob: ".+-backup-(daily|weekly|monthly)" } }, ["namespace", "cronjob"])})`, { unit: "s" }),
                    stat("Kafka active controllers", "sum(kafka_controller_kafkacontroller_activecontrollercount)", { thresholds: atLeast(1, 2) }),
                    stat("Kafka offline partitions", "max(kafka_controller_kafkacontroller_offlinepartitionscount)", { thresholds: higherIsWorse(1, 1) }),
                    stat("Kafka under-replicated partitions", "sum(kafka_server_replicamanager_underreplicatedpartitions)", { thresholds: higherIsWorse(1, 10) }),
                ],
            },
            {
                title: "Edge and web services",
                panels: [
                    graph("Ingress requests by service", [query(`sum by (service) (rate(traefik_service_requests_total[${RATE}]))`, "{{service}}")], { unit: "reqps" }),
                    graph("Ingress 5xx responses by service", [query(`sum by (service, code) (rate(traefik_service_requests_total{code=~"5.."}[${RATE}]))`, "{{service}} {{code}}")], { unit: "reqps" }),
                    graph("Web services: 5xx ratio", [query(q.httpErrorRatio({}, RATE, SERVICE), "{{namespace}}/{{job}}")], {
                        unit: "percentunit",
                        thresholds: higherIsWorse(WEB_THRESHOLDS.httpErrorRatio, WEB_THRESHOLDS.httpErrorRatio),
                    }),
                    graph("Web services: p99 latency", [query(q.httpLatencyQuantile(0.99, {}, RATE, SERVICE), "{{namespace}}/{{job}}")], { unit: "s" }),
                ],
            },
            {
                title: "Capacity and restarts",
                panels: [
                    volumeUsageBars({}, ["namespace", "persistentvolumeclaim"], { height: 10 }),
                    table("Certificates: days until expiry", [instant("min by (namespace, exported_namespace, name) ((certmanager_certificate_expiration_timestamp_seconds > 0) - time()) / 86400")], {
                        columns: ["days"],
                        height: 10,
                    }),
                    table("Containers restarted in the last hour", [instant("topk(10, sum by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total[1h])) > 0)")], { columns: ["restarts"] }),
                    graph("Sealed-secrets unseal errors", [query(`sum by (reason) (rate(sealed_secrets_controller_unseal_errors_total[${RATE}]))`, "{{reason}}")], { unit: "ops" }),
                ],
            },
        ],
    });
}
