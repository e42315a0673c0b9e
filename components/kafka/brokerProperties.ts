// server.properties of a Kafka KRaft node, rendered from typed settings. The same function serves
// the cluster (host names of the StatefulSet pods, placeholders the start script fills in) and
// the real-process tests (loopback addresses and per-node ports), so both run the same settings.
import { KafkaSettings } from "../../config/types";

export type KafkaRole = "combined" | "controller" | "broker";

/** Listener names; the same names appear in listeners, advertised listeners and the protocol map. */
export const LISTENERS = { internal: "INTERNAL", controller: "CONTROLLER" } as const;

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

export function brokerProperties(role: KafkaRole, node: NodeAddresses, voters: readonly QuorumVoter[], settings: Durability): Record<string, string> {
    const { internal, controller } = LISTENERS;
    const isBroker = role !== "controller";
    const isController = role !== "broker";
    const listeners = [
        ...(isBroker ? [`${internal}://:${node.internalPort}`] : []),
        ...(isController ? [`${controller}://:${node.controllerPort}`] : []),
    ];
    const properties: Record<string, string> = {
        "process.roles": role === "combined" ? "broker,controller" : role,
        "node.id": node.nodeId,
        "controller.quorum.voters": quorumVoters(voters),
        "controller.listener.names": controller,
        listeners: listeners.join(","),
        "listener.security.protocol.map": `${internal}:PLAINTEXT,${controller}:PLAINTEXT`,
        "log.dirs": node.logDir,
    };
    if (isBroker) {
        Object.assign(properties, {
            // Controllers advertise nothing: with a static quorum they are reached through the voters.
            "advertised.listeners": `${internal}://${node.advertisedHost}:${node.internalPort}`,
            "inter.broker.listener.name": internal,
            // Topics are declared in config and created by the topics Job, never by a typo in a client.
            "auto.create.topics.enable": "false",
            "num.partitions": "3",
            ...durabilityProperties(settings),
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
