// The node sets of a Kafka cluster and the names that the quorum and the clients depend on.
import { KafkaSettings, ResourceSettings, StorageSettings } from "../../config/types";
import { KafkaRole, QuorumVoter } from "./brokerProperties";

export const PORTS = { internal: 9092, controller: 9093, client: 9094, metrics: 9404 } as const;

/** Where the client listener's PKCS#12 keystore and its password (the file `password`) are mounted. */
export const CLIENT_TLS = { mountPath: "/etc/kafka/tls", keystore: "keystore.p12", passwordDir: "/etc/kafka/keystore-password" } as const;

/** Brokers of a dedicated cluster get ids from 100 so they never collide with controllers. */
export const BROKER_ID_OFFSET = 100;

/** One StatefulSet of Kafka nodes that share a role. */
export interface NodeSet {
    readonly role: KafkaRole;
    /** StatefulSet name; pods are <statefulSet>-<ordinal>. */
    readonly statefulSet: string;
    /** Headless Service giving each pod a stable DNS name. */
    readonly headlessService: string;
    readonly replicas: number;
    /** node.id = offset + ordinal. */
    readonly nodeIdOffset: number;
    readonly storage: StorageSettings;
    readonly resources: ResourceSettings;
}

export function nodeSets(cluster: string, settings: KafkaSettings): NodeSet[] {
    if (settings.mode === "combined") {
        return [{ role: "combined", statefulSet: cluster, headlessService: `${cluster}-nodes`, replicas: settings.brokers, nodeIdOffset: 0, storage: settings.storage, resources: settings.resources }];
    }
    return [
        { role: "controller", statefulSet: `${cluster}-controller`, headlessService: `${cluster}-controllers`, replicas: settings.controllers, nodeIdOffset: 0, storage: settings.controllerStorage, resources: settings.controllerResources },
        { role: "broker", statefulSet: `${cluster}-broker`, headlessService: `${cluster}-brokers`, replicas: settings.brokers, nodeIdOffset: BROKER_ID_OFFSET, storage: settings.storage, resources: settings.resources },
    ];
}

/** The stable DNS name of a StatefulSet pod behind its headless Service. */
export function podHost(set: NodeSet, ordinal: number, namespace: string): string {
    return `${set.statefulSet}-${ordinal}.${set.headlessService}.${namespace}.svc.cluster.local`;
}

/** The static quorum: every pod of the sets that run a controller. */
export function clusterVoters(sets: readonly NodeSet[], namespace: string): QuorumVoter[] {
    return sets
        .filter((s) => s.role !== "broker")
        .flatMap((s) => Array.from({ length: s.replicas }, (_, i) => ({ id: s.nodeIdOffset + i, host: podHost(s, i, namespace), port: PORTS.controller })));
}

/** JVM heap: half of the memory limit; the rest is page cache and off-heap buffers. */
export function heapOptions(resources: ResourceSettings, parse: (q: string) => number): string {
    const mib = Math.floor(parse(resources.limits.memory) / 2 ** 20 / 2);
    return `-Xms${mib}m -Xmx${mib}m`;
}
