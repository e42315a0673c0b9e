// server.properties of a Kafka KRaft node, rendered from typed settings. The same function serves
// the cluster (host names of the StatefulSet pods, placeholders the start script fills in) and
// the real-process tests (loopback addresses and per-node ports), so both run the same settings.
import { KafkaSettings } from "../../config/types";

export type KafkaRole = "combined" | "controller" | "broker";

/** Listener names; the same names appear in listeners, advertised listeners and the protocol map. */
export const LISTENERS = { internal: "INTERNAL", controller: "CONTROLLER", client: "CLIENT" } as const;

/** The TLS listener for clients: a PKCS#12 keystore issued by cert-manager, its password read from a file. */
export interface ClientTls {
    readonly port: number;
    readonly keystorePath: string;
    /** A directory holding the keystore password as the file `password` (a mounted Secret). */
    readonly passwordDir: string;
}

/** Kafka's DirectoryConfigProvider: `${dir:<directory>:<file>}` in a property is the file's content. */
const DIRECTORY_PROVIDER = { "config.providers": "dir", "config.providers.dir.class": "org.apache.kafka.common.config.provider.DirectoryConfigProvider" } as const;

/** A voter of the static controller quorum. */
export interface QuorumVoter {
    readonly id: number;
    readonly host: string;
    readonly port: number;
}

/** Where one node listens and what it advertises. */
export interface NodeAddresses {
    /** `node.id` (a placeholder such as @NODE_ID@ on the cluster). */
    readonly nodeId: string;
    /** Host name other nodes and clients use to reach this node (brokers only). */
    readonly advertisedHost: string;
    readonly internalPort: number;
    readonly controllerPort: number;
    /** Data directory: a subdirectory of the volume (a volume's lost+found stops the broker). */
    readonly logDir: string;
}

/** `controller.quorum.voters`: id@host:port of every controller, in id order. */
export function quorumVoters(voters: readonly QuorumVoter[]): string {
    return [...voters]
        .sort((a, b) => a.id - b.id)
        .map((v) => `${v.id}@${v.host}:${v.port}`)
        .join(",");
}

type Durability = Pick<KafkaSettings, "replicationFactor" | "minInsyncReplicas">;

/** Replication settings: user topics and Kafka's internal topics get the same durability. */
export function durabilityProperties(settings: Durability): Record<string, string> {
    return {
        "default.replication.factor": String(settings.replicationFactor),
        "min.insync.replicas": String(settings.minInsyncReplicas),
        "offsets.topic.replication.factor": String(settings.replicationFactor),
        "transaction.state.log.replication.factor": String(settings.replicationFactor),
        "transaction.state.log.min.isr": String(settings.minInsyncReplicas),
        "share.coordinator.state.topic.replication.factor": String(settings.replicationFactor),
        "share.coordinator.state.topic.min.isr": String(settings.minInsyncReplicas),
        // Never elect a replica that is missing acknowledged writes.
        "unclean.leader.election.enable": "false",
    };
}

export function brokerProperties(role: KafkaRole, node: NodeAddresses, voters: readonly QuorumVoter[], settings: Durability, tls?: ClientTls): Record<string, string> {
    const { internal, controller, client } = LISTENERS;
    const isBroker = role !== "controller";
    const isController = role !== "broker";
    const withTls = isBroker && tls !== undefined;
    const listeners = [
        ...(isBroker ? [`${internal}://:${node.internalPort}`] : []),
        ...(withTls ? [`${client}://:${tls.port}`] : []),
        ...(isController ? [`${controller}://:${node.controllerPort}`] : []),
    ];
    const properties: Record<string, string> = {
        "process.roles": role === "combined" ? "broker,controller" : role,
        "node.id": node.nodeId,
        "controller.quorum.voters": quorumVoters(voters),
        "controller.listener.names": controller,
        listeners: listeners.join(","),
        "listener.security.protocol.map": [`${internal}:PLAINTEXT`, ...(withTls ? [`${client}:SSL`] : []), `${controller}:PLAINTEXT`].join(","),
        "log.dirs": node.logDir,
    };
    if (isBroker) {
        Object.assign(properties, {
            // Controllers advertise nothing: with a static quorum they are reached through the voters.
            "advertised.listeners": [`${internal}://${node.advertisedHost}:${node.internalPort}`, ...(withTls ? [`${client}://${node.advertisedHost}:${tls.port}`] : [])].join(","),
            "inter.broker.listener.name": internal,
            // Topics are declared in config and created by the topics Job, never by a typo in a client.
            "auto.create.topics.enable": "false",
            "num.partitions": "3",
            ...durabilityProperties(settings),
        });
    }
    if (withTls) {
        // The password never appears in the file: the broker reads it from the mounted Secret.
        const password = `\${dir:${tls.passwordDir}:password}`;
        Object.assign(properties, {
            ...DIRECTORY_PROVIDER,
            [`listener.name.${client.toLowerCase()}.ssl.keystore.type`]: "PKCS12",
            [`listener.name.${client.toLowerCase()}.ssl.keystore.location`]: tls.keystorePath,
            [`listener.name.${client.toLowerCase()}.ssl.keystore.password`]: password,
            [`listener.name.${client.toLowerCase()}.ssl.key.password`]: password,
        });
    }
    return properties;
}

/** The properties file text, keys sorted so the same settings always give the same file. */
export function propertiesText(properties: Readonly<Record<string, string>>): string {
    return Object.keys(properties)
        .sort()
        .map((key) => `${key}=${properties[key]}`)
        .join("\n") + "\n";
}
