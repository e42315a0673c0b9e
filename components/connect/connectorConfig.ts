// The configuration each connector is PUT with (PUT /connectors/<name>/config), rendered from the
// connector's settings and, for a Debezium PostgreSQL capture, from what PostgreSQL granted it. No
// credential is in it: the password is a ${file:...} reference the worker resolves from a mounted
// Secret file, so the ConfigMap, the Job's payload and Connect's config topic hold the reference only.
import { ConnectorSettings, KafkaSettings } from "../../config/types";
import { DECODING_PLUGIN, heartbeatQuery } from "../postgres/dynamicConfig";
import { CONNECT_PATHS } from "./workerProperties";

/** Where a capture connects: the primary's Service (after a failover it reaches the new primary) and the capture role. */
export interface CaptureEndpoint {
    readonly host: string;
    readonly port: number;
    readonly user: string;
}

/** The file holding a connector's credentials (`password=...`), one per connector in the credentials Secret. */
export function credentialsFile(connector: string, dir: string = CONNECT_PATHS.secrets): string {
    return `${dir}/${connector}.properties`;
}

/** Debezium's table.include.list entries are regular expressions over schema.table: dots matched literally. */
function tableList(tables: readonly string[]): string {
    return tables.map((t) => t.replace(/\./g, "\\.")).join(",");
}

/**
 * A connector's configuration. A capture: pgoutput on the slot and publication PostgreSQL keeps
 * (never created or dropped by the connector), heartbeats so the slot advances when the captured
 * tables are quiet, and topics created at the stack's replication factor and min ISR.
 */
export function connectorConfig(
    connector: ConnectorSettings,
    kafka: Pick<KafkaSettings, "replicationFactor" | "minInsyncReplicas">,
    endpoint?: CaptureEndpoint,
    secretsDir: string = CONNECT_PATHS.secrets,
): Record<string, string> {
    const base = { "connector.class": connector.class, "tasks.max": String(connector.tasksMax) };
    const capture = connector.capture;
    if (!capture) return { ...base, ...connector.settings };
    if (!endpoint) throw new Error(`connector ${connector.name} captures ${capture.database} but has no PostgreSQL endpoint`);
    return {
        ...base,
        "plugin.name": DECODING_PLUGIN,
        "database.hostname": endpoint.host,
        "database.port": String(endpoint.port),
        "database.user": endpoint.user,
        "database.password": `\${file:${credentialsFile(connector.name, secretsDir)}:password}`,
        "database.dbname": capture.database,
        "slot.name": capture.slot,
        // The slot is Patroni's (permanent_slots): dropping it on stop would lose the position across restarts.
        "slot.drop.on.stop": "false",
        "publication.name": capture.publication,
        // The databases Job creates the publication; autocreation would need ownership of the tables.
        "publication.autocreate.mode": "disabled",
        "table.include.list": tableList(capture.tables),
        "topic.prefix": capture.topicPrefix,
        "snapshot.mode": capture.snapshotMode,
        // WAL of other databases advances the server's position: a quiet capture's slot would hold it all.
        // A heartbeat record alone does not move the slot; the heartbeat row, a change the publication
        // carries, does (Debezium confirms what it received).
        "heartbeat.interval.ms": "10000",
        "heartbeat.action.query": heartbeatQuery(capture.slot),
        "topic.creation.default.replication.factor": String(kafka.replicationFactor),
        "topic.creation.default.partitions": "1",
        "topic.creation.default.min.insync.replicas": String(kafka.minInsyncReplicas),
        ...connector.settings,
    };
}

/** The file of the connectors ConfigMap that names the connectors to delete, one per line. */
export const CONNECTORS_DELETE_FILE = "delete";

/**
 * The connectors ConfigMap as connect-apply-connectors reads it: `<name>.json` (the configuration
 * object) per connector to apply, and `delete` naming the connectors the config marks for deletion.
 * A connector that is in neither is left alone on the cluster.
 */
export function connectorFiles(connectors: readonly ConnectorSettings[], rendered: Readonly<Record<string, Readonly<Record<string, string>>>>): Record<string, string> {
    const applied = connectors.filter((c) => !c.delete);
    const deleted = connectors.filter((c) => c.delete).map((c) => c.name);
    return {
        ...Object.fromEntries(applied.map((c) => [`${c.name}.json`, JSON.stringify(sortedKeys(rendered[c.name]), null, 2) + "\n"])),
        ...(deleted.length > 0 ? { [CONNECTORS_DELETE_FILE]: deleted.join("\n") + "\n" } : {}),
    };
}

function sortedKeys(config: Readonly<Record<string, string>>): Record<string, string> {
    return Object.fromEntries(Object.keys(config).sort().map((k) => [k, config[k]]));
}
