// Composition root: config -> provider -> components -> stack outputs.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as path from "path";
import { CertManager } from "./components/edge/certManager";
import { IngressController, TRAEFIK_PORTS } from "./components/edge/ingressController";
import { PublishedBackends } from "./components/edge/routes";
import { ContainerImage, mirrorImage } from "./components/images/containerImage";
import { createProvider } from "./components/kubernetes/provider";
import { KafkaCluster } from "./components/kafka/kafkaCluster";
import { PlatformNamespaces, TIER_NAMES, namespaceName } from "./components/namespaces";
import { alertGroups, alertTargets } from "./components/observability/alerts";
import { dashboards } from "./components/observability/dashboards";
import { Monitoring } from "./components/observability/monitoring";
import { GRAFANA_PODS, PORTS as OBSERVABILITY_PORTS, prometheusPeer } from "./components/observability/observabilityPolicies";
import { platformScrapeTargets } from "./components/observability/scrapeTargets";
import { PatroniCluster } from "./components/postgres/patroniCluster";
import { SealedSecret } from "./components/secrets/sealedSecret";
import { SealedSecretsController } from "./components/secrets/sealedSecretsController";
import { ServiceEndpoint } from "./components/web/networkPolicies";
import { Route, SiteIngress, routeHost } from "./components/web/siteIngress";
import { WebService, webServiceEndpoint } from "./components/web/webService";
import { PORTS as POSTGRES_PORTS } from "./components/postgres/patroniConfig";
import { loadConfig } from "./config";

const config = loadConfig();
const provider = createProvider("kubernetes", config.kubernetes);
const prod = config.environment === "prod";

const namespaces = new PlatformNamespaces(
    "namespaces",
    { prefix: config.namespaces.prefix, tiers: config.namespaces.tiers, environment: config.environment },
    { provider },
);

// --- Secrets: the controller and its key first; every credential reaches the cluster sealed.
const sealedSecrets = new SealedSecretsController("sealed-secrets", { chartVersion: config.charts.sealedSecrets, protect: prod }, { provider });
const sealingKey = sealedSecrets.sealingKey;
for (const [ref, values] of Object.entries(config.sealedSecrets)) {
    const [namespace, secretName] = ref.split("/");
    new SealedSecret(`presealed-${namespace}-${secretName}`, { namespace, secretName, presealed: values, sealingKey }, { provider, dependsOn: [namespaces] });
}

// --- Images: built from images/ and pushed to the stack's registry, pinned by digest.
const pg = config.postgres;
const patroniImage = new ContainerImage("patroni-image", {
    repository: "patroni",
    buildArgs: { PG_MAJOR: pg.version, PATRONI_VERSION: pg.patroniVersion },
    tagLabel: `pg${pg.version}-patroni${pg.patroniVersion}`,
    registry: config.registry,
    prebuilt: pg.image,
});
const kafkaSettings = config.kafka;
const kafkaImage = new ContainerImage("kafka-image", {
    repository: "kafka",
    buildArgs: { KAFKA_VERSION: kafkaSettings.version },
    tagLabel: kafkaSettings.version,
    registry: config.registry,
    prebuilt: kafkaSettings.image,
});
/** Third-party images: mirrored into our registry (pinned by our digest) when building, else upstream. */
const thirdParty = (name: string, source: string) => (config.registry.build ? mirrorImage(`${name}-image`, name, source, config.registry).ref : source);
const exporterImage = thirdParty("postgres-exporter", pg.exporterImage);

// --- Edge: ingress controller, cert-manager and the stack's ClusterIssuer.
const acme = config.tls.issuer !== "self-signed";
const publishedWeb = config.webServices.filter((w) => w.ingress);
const published: PublishedBackends = {
    backends: [
        ...publishedWeb.map((w) => webServiceEndpoint(w.name, w.port, namespaces.names.apps)),
        { name: "grafana", namespace: namespaces.names.management, podLabels: GRAFANA_PODS, ports: [OBSERVABILITY_PORTS.grafana] },
    ],
    acmeNamespaces: acme ? [...(publishedWeb.length > 0 ? [namespaces.names.apps] : []), namespaces.names.management] : [],
};
const ingress = new IngressController(
    "ingress",
    { namespace: namespaces.names.edge, settings: config.edge, chartVersion: config.charts.traefik, apiServerCidrs: config.kubernetes.apiServerCidrs, published },
    { provider },
);
const certManager = new CertManager(
    "cert-manager",
    {
        namespace: namespaces.names.edge,
        chartVersion: config.charts.certManager,
        startupCheckImage: thirdParty("cert-manager-startupapicheck", `quay.io/jetstack/cert-manager-startupapicheck:${config.charts.certManager}`),
        tls: config.tls,
        ingressClassName: ingress.className,
        domain: config.domain,
        apiServerCidrs: config.kubernetes.apiServerCidrs,
        ingressController: config.edge.ingressController === "install" ? { peer: ingress.peer, httpPort: TRAEFIK_PORTS.web } : undefined,
    },
    { provider },
);

// --- Data tier.
const postgres = new PatroniCluster(
    "postgres",
    {
        namespace: namespaces.names.storage,
        scope: "postgres",
        settings: pg,
        image: patroniImage.ref,
        exporterImage,
        apiServerCidrs: config.kubernetes.apiServerCidrs,
        strictSpread: config.environment !== "dev" && pg.members > 1,
        protect: prod,
        sealingKey,
    },
    { provider },
);

// --- Streaming tier.
const kafka = new KafkaCluster(
    "kafka",
    {
        namespace: namespaces.names.streaming,
        clusterName: "kafka",
        settings: kafkaSettings,
        image: kafkaImage.ref,
        strictSpread: config.environment !== "dev",
        protect: prod,
        tlsIssuer: { name: certManager.internalIssuerName, ready: certManager.internalReady },
        sealingKey,
    },
    { provider },
);

// --- Web services: images, dependencies resolved to endpoints, one Ingress per host.
const builtImages = new Map<string, ContainerImage>();
const imageOf = (context: string) => {
    // Services built from the same context share one image.
    if (!builtImages.has(context)) {
        const repository = path.basename(context);
        builtImages.set(context, new ContainerImage(`${repository}-image`, { repository, context: path.join(__dirname, context), tagLabel: "app", registry: config.registry }));
    }
    return builtImages.get(context)!.ref;
};
const endpoints = new Map<string, ServiceEndpoint>([
    ["postgres", { name: "postgres", namespace: namespaces.names.storage, podLabels: postgres.memberLabels, ports: [POSTGRES_PORTS.postgres] }],
    ["kafka", { name: "kafka", namespace: namespaces.names.streaming, podLabels: kafka.brokerLabels, ports: kafka.clientPorts }],
    ...config.webServices.map((w): [string, ServiceEndpoint] => [w.name, webServiceEndpoint(w.name, w.port, namespaces.names.apps)]),
]);
const routes: Route[] = [];
for (const service of config.webServices) {
    const secretEnv: Record<string, pulumi.Input<string>> = {};
    for (const name of service.generatedSecrets) {
        secretEnv[name] = new random.RandomPassword(`${service.name}-${name.toLowerCase()}`, { length: 48, special: false }).result;
    }
    if (service.database) {
        const db = postgres.databases.find((d) => d.database === service.database)!;
        Object.assign(secretEnv, {
            DATABASE_URL: pulumi.interpolate`postgresql://${db.owner}:${db.password}@${postgres.primaryHost}:${POSTGRES_PORTS.postgres}/${db.database}`,
            PGHOST: postgres.primaryHost,
            PGDATABASE: db.database,
            PGUSER: db.owner,
            PGPASSWORD: db.password,
        });
    }
    const web = new WebService(
        service.name,
        {
            namespace: namespaces.names.apps,
            settings: service,
            image: service.image ?? imageOf(service.build!),
            secretEnv,
            sealingKey,
            dependencies: service.dependsOn.map((d) => endpoints.get(d)!),
            ingressPeer: ingress.peer,
            metricsPeer: prometheusPeer(),
            strictSpread: config.environment !== "dev",
        },
        { provider },
    );
    if (service.ingress) {
        routes.push({ host: routeHost(service.ingress.host, config.domain), path: service.ingress.path, serviceName: web.serviceName, servicePort: web.port });
    }
}
const site = new SiteIngress(
    "site",
    {
        namespace: namespaces.names.apps,
        routes,
        ingressClassName: ingress.className,
        clusterIssuer: certManager.issuerName,
        acme,
        ingressPeer: ingress.peer,
        issuerReady: certManager.ready,
    },
    { provider },
);

// --- Observability: everything above is scraped, alerted on and on a dashboard.
const tierNamespace = (tier: (typeof TIER_NAMES)[number]) => namespaceName(config.namespaces.prefix, tier);
const grafanaHost = routeHost(config.observability.grafana.host, config.domain);
const monitoring = new Monitoring(
    "monitoring",
    {
        namespace: namespaces.names.management,
        nodeAgentsNamespace: namespaces.names["node-agents"],
        settings: config.observability,
        charts: config.charts,
        scrapeTargets: platformScrapeTargets({
            namespaces: { storage: tierNamespace("storage"), streaming: tierNamespace("streaming"), edge: tierNamespace("edge"), apps: tierNamespace("apps") },
            postgresLabels: postgres.memberLabels,
            kafkaLabels: kafka.brokerLabels,
            webServices: config.webServices.map((w) => ({ name: w.name, podLabels: webServiceEndpoint(w.name, w.port, "").podLabels, port: w.port, metricsPath: w.metricsPath })),
            ingressControllerInstalled: config.edge.ingressController === "install",
        }),
        ruleGroups: alertGroups(alertTargets(config, "postgres")),
        dashboards: dashboards(),
        alerting: { webhookUrl: config.alertWebhookUrl, slackChannel: config.observability.slackChannel },
        grafanaHost,
        ingressClassName: ingress.className,
        clusterIssuer: certManager.issuerName,
        ingressPeer: ingress.peer,
        issuerReady: certManager.ready,
        acme,
        apiServerCidrs: config.kubernetes.apiServerCidrs,
        nodeCidrs: config.kubernetes.nodeCidrs,
        sealingKey,
        ownedNamespaces: TIER_NAMES.map(tierNamespace),
    },
    { provider, dependsOn: [namespaces] },
);

export const environment = config.environment;
export const domain = config.domain;
export const namespaceNames = namespaces.names;
export const images = { patroni: patroniImage.ref, postgresExporter: exporterImage, kafka: kafkaImage.ref };
export const postgresPrimary = postgres.primaryHost;
export const postgresReplicas = postgres.replicaHost;
export const postgresDatabases = postgres.databases.map((d) => ({ database: d.database, owner: d.owner, secret: d.secretName }));
export const kafkaBootstrapServers = kafka.bootstrapServers;
/** `kubeseal --cert <(pulumi stack output sealingCertificate)` seals values for this cluster. */
export const sealingCertificate = sealedSecrets.certificatePem;
export const clusterIssuer = certManager.issuerName;
export const ingressClass = ingress.className;
export const urls = site.hosts.map((h) => `https://${h}/`);
export const grafanaUrl = monitoring.grafanaUrl;
