// What the platform monitors, assembled from what each service contributes and what the platform
// runs for everyone (the controllers, the workloads of its namespaces). Pure: the docs generator and
// the tests read the same assembly the program deploys.
import { TierName } from "../config/tiers";
import { AlertGroupDefinition, RuleGroup, platformAlertGroups, renderGroups } from "../components/observability/alerts";
import { platformDashboards } from "../components/observability/dashboards";
import { MetricSource, PLATFORM_METRIC_SOURCES } from "../components/observability/metrics";
import { ScrapeTarget, platformScrapeTargets } from "../components/observability/scrapeTargets";
import { ObservabilityContribution } from "./contract";

export interface CollectedObservability {
    readonly scrapeTargets: ScrapeTarget[];
    readonly alertGroups: AlertGroupDefinition[];
    readonly ruleGroups: RuleGroup[];
    readonly dashboards: Record<string, Record<string, unknown>>;
    /** The metric catalogue: every source, by id. */
    readonly metricSources: Record<string, MetricSource>;
}

/** What the platform runs for every service: cert-manager, Traefik, sealed-secrets, the workloads of its namespaces. */
export function platformContribution(args: { readonly namespaceNames: Readonly<Record<TierName, string>>; readonly ingressControllerInstalled: boolean }): ObservabilityContribution {
    return {
        scrapeTargets: platformScrapeTargets({ edgeNamespace: args.namespaceNames.edge, ingressControllerInstalled: args.ingressControllerInstalled }),
        alertGroups: platformAlertGroups(Object.values(args.namespaceNames)),
        dashboards: platformDashboards(),
        metricSources: PLATFORM_METRIC_SOURCES,
    };
}

/** Contributions in order (rule groups keep it); two contributions may not claim one dashboard file, group or source. */
export function collectObservability(contributions: readonly ObservabilityContribution[]): CollectedObservability {
    const claim = <T>(into: Record<string, T>, what: string, entries: Readonly<Record<string, T>>) => {
        for (const [key, value] of Object.entries(entries)) {
            if (key in into) throw new Error(`two services contribute the ${what} ${key}`);
            into[key] = value;
        }
    };
    const dashboards: Record<string, Record<string, unknown>> = {};
    const metricSources: Record<string, MetricSource> = {};
    const alertGroups: AlertGroupDefinition[] = [];
    for (const c of contributions) {
        claim(dashboards, "dashboard", c.dashboards ?? {});
        claim(metricSources, "metric source", c.metricSources ?? {});
        for (const group of c.alertGroups ?? []) {
            if (alertGroups.some((g) => g.name === group.name)) throw new Error(`two services contribute the rule group ${group.name}`);
            alertGroups.push(group);
        }
    }
    return {
        scrapeTargets: contributions.flatMap((c) => c.scrapeTargets ?? []),
        alertGroups,
        ruleGroups: renderGroups(alertGroups),
        dashboards,
        metricSources,
    };
}

/** What the platform monitors: each service's contribution in order, then the platform's own. */
export function observabilityOf(
    config: { readonly install: { readonly ingressController: string } },
    services: readonly { readonly observability?: ObservabilityContribution }[],
    namespaceNames: Readonly<Record<TierName, string>>,
): CollectedObservability {
    return collectObservability([
        ...services.map((s) => s.observability ?? {}),
        platformContribution({ namespaceNames, ingressControllerInstalled: config.install.ingressController === "chart" }),
    ]);
}
