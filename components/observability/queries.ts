// PromQL expressions shared by alert rules and dashboards, so a panel shows exactly the quantity
// its alert evaluates. Each takes the label matchers applied to every metric it reads, and where
// it aggregates, the labels to keep. Binary expressions come parenthesized, so callers can compare
// or combine them without minding PromQL's operator precedence.
import { selector } from "./promql";

/** Label matchers: exact values, and regular expressions (Grafana's multi-value variables). */
export interface Matchers {
    readonly equal?: Readonly<Record<string, string>>;
    readonly regex?: Readonly<Record<string, string>>;
    readonly notEqual?: Readonly<Record<string, string>>;
}

/** The `{...}` selector of a set of matchers. */
export const selectorOf = (m: Matchers): string => selector(m.equal ?? {}, m.regex ?? {}, m.notEqual ?? {});
const by = (labels: readonly string[]) => `by (${labels.join(", ")})`;

/**
 * Bytes of WAL each replica has still to replay, against the primary's flush position (Patroni's
 * own numbers; Patroni does not promote a replica lagging more than maximum_lag_on_failover).
 */
export function patroniReplicaLagBytes(matchers: Matchers): string {
    const sel = selectorOf(matchers);
    const lag = `max by (namespace, scope) (patroni_xlog_location${sel}) - on (namespace, scope) group_right patroni_xlog_replayed_location${sel}`;
    return `((${lag}) and on (namespace, scope, name) (patroni_replica${sel} == 1))`;
}

/** Share of max_connections in use on each PostgreSQL server. */
export function connectionUsage(matchers: Matchers): string {
    const sel = selectorOf(matchers);
    return `(sum by (namespace, pod) (pg_stat_activity_count${sel}) / max by (namespace, pod) (pg_settings_max_connections${sel}))`;
}

/** Seconds since the time a timestamp metric holds (e.g. a CronJob's last success), per group. */
export function secondsSince(metric: string, matchers: Matchers, labels: readonly string[]): string {
    return `(time() - max ${by(labels)} (${metric}${selectorOf(matchers)}))`;
}

/** Share of requests answered with a 5xx status, over a window. */
export function httpErrorRatio(matchers: Matchers, window: string, labels: readonly string[]): string {
    const sel = selectorOf(matchers);
    const errors = selectorOf({ ...matchers, regex: { ...matchers.regex, status: "5.." } });
    return `(sum ${by(labels)} (rate(http_requests_total${errors}[${window}])) / sum ${by(labels)} (rate(http_requests_total${sel}[${window}])))`;
}

/** A quantile of request duration from the web services' histogram, over a window. */
export function httpLatencyQuantile(quantile: number, matchers: Matchers, window: string, labels: readonly string[]): string {
    return `histogram_quantile(${quantile}, sum ${by([...labels, "le"])} (rate(http_request_duration_seconds_bucket${selectorOf(matchers)}[${window}])))`;
}

/** Share of each mounted PVC's capacity in use. */
export function volumeUsage(matchers: Matchers): string {
    const sel = selectorOf(matchers);
    return `(kubelet_volume_stats_used_bytes${sel} / kubelet_volume_stats_capacity_bytes${sel})`;
}
