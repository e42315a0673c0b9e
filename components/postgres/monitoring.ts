// What the platform watches of a Patroni cluster: its metrics endpoints, the metrics they export
// (the catalogue alerts and dashboards may read), its alert rules and its dashboard. Pure.
import { BackupTier } from "../../config/types";
import { AlertDefinition, humanSeconds, leveled, orDefault, regexEscape } from "../observability/alerts";
import { MetricSource, metric, MetricType } from "../observability/metrics";
import * as q from "../observability/queries";
import { ScrapeTarget } from "../observability/scrapeTargets";
import { PORTS } from "./patroniConfig";

/** Limits the rules use, named so runbooks and the dashboard can quote them. */
export const POSTGRES_THRESHOLDS = {
    /** Patroni's maximum_lag_on_failover (patroniConfig.ts): a replica further behind is not promoted. */
    replicaLagBytes: 1048576,
    connectionUsage: { warning: 0.8, critical: 0.95 },
    /** A run may start up to 1 h late and run up to 6 h (the backup CronJobs' deadlines), plus an hour of slack. */
    backupMarginSeconds: 8 * 3600,
} as const;

/** How often each backup tier runs at the longest (a month can have 31 days). */
export const BACKUP_PERIOD_SECONDS: Readonly<Record<BackupTier, number>> = { daily: 86400, weekly: 7 * 86400, monthly: 31 * 86400 };

/** What the rules watch: the cluster's namespace and scope (its StatefulSet's name), the backup tiers it schedules ([] when backups are off). */
export interface PostgresAlertTargets {
    readonly namespace: string;
    readonly scope: string;
    readonly backupTiers: readonly BackupTier[];
}

/** Patroni's REST API and the postgres_exporter sidecar of every member. */
export function postgresScrapeTargets(namespace: string, memberLabels: Readonly<Record<string, string>>): ScrapeTarget[] {
    return [
        { name: "patroni", namespace, podLabels: memberLabels, port: "patroni", portNumber: PORTS.patroni, path: "/metrics" },
        { name: "postgres-exporter", namespace, podLabels: memberLabels, port: "metrics", portNumber: PORTS.exporter, path: "/metrics" },
    ];
}

/** Patroni labels every metric of its REST API with the cluster's scope and the member's name. */
const patroni = (name: string, type: MetricType, help: string) => metric(name, type, ["scope", "name"], help);
const statDatabase = (name: string, type: MetricType, help: string) => metric(`pg_stat_database_${name}`, type, ["datid", "datname"], help);

export const POSTGRES_METRIC_SOURCES = {
    patroni: {
        endpoint: "Patroni REST API, container patroni, port 8008, GET /metrics",
        verifiedAgainst: "patroni/api.py of Patroni 4.1.4 (do_GET_metrics), the release the image installs",
        metrics: [
            patroni("patroni_version", "gauge", "Patroni version without periods"),
            patroni("patroni_postgres_running", "gauge", "1 if PostgreSQL is running"),
            patroni("patroni_postmaster_start_time", "gauge", "Epoch seconds since PostgreSQL started"),
            patroni("patroni_primary", "gauge", "1 if this member holds the leader lock"),
            patroni("patroni_xlog_location", "counter", "WAL flush position in bytes on the primary, 0 elsewhere"),
            patroni("patroni_standby_leader", "gauge", "1 if this member is a standby leader"),
            patroni("patroni_replica", "gauge", "1 if this member is a replica"),
            patroni("patroni_sync_standby", "gauge", "1 if this member is a synchronous standby"),
            patroni("patroni_quorum_standby", "gauge", "1 if this member is a quorum standby"),
            patroni("patroni_xlog_received_location", "counter", "WAL received position in bytes on a replica"),
            patroni("patroni_xlog_replayed_location", "counter", "WAL replayed position in bytes on a replica"),
            patroni("patroni_xlog_replayed_timestamp", "gauge", "Timestamp of the last replayed transaction"),
            patroni("patroni_xlog_paused", "gauge", "1 if WAL replay is paused"),
            patroni("patroni_postgres_streaming", "gauge", "1 if the replica streams from another member"),
            patroni("patroni_postgres_in_archive_recovery", "gauge", "1 if the replica replays from the archive"),
            patroni("patroni_postgres_server_version", "gauge", "PostgreSQL version without periods"),
            patroni("patroni_cluster_unlocked", "gauge", "1 if nobody holds the leader lock"),
            patroni("patroni_failsafe_mode_is_active", "gauge", "1 if failsafe mode is active"),
            patroni("patroni_postgres_timeline", "gauge", "PostgreSQL timeline"),
            patroni("patroni_dcs_last_seen", "gauge", "Epoch seconds of the last successful DCS contact"),
            patroni("patroni_pending_restart", "gauge", "1 if PostgreSQL needs a restart for a setting"),
            patroni("patroni_is_paused", "gauge", "1 if Patroni is in maintenance mode (no automatic failover)"),
            patroni("patroni_postgres_state", "gauge", "PostgreSQL state as a number"),
        ],
    },
    postgresExporter: {
        endpoint: "postgres_exporter sidecar, container exporter, port 9187, GET /metrics",
        verifiedAgainst: "prometheus-community/postgres_exporter v0.19.1: exporter/postgres_exporter.go, exporter/pg_setting.go, collector/pg_{database,replication,replication_slot,stat_database,locks}.go",
        metrics: [
            metric("pg_up", "gauge", [], "1 if the exporter could connect to PostgreSQL"),
            metric("pg_exporter_last_scrape_error", "gauge", [], "1 if the last scrape failed"),
            metric("pg_stat_activity_count", "gauge", ["datname", "state", "usename", "application_name", "backend_type", "wait_event_type", "wait_event"], "Connections by database and state"),
            metric("pg_stat_activity_max_tx_duration", "gauge", ["datname", "state", "usename", "application_name", "backend_type", "wait_event_type", "wait_event"], "Longest running transaction in seconds"),
            metric("pg_settings_max_connections", "gauge", [], "The max_connections setting"),
            metric("pg_replication_lag_seconds", "gauge", [], "Replay lag of a replica in seconds (0 on the primary)"),
            metric("pg_replication_is_replica", "gauge", [], "1 if the server is in recovery"),
            metric("pg_database_size_bytes", "gauge", ["datname"], "Disk space used by a database"),
            // The replication_slot collector (on by default). confirmed_flush_lsn is reported for active slots only.
            metric("pg_replication_slot_slot_current_wal_lsn", "gauge", ["slot_name", "slot_type"], "The server's WAL position in bytes (received position on a replica), per slot"),
            metric("pg_replication_slot_slot_confirmed_flush_lsn", "gauge", ["slot_name", "slot_type"], "Position the slot's consumer confirmed, in bytes (active slots only)"),
            metric("pg_replication_slot_slot_is_active", "gauge", ["slot_name", "slot_type"], "1 while a consumer streams from the slot"),
            metric("pg_replication_slot_safe_wal_size_bytes", "gauge", ["slot_name", "slot_type"], "WAL that may still be written before the slot is lost (max_slot_wal_keep_size)"),
            metric("pg_locks_count", "gauge", ["datname", "mode"], "Locks held by mode"),
            statDatabase("numbackends", "gauge", "Backends connected to the database"),
            statDatabase("xact_commit", "counter", "Transactions committed"),
            statDatabase("xact_rollback", "counter", "Transactions rolled back"),
            statDatabase("blks_read", "counter", "Disk blocks read"),
            statDatabase("blks_hit", "counter", "Buffer cache hits"),
            statDatabase("tup_inserted", "counter", "Rows inserted"),
            statDatabase("tup_updated", "counter", "Rows updated"),
            statDatabase("tup_deleted", "counter", "Rows deleted"),
            statDatabase("deadlocks", "counter", "Deadlocks detected"),
            statDatabase("temp_bytes", "counter", "Bytes written to temporary files"),
        ],
    },
} as const satisfies Record<string, MetricSource>;

export function postgresAlerts(t: PostgresAlertTargets): AlertDefinition[] {
    const { namespace, scope } = t;
    const cluster = { equal: { namespace, scope } };
    const members = { equal: { namespace }, regex: { pod: `${regexEscape(scope)}-[0-9]+` } };
    const statefulSet = { equal: { namespace, statefulset: scope } };
    const ofStatefulSet = (metric: string) => `max by (namespace, statefulset) (${metric}${q.selectorOf(statefulSet)})`;
    return [
        {
            name: "PostgresNoLeader",
            expr: `${orDefault(`max by (namespace, scope) (patroni_primary${q.selectorOf(cluster)})`, { namespace, scope })} < 1`,
            for: "1m",
            severity: "critical",
            summary: "The PostgreSQL cluster has no primary: writes fail.",
            description:
                "No member of Patroni cluster {{ $labels.scope }} in {{ $labels.namespace }} has held the leader lock for a minute, " +
                "or no member can be scraped. Failover normally completes within 40 s.",
            runbook: "postgresnoleader",
        },
        {
            name: "PostgresMemberDown",
            expr: `${ofStatefulSet("kube_statefulset_replicas")} - ${ofStatefulSet("kube_statefulset_status_replicas_ready")} > 0`,
            for: "5m",
            severity: "warning",
            summary: "A PostgreSQL member is not ready: the cluster has less redundancy.",
            description: "{{ $value }} member(s) of {{ $labels.statefulset }} in {{ $labels.namespace }} have not been ready for 5 minutes.",
            runbook: "postgresmemberdown",
        },
        {
            name: "PostgresReplicationLagHigh",
            expr: `${q.patroniReplicaLagBytes(cluster)} > ${POSTGRES_THRESHOLDS.replicaLagBytes}`,
            for: "5m",
            severity: "warning",
            summary: "A PostgreSQL replica lags too far behind to be promoted.",
            description:
                "Replica {{ $labels.name }} of {{ $labels.scope }} is {{ $value | humanize1024 }}B of WAL behind the primary; " +
                `Patroni does not fail over to a replica more than ${POSTGRES_THRESHOLDS.replicaLagBytes / 1048576} MiB behind.`,
            runbook: "postgresreplicationlaghigh",
        },
        ...leveled(
            {
                name: "PostgresConnectionsNearMax",
                summary: "PostgreSQL is running out of connections.",
                description: "{{ $labels.pod }} in {{ $labels.namespace }} uses {{ $value | humanizePercentage }} of max_connections.",
                runbook: "postgresconnectionsnearmax",
            },
            (limit) => `${q.connectionUsage(members)} > ${limit}`,
            {
                warning: { limit: POSTGRES_THRESHOLDS.connectionUsage.warning, for: "5m" },
                critical: { limit: POSTGRES_THRESHOLDS.connectionUsage.critical, for: "2m" },
            },
        ),
        ...t.backupTiers.map((tier): AlertDefinition => {
            const cronJob = { equal: { namespace, cronjob: `${scope}-backup-${tier}` } };
            const limit = BACKUP_PERIOD_SECONDS[tier] + POSTGRES_THRESHOLDS.backupMarginSeconds;
            const lastSuccess = `kube_cronjob_status_last_successful_time${q.selectorOf(cronJob)}`;
            // Before its first success a CronJob has no last-success series: count from its creation.
            const stale = `${q.secondsSince("kube_cronjob_status_last_successful_time", cronJob, ["namespace", "cronjob"])} > ${limit}`;
            const neverSucceeded = `(${q.secondsSince("kube_cronjob_created", cronJob, ["namespace", "cronjob"])} > ${limit} unless on (namespace, cronjob) ${lastSuccess})`;
            const suspended = `(kube_cronjob_spec_suspend${q.selectorOf(cronJob)} == 1)`;
            return {
                name: "PostgresBackupTooOld",
                expr: `(${stale} or ${neverSucceeded}) unless on (namespace, cronjob) ${suspended}`,
                for: "10m",
                severity: "warning",
                summary: "A PostgreSQL backup tier has not succeeded within its schedule.",
                description: `{{ $labels.cronjob }} in {{ $labels.namespace }} has not completed successfully for {{ $value | humanizeDuration }}; the ${tier} tier should succeed at least every ${humanSeconds(limit)}.`,
                runbook: "postgresbackuptooold",
                labels: { tier },
            };
        }),
    ];
}
