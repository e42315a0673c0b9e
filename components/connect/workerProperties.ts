// connect-distributed.properties of a Kafka Connect worker, rendered from typed settings. The same
// function serves the cluster (the bootstrap Service, the pod IP placeholder connect-start fills in,
// the image's paths) and the real-process check (loopback addresses and a local plugin directory),
// so both run the same settings.
import { CONNECT_SECRETS_DIR, PLATFORM_CREDENTIALS_DIR } from "../../config/connect";
import { KafkaSettings } from "../../config/types";

export const CONNECT_PORTS = { rest: 8083, metrics: 9404 } as const;

/** apache/kafka runs as appuser (uid 1000). */
export const CONNECT_UID = 1000;

/** Paths inside the Connect container (images/connect). */
export const CONNECT_PATHS = {
    /** The rendered worker properties and the connectors' configurations (ConfigMaps). */
    config: "/etc/connect",
    /** Where the Debezium plugin is unpacked. */
    plugins: "/opt/connect/plugins",
    /** The platform's connector credentials: one properties file per capture connector (the sealed Secret connect-credentials), read by FileConfigProvider. */
    secrets: PLATFORM_CREDENTIALS_DIR,
    /** Where each of connect.credentialSecrets is mounted, in a directory of its name. */
    credentialSecrets: CONNECT_SECRETS_DIR,
    /** The platform CA that signed the brokers' TLS listener (PEM), from the brokers' certificate Secret. */
    truststoreDir: "/etc/connect-tls",
    truststore: "/etc/connect-tls/ca.crt",
} as const;

/** The worker's internal topics, named after its group: configurations, source offsets and statuses. */
export function internalTopics(groupId: string) {
    return { configs: `${groupId}-configs`, offsets: `${groupId}-offsets`, status: `${groupId}-status` } as const;
}

export interface WorkerInput {
    /** The brokers' client listener (host:port,...). */
    readonly bootstrapServers: string;
    readonly groupId: string;
    readonly kafka: Pick<KafkaSettings, "replicationFactor" | "minInsyncReplicas">;
    /** The platform CA file when the brokers' client listener is TLS. */
    readonly truststore?: string;
    /** Address other workers forward REST requests to (the pod IP placeholder @POD_IP@ on the cluster). */
    readonly advertisedHost: string;
    readonly restPort: number;
    readonly pluginPath: string;
}

/** The Kafka client prefixes of a worker: its own clients, the source tasks' producers, the sink tasks' consumers, the admin client that creates topics. */
const CLIENT_PREFIXES = ["", "producer.", "consumer.", "admin."] as const;

/** TLS to the brokers for every client of the worker, trusting only the platform CA. */
function tlsProperties(truststore: string | undefined): Record<string, string> {
    if (!truststore) return {};
    return Object.fromEntries(
        CLIENT_PREFIXES.flatMap((prefix) => [
            [`${prefix}security.protocol`, "SSL"],
            [`${prefix}ssl.truststore.type`, "PEM"],
            [`${prefix}ssl.truststore.location`, truststore],
        ]),
    );
}

export function renderWorkerProperties(input: WorkerInput): Record<string, string> {
    const topics = internalTopics(input.groupId);
    const rf = String(input.kafka.replicationFactor);
    return {
        "bootstrap.servers": input.bootstrapServers,
        "group.id": input.groupId,
        // Distributed mode keeps everything in Kafka: workers are stateless and any may take any task.
        "config.storage.topic": topics.configs,
        "config.storage.replication.factor": rf,
        "offset.storage.topic": topics.offsets,
        "offset.storage.replication.factor": rf,
        "offset.storage.partitions": "25",
        "status.storage.topic": topics.status,
        "status.storage.replication.factor": rf,
        "status.storage.partitions": "5",
        "offset.flush.interval.ms": "10000",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "key.converter.schemas.enable": "true",
        "value.converter.schemas.enable": "true",
        // Source connectors create their topics (brokers do not auto-create) at the connector's topic.creation.* settings.
        "topic.creation.enable": "true",
        // Connectors may not change the worker's clients (e.g. drop TLS).
        "connector.client.config.override.policy": "None",
        // Credentials reach connectors as ${file:<path>:<key>} references to mounted Secret files.
        "config.providers": "file",
        "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
        listeners: `http://0.0.0.0:${input.restPort}`,
        "rest.advertised.host.name": input.advertisedHost,
        "rest.advertised.port": String(input.restPort),
        "plugin.path": input.pluginPath,
        // The plugins carry ServiceLoader manifests: no reflective scan of every jar (a start 3-4 s instead of 10-20 s).
        "plugin.discovery": "service_load",
        ...tlsProperties(input.truststore),
    };
}
