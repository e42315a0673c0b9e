// The contract every platform service fulfils. A service says what it offers (an endpoint for
// dependents, the routes it publishes), what it contributes to observability (scrape targets,
// alert groups, dashboards, the metrics they may read) and how it is built: one or more parts,
// each declaring what it needs from other services (grants such as a database) and which services
// it connects to. The composition (compose.ts) resolves all of that in one place: it orders the
// parts by their needs (a need of one part on another service is a dependency between parts, never
// between whole services, so two services may need each other), hands each part its grants and the
// facilities it asks for, and makes the NetworkPolicies of every connection on both sides.
import type * as pulumi from "@pulumi/pulumi";
import type { Environment } from "../config/types";
import type { TierName } from "../config/tiers";
import type { ContainerImage, ContainerImageArgs } from "../components/images/containerImage";
import type { AlertGroupDefinition } from "../components/observability/alerts";
import type { MetricSource } from "../components/observability/metrics";
import type { ScrapeTarget } from "../components/observability/scrapeTargets";
import type { SealingKey } from "../components/secrets/sealedSecret";
import type { PeerSelector, ServiceEndpoint } from "../components/web/networkPolicies";

/** Where a service's pods are and which ports they serve: what its dependents' NetworkPolicies select. */
export type Endpoint = ServiceEndpoint;

/** A path published through the ingress controller to a service's pods. */
export interface Route {
    /** Full host name (a label under the stack's domain already resolved). */
    readonly host: string;
    readonly path: string;
    /** The Service and port the Ingress sends to. */
    readonly serviceName: string;
    readonly servicePort: number;
    /** The pods behind it (the ingress controller's egress and their ingress admit each other). */
    readonly backend: Endpoint;
}

/** What a service adds to monitoring; everything is pure data, known before anything is built. */
export interface ObservabilityContribution {
    readonly scrapeTargets?: readonly ScrapeTarget[];
    /** Rule groups of the platform's PrometheusRule, in the order they are listed. */
    readonly alertGroups?: readonly AlertGroupDefinition[];
    /** Grafana dashboards by file name. */
    readonly dashboards?: Readonly<Record<string, Record<string, unknown>>>;
    /** The metrics its endpoints export: the only names alerts and dashboards may read. */
    readonly metricSources?: Readonly<Record<string, MetricSource>>;
}

/**
 * Something a part needs from another service, which grants it once the granting part is built:
 * e.g. `{ kind: "database", from: "postgres", name: "webapp" }`.
 */
export interface Need {
    readonly kind: string;
    /** The service that grants it. */
    readonly from: string;
    /** Which one: a database, a bucket, a client. */
    readonly name: string;
    /** What the granting service needs to know beyond the name (e.g. a database's owner when the need declares it). */
    readonly detail?: Readonly<Record<string, string>>;
}

/** The part of the platform shared by every service, built before any part. */
export interface Facilities {
    readonly environment: Environment;
    /** The sealed-secrets controller's key: credentials reach the cluster sealed. */
    readonly sealingKey: SealingKey;
    /** Images built from this repository or mirrored into the stack's registry. */
    readonly images: ImageFacility;
    /** cert-manager's issuers: the public one (Ingresses) and the platform CA (in-cluster TLS). */
    readonly tls: { readonly issuer: string; readonly ready: pulumi.Resource[]; readonly internal: { readonly name: string; readonly ready: pulumi.Resource[] }; readonly acme: boolean };
    /** The ingress controller: its class and its pods (which published backends let in). */
    readonly ingress: { readonly className: string; readonly peer: PeerSelector };
    /** Prometheus' pods (which metrics endpoints let in). */
    readonly metrics: { readonly peer: PeerSelector };
    /** Addresses of the Kubernetes API server, for parts that call it. */
    readonly apiServer: { readonly cidrs: readonly string[] };
    /** How replicas are placed and whether stateful resources are protected, per environment. */
    readonly placement: { readonly strictSpread: boolean; readonly protect: boolean };
}

export type FacilityName = keyof Facilities;

export interface ImageFacility {
    /** An image built from images/<repository> (or used as it is when `prebuilt`). */
    build(name: string, args: Omit<ContainerImageArgs, "registry">): ContainerImage;
    /** An application image built from a context under apps/; services built from one context share it. */
    app(context: string): pulumi.Input<string>;
    /** A third-party image, mirrored into the stack's registry (pinned by our digest) when the stack builds images. */
    thirdParty(name: string, source: string): pulumi.Input<string>;
}

/** What the composition hands a part when it builds it. */
export interface PartContext {
    /** Resource options of top-level components (the stack's Kubernetes provider). */
    readonly opts: pulumi.ComponentResourceOptions;
    /** The grant of one of the part's needs. */
    grant<T>(need: Need): T;
    /** Needs other parts declared on this service, of the kinds this part grants. */
    readonly requests: readonly Need[];
    /** Endpoints of the services the part connects to (`reaches`), for its own egress. */
    readonly dependencies: readonly Endpoint[];
    /** The component an earlier part of the same service made. */
    readonly component?: pulumi.ComponentResource;
}

export interface PartOutcome {
    /** The service's component: the target-side NetworkPolicies of its connections, and later parts, are its children. */
    readonly component?: pulumi.ComponentResource;
    /** Labels of the target-side NetworkPolicies made for its connections. */
    readonly labels?: Readonly<Record<string, string>>;
    /** Grants of the kinds the part declared in `grants`. */
    readonly grant?: (need: Need) => unknown;
    /** Stack outputs (objects merge one level deep, e.g. `images`). */
    readonly outputs?: Readonly<Record<string, unknown>>;
}

export interface ServicePart<U extends FacilityName = FacilityName> {
    /** Unique within the service, e.g. "core", "backups". */
    readonly name: string;
    /** Grants it needs: the granting parts are built first. */
    readonly needs?: readonly Need[];
    /** Kinds it grants to other parts (after it is built), e.g. "database". */
    readonly grants?: readonly string[];
    /** Services it connects to (their endpoints): NetworkPolicies on both sides. */
    readonly reaches?: readonly string[];
    /** Labels of the part's pods that open those connections, when they are not the service endpoint's pods (e.g. backup jobs). */
    readonly clients?: Readonly<Record<string, string>>;
    /** The facilities it uses; it receives nothing else. */
    readonly uses: readonly U[];
    build(context: PartContext, facilities: Pick<Facilities, U>): PartOutcome;
}

/** A service of the platform. */
export interface PlatformService {
    /** What others name in `reaches`, `dependsOn` and needs. */
    readonly name: string;
    /** Pulumi name of its component: children are `<resourceName>-<role>` (default: name). */
    readonly resourceName?: string;
    readonly endpoint?: Endpoint;
    readonly routes?: readonly Route[];
    readonly observability?: ObservabilityContribution;
    readonly parts: readonly ServicePart[];
}

/** What a service's definition may know before anything is built: the stack's names. */
export interface ServiceScope {
    readonly environment: Environment;
    readonly domain: string;
    /** Namespace of each tier, as the namespaces component outputs it (objects in it depend on it). */
    readonly namespaces: Readonly<Record<TierName, pulumi.Output<string>>>;
    /** The same names as plain strings, for what is not a Kubernetes field (PodMonitor selectors, alert rules). */
    readonly namespaceNames: Readonly<Record<TierName, string>>;
    /** Keycloak serves the platform realm: the lakehouse catalog requires its tokens, and its clients sign in with their own. */
    readonly identity: boolean;
}

/** A part, with the facilities it uses inferred from `uses`. */
export function part<U extends FacilityName>(definition: ServicePart<U>): ServicePart {
    return definition as unknown as ServicePart;
}
