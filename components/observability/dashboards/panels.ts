// Panels more than one dashboard shows, built the same way everywhere.
import { THRESHOLDS } from "../alerts";
import * as q from "../queries";
import { PanelSpec, VariableSpec, bars, higherIsWorse, instant } from "./builder";

type Labels = Readonly<Record<string, string>>;

/** A metric of the dashboard's `$namespace` variable, with more exact and regular-expression matchers. */
export function inNamespace(metric: string, equal: Labels = {}, regex: Labels = {}): string {
    return `${metric}${q.selectorOf({ equal: { namespace: "$namespace", ...equal }, regex })}`;
}

/** The `$namespace` variable: the namespaces where `metric` is scraped (a service's namespace differs between stacks). */
export function namespaceVariable(metric: string): VariableSpec {
    return { kind: "query", name: "namespace", label: "Namespace", datasource: "prometheus", query: `label_values(${metric}, namespace)` };
}

/** A counter's per-second rate in `$namespace` over Grafana's rate interval, summed by `by`. */
export function rateBy(metric: string, by: string, regex: Labels = {}): string {
    return `sum by (${by}) (rate(${inNamespace(metric, {}, regex)}[$__rate_interval]))`;
}

/** Share of each volume in use, coloured at the PlatformVolumeFillingUp limits. */
export function volumeUsageBars(matchers: q.Matchers, labels: readonly string[], extra: Partial<PanelSpec> = {}): PanelSpec {
    const legend = labels.map((l) => `{{${l}}}`).join("/");
    return bars("Volume usage", instant(`max by (${labels.join(", ")}) ${q.volumeUsage(matchers)}`, legend), {
        unit: "percentunit",
        min: 0,
        max: 1,
        thresholds: higherIsWorse(THRESHOLDS.volumeUsage.warning, THRESHOLDS.volumeUsage.critical),
        ...extra,
    });
}
