// Alert rules of the platform, written as typed definitions and rendered into Prometheus rule
// groups (the `spec` of a PrometheusRule). Every rule carries a severity, a summary, a templated
// description and a link to its section of docs/runbooks.md. Pure: no Pulumi resources.
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

/** Limits of the platform-wide rules, named so runbooks and dashboards can quote them. */
export const THRESHOLDS = {
    restartsIn15m: 2,
    volumeUsage: { warning: 0.85, critical: 0.95 },
    certificateSeconds: { warning: 14 * 86400, critical: 3 * 86400 },
} as const;

/** `expr`, or `value` with the given labels when expr has no series at all (nothing scraped). */
export function orDefault(expr: string, labels: Readonly<Record<string, string>>, value = 0): string {
    const fallback = Object.entries(labels).reduce((v, [label, text]) => `label_replace(${v}, ${quote(label)}, ${quote(text)}, "", "")`, `vector(${value})`);
    return `(${expr} or ${fallback})`;
}

/** One definition per severity, each with its own limit and duration. */
export function leveled(
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

export const regexEscape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** What a service says of its Deployment's availability alerts. */
export interface DeploymentAvailability {
    readonly namespace: string;
    readonly deployment: string;
    /** Prefix of the two alerts' names, e.g. "Nessie": NessieDown and Nessie<Pods>Unavailable. */
    readonly alertPrefix: string;
    /** What its pods are called in the alerts ("replica", "worker"). */
    readonly pod: string;
    /** How long none may be available before the critical alert. */
    readonly downFor: string;
    /** The critical alert's summary (what stops for its users). */
    readonly downSummary: string;
    /** The warning's summary (what runs without a spare). */
    readonly unavailableSummary: string;
}

/**
 * A Deployment's pair of availability alerts: none available (critical; also when kube-state-metrics
 * has no series of it) and fewer than configured for 10 minutes (warning).
 */
export function deploymentAvailabilityAlerts(d: DeploymentAvailability): AlertDefinition[] {
    const deployment = (metricName: string) => `sum by (namespace) (${metricName}${q.selectorOf({ equal: { namespace: d.namespace, deployment: d.deployment } })})`;
    const pods = `${d.pod[0].toUpperCase()}${d.pod.slice(1)}s`;
    return [
        {
            name: `${d.alertPrefix}Down`,
            expr: `${orDefault(deployment("kube_deployment_status_replicas_available"), { namespace: d.namespace })} < 1`,
            for: d.downFor,
            severity: "critical",
            summary: d.downSummary,
            description: `The ${d.deployment} Deployment in {{ $labels.namespace }} has no available ${d.pod}.`,
            runbook: `${d.alertPrefix}Down`.toLowerCase(),
        },
        {
            name: `${d.alertPrefix}${pods}Unavailable`,
            expr: `(${deployment("kube_deployment_spec_replicas")} - ${deployment("kube_deployment_status_replicas_available")}) > 0`,
            for: "10m",
            severity: "warning",
            summary: d.unavailableSummary,
            description: `{{ $value }} ${d.pod}(s) of the ${d.deployment} Deployment in {{ $labels.namespace }} are not available.`,
            runbook: `${d.alertPrefix}${pods}Unavailable`.toLowerCase(),
        },
    ];
}

/** Restarts, autoscaling and volumes of everything in the platform's namespaces. */
function workloadAlerts(namespaces: readonly string[]): AlertDefinition[] {
    const platform = { regex: { namespace: namespaces.map(regexEscape).join("|") } };
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

/** Alerts of one rule group (one `groups` entry of the PrometheusRule), as written. */
export interface AlertGroupDefinition {
    readonly name: string;
    readonly alerts: readonly AlertDefinition[];
}

/** The platform-wide groups: every workload of the platform's namespaces, certificates and sealed secrets. */
export function platformAlertGroups(namespaces: readonly string[]): AlertGroupDefinition[] {
    return [
        { name: "platform-workloads", alerts: workloadAlerts(namespaces) },
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

/** Rule groups for PrometheusRule objects, runbook links under `runbookBase`. */
export function renderGroups(groups: readonly AlertGroupDefinition[], runbookBase: string = RUNBOOKS_DOC): RuleGroup[] {
    return groups.map((g) => ({ name: g.name, rules: g.alerts.map((a) => renderRule(a, runbookBase)) }));
}

/** The metric names each rule reads. */
export function ruleMetrics(groups: readonly RuleGroup[]): { group: string; alert: string; labels: Readonly<Record<string, string>>; metrics: string[] }[] {
    return groups.flatMap((g) => g.rules.map((r) => ({ group: g.name, alert: r.alert, labels: r.labels, metrics: metricNames(r.expr) })));
}

/** 122400 -> "1d 10h", for descriptions. */
export function humanSeconds(seconds: number): string {
    const days = Math.floor(seconds / 86400);
    const hours = Math.floor((seconds % 86400) / 3600);
    return [days ? `${days}d` : "", hours ? `${hours}h` : ""].filter(Boolean).join(" ");
}
