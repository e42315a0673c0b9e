// Alert rules of the platform, written as typed definitions and rendered into Prometheus rule
// groups (the `spec` of a PrometheusRule). Every rule carries a severity, a summary, a templated
// description and a link to its section of docs/runbooks.md. Pure: no Pulumi resources.
import { BackupTier, PlatformConfig } from "../../config/types";
import { namespaceName } from "../namespaces/manifests";
import { TIER_NAMES, TierName } from "../namespaces/tiers";
import { BACKUP_TIERS } from "../postgres/backups";
import { metricNames, quote } from "./promql";
import * as q from "./queries";

export type Severity = "critical" | "warning";

/** Most urgent first. */
export const SEVERITIES: readonly Severity[] = ["critical", "warning"];

/** An alert as we write it. Definitions may share a name (one per severity or per backup tier). */
export interface AlertDefinition {
    readonly name: string;
    readonly expr: string;
    /** How long the condition must hold (a Prometheus duration). */
    readonly for: string;
    readonly severity: Severity;
    /** One static line. */
    readonly summary: string;
    /** May use {{ $labels.<name> }} and {{ $value }} with Prometheus' template functions. */
    readonly description: string;
    /** Anchor of the alert's section in docs/runbooks.md. */
    readonly runbook: string;
    readonly labels?: Readonly<Record<string, string>>;
}

/** What the rules watch: names the program gives to what it deploys. */
export interface AlertTargets {
    /** Namespace of each security tier. */
    readonly namespaces: Readonly<Record<TierName, string>>;
    /** The Patroni cluster's scope (also its StatefulSet's name) and the backup tiers it schedules ([] when backups are off). */
    readonly postgres: { readonly scope: string; readonly backupTiers: readonly BackupTier[] };
    /** Where docs/runbooks.md is published; runbook_url is `<runbookBase>#<anchor>`. */
    readonly runbookBase?: string;
}

/** A rendered Prometheus alerting rule. */
export interface AlertingRule {
    readonly alert: string;
    readonly expr: string;
    readonly for: string;
    readonly labels: Readonly<Record<string, string>> & { readonly severity: Severity };
    readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

export interface RuleGroup {
    readonly name: string;
    readonly rules: readonly AlertingRule[];
}

export const RUNBOOKS_DOC = "docs/runbooks.md";

/** Limits the rules use, named so runbooks and dashboards can quote them. */
export const THRESHOLDS = {
    /** Patroni's maximum_lag_on_failover (components/postgres/patroniConfig.ts): a replica further behind is not promoted. */
    replicaLagBytes: 1048576,
    connectionUsage: { warning: 0.8, critical: 0.95 },
    /** A run may start up to 1 h late and run up to 6 h (the backup CronJobs' deadlines), plus an hour of slack. */
    backupMarginSeconds: 8 * 3600,
    httpErrorRatio: 0.05,
    httpP99Seconds: 1,
    restartsIn15m: 2,
    volumeUsage: { warning: 0.85, critical: 0.95 },
    certificateSeconds: { warning: 14 * 86400, critical: 3 * 86400 },
} as const;

/** How often each backup tier runs at the longest (a month can have 31 days). */
export const BACKUP_PERIOD_SECONDS: Readonly<Record<BackupTier, number>> = { daily: 86400, weekly: 7 * 86400, monthly: 31 * 86400 };

/** The targets of a stack: namespaces from its prefix, backup tiers only when backups run. */
export function alertTargets(config: Pick<PlatformConfig, "namespaces" | "postgres">, postgresScope: string, runbookBase?: string): AlertTargets {
    const namespaces = Object.fromEntries(TIER_NAMES.map((tier) => [tier, namespaceName(config.namespaces.prefix, tier)])) as Record<TierName, string>;
    const backupTiers = config.postgres.backup.enabled ? [...BACKUP_TIERS] : [];
    return { namespaces, postgres: { scope: postgresScope, backupTiers }, runbookBase };
}

/** `expr`, or `value` with the given labels when expr has no series at all (nothing scraped). */
function orDefault(expr: string, labels: Readonly<Record<string, string>>, value = 0): string {
    const fallback = Object.entries(labels).reduce((v, [label, text]) => `label_replace(${v}, ${quote(label)}, ${quote(text)}, "", "")`, `vector(${value})`);
    return `(${expr} or ${fallback})`;
}

/** One definition per severity, each with its own limit and duration. */
function leveled(
    alert: Omit<AlertDefinition, "expr" | "severity" | "for">,
    expr: (limit: number) => string,
    levels: Readonly<Record<Severity, { readonly limit: number; readonly for: string }>>,
): AlertDefinition[] {
    return (Object.entries(levels) as [Severity, { limit: number; for: string }][]).map(([severity, level]) => ({
        ...alert,
        severity,
        expr: expr(level.limit),
        for: level.for,
    }));
}

const regexEscape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function postgresAlerts(t: AlertTargets): AlertDefinition[] {
    const namespace = t.namespaces.storage;
    const { scope } = t.postgres;
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
            expr: `${q.patroniReplicaLagBytes(cluster)} > ${THRESHOLDS.replicaLagBytes}`,
            for: "5m",
            severity: "warning",
            summary: "A PostgreSQL replica lags too far behind to be promoted.",
            description:
                "Replica {{ $labels.name }} of {{ $labels.scope }} is {{ $value | humanize1024 }}B of WAL behind the primary; " +
                `Patroni does not fail over to a replica more than ${THRESHOLDS.replicaLagBytes / 1048576} MiB behind.`,
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
                warning: { limit: THRESHOLDS.connectionUsage.warning, for: "5m" },
                critical: { limit: THRESHOLDS.connectionUsage.critical, for: "2m" },
            },
        ),
        ...t.postgres.backupTiers.map((tier): AlertDefinition => {
            const cronJob = { equal: { namespace, cronjob: `${scope}-backup-${tier}` } };
            const limit = BACKUP_PERIOD_SECONDS[tier] + THRESHOLDS.backupMarginSeconds;
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

function kafkaAlerts(t: AlertTargets): AlertDefinition[] {
    const namespace = t.namespaces.streaming;
    const sel = q.selectorOf({ equal: { namespace } });
    return [
        {
            name: "KafkaUnderReplicatedPartitions",
            expr: `sum by (namespace, pod) (kafka_server_replicamanager_underreplicatedpartitions${sel}) > 0`,
            for: "10m",
            severity: "warning",
            summary: "Kafka partitions are under-replicated: one more broker failure may stop writes.",
            description: "{{ $labels.pod }} in {{ $labels.namespace }} leads {{ $value }} partition(s) with fewer in-sync replicas than replicas.",
            runbook: "kafkaunderreplicatedpartitions",
        },
        {
            name: "KafkaOfflinePartitions",
            // Every controller reports the cluster-wide count: take the maximum, not the sum.
            expr: `max by (namespace) (kafka_controller_kafkacontroller_offlinepartitionscount${sel}) > 0`,
            for: "1m",
            severity: "critical",
            summary: "Kafka partitions have no leader: producers and consumers of them fail.",
            description: "{{ $value }} partition(s) of the Kafka cluster in {{ $labels.namespace }} have no leader.",
            runbook: "kafkaofflinepartitions",
        },
        {
            name: "KafkaActiveControllerCount",
            expr: `${orDefault(`sum by (namespace) (kafka_controller_kafkacontroller_activecontrollercount${sel})`, { namespace })} != 1`,
            for: "2m",
            severity: "critical",
            summary: "The Kafka cluster does not have exactly one active controller.",
            description: "The Kafka cluster in {{ $labels.namespace }} reports {{ $value }} active controllers (0 also when no node can be scraped).",
            runbook: "kafkaactivecontrollercount",
        },
        {
            name: "KafkaIsrShrinking",
            expr: `sum by (namespace, pod) (rate(kafka_server_replicamanager_isrshrinks_total${sel}[5m])) > 0`,
            for: "15m",
            severity: "warning",
            summary: "Kafka in-sync replica sets keep shrinking.",
            description: 'In-sync replica sets on {{ $labels.pod }} in {{ $labels.namespace }} have been shrinking for 15 minutes ({{ $value | printf "%.2g" }} per second).',
            runbook: "kafkaisrshrinking",
        },
    ];
}

function webServiceAlerts(t: AlertTargets): AlertDefinition[] {
    const apps = { equal: { namespace: t.namespaces.apps } };
    const service = ["namespace", "job"];
    return [
        {
            name: "WebServiceErrorRateHigh",
            expr: `${q.httpErrorRatio(apps, "5m", service)} > ${THRESHOLDS.httpErrorRatio}`,
            for: "10m",
            severity: "critical",
            summary: "A web service answers too many requests with 5xx errors.",
            description: "{{ $labels.job }} in {{ $labels.namespace }} answered {{ $value | humanizePercentage }} of its requests with a 5xx status over 5 minutes.",
            runbook: "webserviceerrorratehigh",
        },
        {
            name: "WebServiceLatencyHigh",
            expr: `${q.httpLatencyQuantile(0.99, apps, "5m", service)} > ${THRESHOLDS.httpP99Seconds}`,
            for: "15m",
            severity: "warning",
            summary: "A web service is slow: its 99th percentile latency is too high.",
            description: `The 99th percentile latency of {{ $labels.job }} in {{ $labels.namespace }} is {{ $value | humanizeDuration }} (limit ${THRESHOLDS.httpP99Seconds}s).`,
            runbook: "webservicelatencyhigh",
        },
    ];
}

/** Restarts, autoscaling and volumes of everything in the platform's namespaces. */
function workloadAlerts(t: AlertTargets): AlertDefinition[] {
    const platform = { regex: { namespace: Object.values(t.namespaces).map(regexEscape).join("|") } };
    const sel = q.selectorOf(platform);
    const hpa = (metric: string) => `max by (namespace, horizontalpodautoscaler) (${metric}${sel})`;
    return [
        {
            name: "PlatformPodRestarting",
            expr: `sum by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total${sel}[15m])) > ${THRESHOLDS.restartsIn15m}`,
            for: "5m",
            severity: "warning",
            summary: "A container of the platform keeps restarting.",
            description: 'Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} restarted {{ $value | printf "%.0f" }} times in 15 minutes.',
            runbook: "platformpodrestarting",
        },
        {
            name: "PlatformHpaAtMaxReplicas",
            expr: `${hpa("kube_horizontalpodautoscaler_status_current_replicas")} >= ${hpa("kube_horizontalpodautoscaler_spec_max_replicas")}`,
            for: "30m",
            severity: "warning",
            summary: "An autoscaler has been at its maximum replicas for 30 minutes: the service may be saturated.",
            description: "{{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has run {{ $value }} replicas, its maximum, for 30 minutes.",
            runbook: "platformhpaatmaxreplicas",
        },
        ...leveled(
            {
                name: "PlatformVolumeFillingUp",
                summary: "A persistent volume of the platform is nearly full.",
                description: "{{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full.",
                runbook: "platformvolumefillingup",
            },
            (limit) => `max by (namespace, persistentvolumeclaim) ${q.volumeUsage(platform)} > ${limit}`,
            {
                warning: { limit: THRESHOLDS.volumeUsage.warning, for: "10m" },
                critical: { limit: THRESHOLDS.volumeUsage.critical, for: "5m" },
            },
        ),
    ];
}

/** cert-manager and sealed-secrets serve every namespace: no namespace filter. */
function certificateAndSecretAlerts(): AlertDefinition[] {
    // Scraped without honorLabels, an exporter's own namespace label becomes exported_namespace.
    const certNamespace = "{{ or $labels.exported_namespace $labels.namespace }}";
    return [
        ...leveled(
            {
                name: "CertificateExpiringSoon",
                summary: "A TLS certificate expires soon: cert-manager has not renewed it.",
                description: `Certificate {{ $labels.name }} in ${certNamespace} expires in {{ $value | humanizeDuration }}.`,
                runbook: "certificateexpiringsoon",
            },
            // 0 means not issued yet (CertificateNotReady covers that).
            (limit) => `(certmanager_certificate_expiration_timestamp_seconds > 0) - time() < ${limit}`,
            {
                warning: { limit: THRESHOLDS.certificateSeconds.warning, for: "1h" },
                critical: { limit: THRESHOLDS.certificateSeconds.critical, for: "10m" },
            },
        ),
        {
            name: "CertificateNotReady",
            expr: `certmanager_certificate_ready_status{condition!="True"} == 1`,
            for: "15m",
            severity: "warning",
            summary: "A TLS certificate is not ready: cert-manager cannot issue or renew it.",
            description: `Certificate {{ $labels.name }} in ${certNamespace} has had Ready={{ $labels.condition }} for 15 minutes.`,
            runbook: "certificatenotready",
        },
        {
            name: "SealedSecretsUnsealFailing",
            expr: `sum by (reason) (increase(sealed_secrets_controller_unseal_errors_total[15m])) > 0`,
            for: "5m",
            severity: "warning",
            summary: "The sealed-secrets controller fails to unseal secrets: their Secrets are missing or stale.",
            description: 'The sealed-secrets controller failed {{ $value | printf "%.0f" }} time(s) in 15 minutes ({{ $labels.reason }} errors).',
            runbook: "sealedsecretsunsealfailing",
        },
    ];
}

/** The platform's alert definitions, by rule group. */
export function alertDefinitions(targets: AlertTargets): { readonly name: string; readonly alerts: readonly AlertDefinition[] }[] {
    return [
        { name: "platform-postgresql", alerts: postgresAlerts(targets) },
        { name: "platform-kafka", alerts: kafkaAlerts(targets) },
        { name: "platform-web-services", alerts: webServiceAlerts(targets) },
        { name: "platform-workloads", alerts: workloadAlerts(targets) },
        { name: "platform-certificates-and-secrets", alerts: certificateAndSecretAlerts() },
    ];
}

export function renderRule(alert: AlertDefinition, runbookBase: string = RUNBOOKS_DOC): AlertingRule {
    return {
        alert: alert.name,
        expr: alert.expr,
        for: alert.for,
        labels: { ...alert.labels, severity: alert.severity },
        annotations: { summary: alert.summary, description: alert.description, runbook_url: `${runbookBase}#${alert.runbook}` },
    };
}

/** Rule groups for PrometheusRule objects: `{ spec: { groups: [group] } }` each, or all in one. */
export function alertGroups(targets: AlertTargets): RuleGroup[] {
    return alertDefinitions(targets).map((g) => ({ name: g.name, rules: g.alerts.map((a) => renderRule(a, targets.runbookBase)) }));
}

/** The metric names each rule reads. */
export function ruleMetrics(groups: readonly RuleGroup[]): { group: string; alert: string; labels: Readonly<Record<string, string>>; metrics: string[] }[] {
    return groups.flatMap((g) => g.rules.map((r) => ({ group: g.name, alert: r.alert, labels: r.labels, metrics: metricNames(r.expr) })));
}

/** 122400 -> "1d 10h", for descriptions. */
function humanSeconds(seconds: number): string {
    const days = Math.floor(seconds / 86400);
    const hours = Math.floor((seconds % 86400) / 3600);
    return [days ? `${days}d` : "", hours ? `${hours}h` : ""].filter(Boolean).join(" ");
}
