// Composes the platform from its services: builds the shared facilities, resolves every service's
// needs and connections in one place, builds the parts in an order their needs allow, and feeds
// what the services contribute to monitoring. index.ts calls it with the list of the platform's
// services; tests call it with their own.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { ConfigError } from "../config/errors";
import { PlatformConfig } from "../config/types";
import { TIER_NAMES, TierName } from "../config/tiers";
import { CertManager } from "../components/edge/certManager";
import { IngressController, TRAEFIK_PORTS } from "../components/edge/ingressController";
import { PublishedBackends } from "../components/edge/routes";
import { ContainerImage, mirrorImage } from "../components/images/containerImage";
import { createProvider } from "../components/kubernetes/provider";
import { standardLabels } from "../components/meta/labels";
import { PlatformNamespaces, namespaceName } from "../components/namespaces";
import { KEYCLOAK_POD_LABELS } from "../components/keycloak/keycloakServer";
import { KEYCLOAK_SERVICE, OidcClientGrant, oidcClientNeed } from "../components/keycloak/service";
import { GRAFANA_OIDC_CLIENT, grafanaRedirectUri } from "../components/observability/grafanaSso";
import { Monitoring } from "../components/observability/monitoring";
import { GRAFANA_PODS, PORTS as OBSERVABILITY_PORTS, prometheusPeer } from "../components/observability/observabilityPolicies";
import { SealedSecret } from "../components/secrets/sealedSecret";
import { SealedSecretsController } from "../components/secrets/sealedSecretsController";
import { dependencyIngressSpec } from "../components/web/networkPolicies";
import { SiteIngress, routeHost } from "../components/web/siteIngress";
import { Endpoint, Facilities, ImageFacility, Need, PartOutcome, PlatformService, ServicePart, ServiceScope } from "./contract";
import { observabilityOf } from "./observability";
import { PROMETHEUS_PODS } from "../components/observability/observabilityPolicies";

const PROJECT_DIR = path.resolve(__dirname, "..");

/** What the composed platform exposes as stack outputs. */
export interface ComposedPlatform {
    readonly namespaceNames: Readonly<Record<TierName, pulumi.Output<string>>>;
    readonly sealingCertificate: pulumi.Output<string>;
    readonly clusterIssuer: string;
    readonly ingressClass: string;
    readonly urls: string[];
    readonly grafanaUrl: string;
    /** What the services' parts contributed, merged. */
    readonly outputs: Readonly<Record<string, unknown>>;
}

/** What service definitions may know of a stack; `namespaces` are the namespaces component's outputs (plain names where there is none, e.g. for docs). */
export function serviceScope(config: Pick<PlatformConfig, "environment" | "domain" | "namespaces" | "keycloak">, namespaces?: Readonly<Record<TierName, pulumi.Output<string>>>): ServiceScope {
    const namespaceNames = Object.fromEntries(TIER_NAMES.map((tier) => [tier, namespaceName(config.namespaces.prefix, tier)])) as Record<TierName, string>;
    return {
        environment: config.environment,
        domain: config.domain,
        namespaces: namespaces ?? (Object.fromEntries(TIER_NAMES.map((tier) => [tier, pulumi.output(namespaceNames[tier])])) as Record<TierName, pulumi.Output<string>>),
        namespaceNames,
        identity: config.keycloak.enabled,
    };
}

/** A service part in the build order, with the service it belongs to. */
interface PlannedPart {
    readonly service: PlatformService;
    readonly part: ServicePart;
}

/** Which part of which service grants a need's kind. */
function granterOf(services: readonly PlatformService[], need: Need): PlannedPart {
    const service = services.find((s) => s.name === need.from);
    const part = service?.parts.find((p) => p.grants?.includes(need.kind));
    if (!service || !part) throw new pulumi.RunError(`no service "${need.from}" grants a ${need.kind} (needed: ${need.kind} ${need.name})`);
    return { service, part };
}

/**
 * The parts in an order where each comes after the parts that grant its needs (and after the
 * earlier parts of its own service). A cycle of needs is refused, naming the parts.
 */
export function buildOrder(services: readonly PlatformService[]): PlannedPart[] {
    const key = (p: PlannedPart) => `${p.service.name}/${p.part.name}`;
    const ordered: PlannedPart[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (p: PlannedPart, trail: string[]) => {
        const k = key(p);
        if (state.get(k) === "done") return;
        if (state.get(k) === "visiting") throw new pulumi.RunError(`the services' needs form a cycle: ${[...trail, k].join(" -> ")}`);
        state.set(k, "visiting");
        const own = p.service.parts.slice(0, p.service.parts.indexOf(p.part)).map((part) => ({ service: p.service, part }));
        for (const before of [...own, ...(p.part.needs ?? []).map((n) => granterOf(services, n))]) visit(before, [...trail, k]);
        state.set(k, "done");
        ordered.push(p);
    };
    for (const service of services) for (const part of service.parts) visit({ service, part }, []);
    return ordered;
}

/**
 * The target side of a connection: `dependency` lets the client's pods in, on its ports only.
 * Named for both ends: two dependencies of one client may share a namespace (PostgreSQL and SeaweedFS).
 */
function admitConnection(resourceName: string, clientName: string, client: Endpoint, dependency: Endpoint, labels: Readonly<Record<string, string>> | undefined, opts: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy {
    return new k8s.networking.v1.NetworkPolicy(
        resourceName,
        { metadata: { name: `${dependency.name}-from-${clientName}`, namespace: dependency.namespace, labels }, spec: dependencyIngressSpec(client, dependency) },
        opts,
    );
}

/** Stack outputs of all parts: later keys win, objects merge one level deep. */
function mergeOutputs(outcomes: readonly PartOutcome[]): Record<string, unknown> {
    const merged: Record<string, unknown> = {};
    for (const outputs of outcomes.map((o) => o.outputs ?? {})) {
        for (const [key, value] of Object.entries(outputs)) {
            const before = merged[key];
            const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v) && !pulumi.Output.isInstance(v);
            merged[key] = isObject(before) && isObject(value) ? { ...(before as object), ...(value as object) } : value;
        }
    }
    return merged;
}

function imageFacility(config: PlatformConfig): ImageFacility {
    const apps = new Map<string, ContainerImage>();
    return {
        build: (name, args) => new ContainerImage(name, { ...args, registry: config.registry }),
        app: (context) => {
            // Services built from the same context share one image.
            if (!apps.has(context)) {
                const repository = path.basename(context);
                apps.set(context, new ContainerImage(`${repository}-image`, { repository, context: path.join(PROJECT_DIR, context), tagLabel: "app", registry: config.registry }));
            }
            return apps.get(context)!.ref;
        },
        thirdParty: (name, source) => (config.registry.build ? mirrorImage(`${name}-image`, name, source, config.registry).ref : source),
    };
}

/**
 * The platform: namespaces, sealed secrets, the edge, every service of `services(scope)` and
 * monitoring of all of them, on the stack's Kubernetes provider.
 */
export function composePlatform(config: PlatformConfig, services: (scope: ServiceScope) => PlatformService[]): ComposedPlatform {
    try {
        return compose(config, services);
    } catch (err) {
        // A service's need that the configuration cannot meet is a configuration error of this stack.
        if (err instanceof ConfigError) throw new pulumi.RunError(new ConfigError(config.stack, err.problems).message);
        throw err;
    }
}

function compose(config: PlatformConfig, services: (scope: ServiceScope) => PlatformService[]): ComposedPlatform {
    const provider = createProvider("kubernetes", config.kubernetes);
    const prod = config.environment === "prod";
    const namespaces = new PlatformNamespaces(
        "namespaces",
        { prefix: config.namespaces.prefix, tiers: config.namespaces.tiers, environment: config.environment },
        { provider },
    );
    const scope = serviceScope(config, namespaces.names);
    const namespaceNames = scope.namespaceNames;
    const platform = services(scope);
    const names = new Set<string>();
    for (const s of platform) {
        if (names.has(s.name)) throw new pulumi.RunError(`two platform services are named "${s.name}"`);
        names.add(s.name);
    }

    // --- Secrets: the controller and its key first; every credential reaches the cluster sealed.
    const sealedSecrets = new SealedSecretsController("sealed-secrets", { chartVersion: config.charts.sealedSecrets, protect: prod, install: config.install.sealedSecrets }, { provider });
    const sealingKey = sealedSecrets.sealingKey;
    for (const [ref, values] of Object.entries(config.sealedSecrets)) {
        const [namespace, secretName] = ref.split("/");
        new SealedSecret(`presealed-${namespace}-${secretName}`, { namespace, secretName, presealed: values, sealingKey }, { provider, dependsOn: [namespaces] });
    }
    const images = imageFacility(config);

    // --- Edge: the ingress controller reaches exactly what the services (and Grafana) publish.
    const acme = config.tls.issuer !== "self-signed";
    // Grafana's Ingress comes with the monitoring chart.
    const grafana = config.install.monitoring === "chart" ? [{ name: "grafana", namespace: namespaces.names.management, podLabels: GRAFANA_PODS, ports: [OBSERVABILITY_PORTS.grafana] }] : [];
    const grafanaHost = routeHost(config.observability.grafana.host, config.domain);
    // Grafana signs in through the platform realm when Keycloak is a service of the platform: the
    // composition, which builds Grafana, asks for its client as a service's part would.
    const grafanaClient = grafana.length > 0 && names.has(KEYCLOAK_SERVICE) ? oidcClientNeed(GRAFANA_OIDC_CLIENT, "browser", [grafanaRedirectUri(grafanaHost)], "observability.grafana") : undefined;
    const compositionNeeds = grafanaClient ? [grafanaClient] : [];
    const routes = platform.flatMap((s) => s.routes ?? []);
    const routeNamespaces = [...new Set(routes.map((r) => r.backend.namespace))];
    const published: PublishedBackends = {
        backends: [...routes.map((r) => r.backend), ...grafana],
        acmeNamespaces: acme ? [...routeNamespaces, ...grafana.map((g) => g.namespace)] : [],
    };
    const ingress = new IngressController(
        "ingress",
        { namespace: namespaces.names.edge, settings: config.edge, install: config.install.ingressController, chartVersion: config.charts.traefik, apiServerCidrs: config.kubernetes.apiServerCidrs, published },
        { provider },
    );
    const certManager = new CertManager(
        "cert-manager",
        {
            namespace: namespaces.names.edge,
            chartVersion: config.charts.certManager,
            startupCheckImage: images.thirdParty("cert-manager-startupapicheck", `quay.io/jetstack/cert-manager-startupapicheck:${config.charts.certManager}`),
            tls: config.tls,
            ingressClassName: ingress.className,
            domain: config.domain,
            apiServerCidrs: config.kubernetes.apiServerCidrs,
            install: config.install.certManager,
            ingressController: config.install.ingressController === "chart" ? { peer: ingress.peer, httpPort: TRAEFIK_PORTS.web } : undefined,
        },
        { provider },
    );

    const facilities: Facilities = {
        environment: config.environment,
        sealingKey,
        images,
        tls: { issuer: certManager.issuerName, ready: certManager.ready, internal: { name: certManager.internalIssuerName, ready: certManager.internalReady }, acme },
        ingress: { className: ingress.className, peer: ingress.peer },
        metrics: { peer: prometheusPeer() },
        apiServer: { cidrs: config.kubernetes.apiServerCidrs },
        placement: { strictSpread: config.environment !== "dev", protect: prod },
    };

    // --- The services' parts, each after what grants its needs.
    const outcomes = new Map<string, PartOutcome>();
    const components = new Map<string, pulumi.ComponentResource>();
    const endpoints = new Map(platform.filter((s) => s.endpoint).map((s) => [s.name, s.endpoint!]));
    const grantOf = <T>(need: Need): T => {
        const granter = granterOf(platform, need);
        return outcomes.get(`${granter.service.name}/${granter.part.name}`)!.grant!(need) as T;
    };
    const needs = [...platform.flatMap((s) => s.parts.flatMap((p) => p.needs ?? [])), ...compositionNeeds];
    for (const { service, part } of buildOrder(platform)) {
        const requests = needs.filter((n) => n.from === service.name && part.grants?.includes(n.kind));
        const dependencies = (part.reaches ?? []).map((name) => {
            const endpoint = endpoints.get(name);
            if (!endpoint) throw new pulumi.RunError(`${service.name} connects to "${name}", which is not a service of the platform with an endpoint`);
            return endpoint;
        });
        const picked = Object.fromEntries(part.uses.map((u) => [u, facilities[u]])) as Pick<Facilities, typeof part.uses[number]>;
        const outcome = part.build(
            {
                opts: { provider },
                grant: grantOf,
                requests,
                dependencies,
                component: components.get(service.name),
            },
            picked,
        );
        outcomes.set(`${service.name}/${part.name}`, outcome);
        if (outcome.component && !components.has(service.name)) components.set(service.name, outcome.component);
        // The target side of each connection: the dependency lets this service's pods in, on its ports only.
        const component = components.get(service.name);
        for (const dependency of dependencies) {
            if (!component || !service.endpoint) throw new pulumi.RunError(`${service.name}/${part.name} connects to ${dependency.name} but has no component or endpoint`);
            // Parts whose own pods connect (not the service's) get a policy of their own.
            const client = part.clients ? { ...service.endpoint, podLabels: part.clients } : service.endpoint;
            const suffix = part.clients ? `-${part.name}` : "";
            admitConnection(`${service.resourceName ?? service.name}${suffix}-to-${dependency.name}`, `${service.name}${suffix}`, client, dependency, outcome.labels, { parent: component });
        }
    }

    // The monitoring stack's pods that call Keycloak's Service: Grafana (tokens and user info of its
    // logins) and Prometheus (tokens for the scrapes that sign in). Keycloak's side admits each, as
    // for a part's connection.
    const keycloak = endpoints.get(KEYCLOAK_SERVICE);
    const signsIn = config.install.monitoring !== "none" && platform.some((s) => s.observability?.scrapeTargets?.some((t) => t.oauth2));
    const keycloakCallers: Endpoint[] = [
        ...(grafanaClient ? grafana : []),
        ...(signsIn ? [{ name: "prometheus", namespace: namespaces.names.management, podLabels: PROMETHEUS_PODS, ports: [] }] : []),
    ];
    if (keycloak) {
        for (const caller of keycloakCallers) {
            const labels = standardLabels({ name: caller.name, instance: caller.name, component: "monitoring" });
            admitConnection(`${KEYCLOAK_SERVICE}-from-${caller.name}`, caller.name, caller, keycloak, labels, { parent: components.get(KEYCLOAK_SERVICE), dependsOn: [namespaces] });
        }
    }

    // --- Routes: one TLS Ingress per host.
    const site = new SiteIngress(
        "site",
        {
            routes: routes.map((r) => ({ ...r, namespace: r.backend.namespace })),
            ingressClassName: ingress.className,
            clusterIssuer: certManager.issuerName,
            acme,
            ingressPeer: ingress.peer,
            issuerReady: certManager.ready,
            // Monitoring makes the management namespace's solver policy beside Grafana's Ingress.
            acmeSolversElsewhere: grafana.map((g) => g.namespace),
        },
        { provider },
    );

    // --- Observability: every service's metrics scraped, its alerts and dashboards loaded.
    const observed = observabilityOf(config, platform, namespaceNames);
    const monitoring = new Monitoring(
        "monitoring",
        {
            namespace: namespaces.names.management,
            nodeAgentsNamespace: namespaces.names["node-agents"],
            settings: config.observability,
            charts: config.charts,
            scrapeTargets: observed.scrapeTargets,
            ruleGroups: observed.ruleGroups,
            dashboards: observed.dashboards,
            alerting: { webhookUrl: config.alertWebhookUrl, slackChannel: config.observability.slackChannel },
            grafanaHost,
            sso: grafanaClient ? { ...grantOf<OidcClientGrant>(grafanaClient), roles: config.observability.grafana.roles } : undefined,
            // Keycloak's pods admit only what their own policies name (the realm's admin API is on the same port as logins).
            selfGuarded: names.has(KEYCLOAK_SERVICE) ? [KEYCLOAK_POD_LABELS["app.kubernetes.io/name"]] : [],
            ingressClassName: ingress.className,
            clusterIssuer: certManager.issuerName,
            ingressPeer: ingress.peer,
            issuerReady: certManager.ready,
            acme,
            install: config.install.monitoring,
            apiServerCidrs: config.kubernetes.apiServerCidrs,
            nodeCidrs: config.kubernetes.nodeCidrs,
            sealingKey,
            ownedNamespaces: TIER_NAMES.map((tier) => namespaceNames[tier]),
        },
        { provider, dependsOn: [namespaces] },
    );

    return {
        namespaceNames: namespaces.names,
        sealingCertificate: sealedSecrets.certificatePem,
        clusterIssuer: certManager.issuerName,
        ingressClass: ingress.className,
        urls: site.hosts.map((h) => `https://${h}/`),
        grafanaUrl: monitoring.grafanaUrl,
        outputs: mergeOutputs([...outcomes.values()]),
    };
}
