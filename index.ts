// Composition root: config -> provider -> components -> stack outputs.
import { ContainerImage, mirrorImage } from "./components/images/containerImage";
import { createProvider } from "./components/kubernetes/provider";
import { KafkaCluster } from "./components/kafka/kafkaCluster";
import { PlatformNamespaces } from "./components/namespaces";
import { PatroniCluster } from "./components/postgres/patroniCluster";
import { loadConfig } from "./config";

const config = loadConfig();
const provider = createProvider("kubernetes", config.kubernetes);
const prod = config.environment === "prod";

const namespaces = new PlatformNamespaces(
    "namespaces",
    { prefix: config.namespaces.prefix, tiers: config.namespaces.tiers, environment: config.environment },
    { provider },
);

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
const exporterImage = config.registry.build ? mirrorImage("postgres-exporter-image", "postgres-exporter", pg.exporterImage, config.registry, {}).ref : pg.exporterImage;

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
    },
    { provider },
);

export const environment = config.environment;
export const domain = config.domain;
export const namespaceNames = namespaces.names;
export const images = { patroni: patroniImage.ref, postgresExporter: exporterImage, kafka: kafkaImage.ref };
export const postgresPrimary = postgres.primaryHost;
export const postgresReplicas = postgres.replicaHost;
export const postgresDatabases = postgres.databases.map((d) => ({ database: d.database, owner: d.owner, secret: d.secretName }));
export const kafkaBootstrapServers = kafka.bootstrapServers;
