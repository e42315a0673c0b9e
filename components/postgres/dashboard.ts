// PostgreSQL / Patroni: roles and failover state from Patroni, replication, connections and
// workload from postgres_exporter, backups and volumes from Kubernetes. One cluster at a time.
import { POSTGRES_THRESHOLDS } from "./monitoring";
import { selector } from "../observability/promql";
import * as q from "../observability/queries";
import { atLeast, dashboard, graph, higherIsWorse, instant, query, stat, table } from "../observability/dashboards/builder";
import { namespaceVariable, volumeUsageBars } from "../observability/dashboards/panels";

const RATE = "$__rate_interval";
/** Patroni's metrics carry the cluster's scope; the exporter's only the pod (<scope>-<ordinal>). */
const cluster: q.Matchers = { equal: { namespace: "$namespace", scope: "$scope" } };
const members: q.Matchers = { equal: { namespace: "$namespace" }, regex: { pod: "$scope-[0-9]+" } };
const patroni = (metric: string) => `${metric}${q.selectorOf(cluster)}`;
const exporter = (metric: string) => `${metric}${q.selectorOf(members)}`;
const perDatabase = (metric: string) => `sum by (datname) (rate(${exporter(metric)}[${RATE}]))`;

export function postgresqlDashboard(): Record<string, unknown> {
    return dashboard({
        uid: "postgresql",
        title: "PostgreSQL / Patroni",
        description: "A Patroni cluster: leader, members, replication, connections, workload, backups.",
        tags: ["postgresql"],
        variables: [
            namespaceVariable("patroni_version"),
            { kind: "query", name: "scope", label: "Cluster", datasource: "prometheus", query: `label_values(patroni_version${selector({ namespace: "$namespace" })}, scope)` },
        ],
        rows: [
            {
                title: "Cluster",
                panels: [
                    stat("Leader lock held", `1 - max(${patroni("patroni_cluster_unlocked")})`, { thresholds: atLeast(1) }),
                    stat("Members running PostgreSQL", `sum(${patroni("patroni_postgres_running")})`),
                    stat("Timeline (grows with each failover)", `max(${patroni("patroni_postgres_timeline")})`),
                    stat("Maintenance mode (no failover)", `max(${patroni("patroni_is_paused")})`, { thresholds: higherIsWorse(1, 1) }),
                    stat("Members pending restart", `sum(${patroni("patroni_pending_restart")})`, { thresholds: higherIsWorse(1, 1) }),
                    stat("Exporter connected", `min(${exporter("pg_up")})`, { thresholds: atLeast(1) }),
                    table(
                        "Members",
                        ["patroni_primary", "patroni_sync_standby", "patroni_postgres_running", "patroni_postgres_timeline"].map((m) => instant(`max by (name) (${patroni(m)})`)),
                        { width: 24, height: 6, columns: ["primary", "synchronous standby", "running", "timeline"] },
                    ),
                ],
            },
            {
                title: "Replication",
                panels: [
                    graph("Replica lag behind the primary (WAL bytes)", [query(q.patroniReplicaLagBytes(cluster), "{{name}}")], {
                        unit: "bytes",
                        thresholds: higherIsWorse(POSTGRES_THRESHOLDS.replicaLagBytes, POSTGRES_THRESHOLDS.replicaLagBytes),
                    }),
                    graph("Replica replay delay", [query(exporter("pg_replication_lag_seconds"), "{{pod}}")], { unit: "s" }),
                ],
            },
            {
                title: "Connections",
                panels: [
                    graph("Share of max_connections in use", [query(q.connectionUsage(members), "{{pod}}")], {
                        unit: "percentunit",
                        min: 0,
                        max: 1,
                        thresholds: higherIsWorse(POSTGRES_THRESHOLDS.connectionUsage.warning, POSTGRES_THRESHOLDS.connectionUsage.critical),
                    }),
                    graph("Connections by state", [query(`sum by (state) (${exporter("pg_stat_activity_count")})`, "{{state}}")]),
                ],
            },
            {
                title: "Workload",
                panels: [
                    graph("Transactions", [query(perDatabase("pg_stat_database_xact_commit"), "commit {{datname}}"), query(perDatabase("pg_stat_database_xact_rollback"), "rollback {{datname}}")], { unit: "ops" }),
                    graph(
                        "Buffer cache hit ratio",
                        [query(`${perDatabase("pg_stat_database_blks_hit")} / (${perDatabase("pg_stat_database_blks_hit")} + ${perDatabase("pg_stat_database_blks_read")})`, "{{datname}}")],
                        { unit: "percentunit", max: 1 },
                    ),
                    graph("Rows written", ["tup_inserted", "tup_updated", "tup_deleted"].map((m) => query(perDatabase(`pg_stat_database_${m}`), `${m.slice(4)} {{datname}}`)), { unit: "ops" }),
                    graph("Deadlocks", [query(perDatabase("pg_stat_database_deadlocks"), "{{datname}}")], { unit: "ops" }),
                    graph("Database size", [query(`max by (datname) (${exporter("pg_database_size_bytes")})`, "{{datname}}")], { unit: "bytes" }),
                    graph("Longest transaction", [query(`max by (pod) (${exporter("pg_stat_activity_max_tx_duration")})`, "{{pod}}")], { unit: "s" }),
                ],
            },
            {
                title: "Backups and storage",
                panels: [
                    graph(
                        "Time since each backup tier last succeeded",
                        [query(q.secondsSince("kube_cronjob_status_last_successful_time", { equal: { namespace: "$namespace" }, regex: { cronjob: "$scope-backup-.+" } }, ["cronjob"]), "{{cronjob}}")],
                        { unit: "s" },
                    ),
                    volumeUsageBars({ equal: { namespace: "$namespace" }, regex: { persistentvolumeclaim: "data-$scope-[0-9]+" } }, ["persistentvolumeclaim"]),
                ],
            },
        ],
    });
}
