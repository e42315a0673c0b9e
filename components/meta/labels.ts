// Label and annotation conventions shared by every component.

/** The value of `app.kubernetes.io/part-of` on everything this program creates. */
export const PART_OF = "data-platform";

/** Label carrying the security tier of a namespace (NetworkPolicies select tiers by it). */
export const TIER_LABEL = "data-platform/tier";

export interface AppIdentity {
    /** The application, e.g. `postgres` (app.kubernetes.io/name). */
    readonly name: string;
    /** This instance of it, e.g. the component name `metadata-db` (app.kubernetes.io/instance). */
    readonly instance: string;
    /** Its role within the platform, e.g. `database` (app.kubernetes.io/component). */
    readonly component?: string;
    /** The version it runs (app.kubernetes.io/version). */
    readonly version?: string;
}

/** The immutable subset used in selectors: never add a label here that can change. */
export function selectorLabels(app: AppIdentity): Record<string, string> {
    return {
        "app.kubernetes.io/name": app.name,
        "app.kubernetes.io/instance": app.instance,
    };
}

/** The recommended `app.kubernetes.io/*` labels for objects of an application. */
export function standardLabels(app: AppIdentity): Record<string, string> {
    return {
        ...selectorLabels(app),
        ...(app.component ? { "app.kubernetes.io/component": app.component } : {}),
        ...(app.version ? { "app.kubernetes.io/version": app.version } : {}),
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
    };
}
