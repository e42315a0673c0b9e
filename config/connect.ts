// Validation of the Kafka Connect section (connect): distributed workers and the connectors the
// connectors Job applies. Credentials never appear in config: a setting that names one must be a
// reference Kafka's FileConfigProvider resolves inside the worker (`${file:<path>:<key>}`), so the
// ConfigMap and the REST payload carry the reference only. What PostgreSQL grants a capture (its
// database, slot name, login) is checked against the cluster where the grant is made
// (components/postgres/service.ts capturesOf), naming these keys.
import { Checker, DNS_LABEL, IMAGE_REF, resources } from "./checks";
import { ConnectSettings, ConnectorCaptureSettings, ConnectorSettings, Environment } from "./types";

/** Debezium's PostgreSQL source: the connector class whose captures PostgreSQL grants. */
export const DEBEZIUM_POSTGRES = "io.debezium.connector.postgresql.PostgresConnector";

/** A setting that carries a credential, by its name. */
const CREDENTIAL_KEY = /(password|secret|token|credential|api[._-]?key|private[._-]?key|sasl\.jaas\.config)/i;
/** A reference Kafka's config providers resolve in the worker: ${file:<path>:<key>} or ${directory:<dir>:<file>}. */
export const CONFIG_REFERENCE = /^\$\{(file|directory):[^}:]+:[^}]+\}$/;
/** Where the workers find Secret files: the platform's own credentials, and each of connect.credentialSecrets in a directory of its name. */
export const CONNECT_SECRETS_DIR = "/run/secrets/connect";
/** The directory of the credentials the platform generates (captures' logins): connect-credentials. */
export const PLATFORM_CREDENTIALS_DIR = `${CONNECT_SECRETS_DIR}/platform`;
/** Settings the platform renders for a capture (from what PostgreSQL grants and the stack's Kafka): not for config to override. */
export const RENDERED_CAPTURE_KEYS = [
    "connector.class", "tasks.max", "plugin.name", "database.hostname", "database.port", "database.user", "database.password", "database.dbname",
    "slot.name", "publication.name", "publication.autocreate.mode", "table.include.list", "topic.prefix", "snapshot.mode", "slot.drop.on.stop", "heartbeat.action.query",
    "topic.creation.default.replication.factor", "topic.creation.default.min.insync.replicas",
];
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const TABLE = /^[a-z_][a-z0-9_]{0,62}\.[a-z_][a-z0-9_]{0,62}$/;

/** A connector's default slot (and publication): debezium_<name>, in PostgreSQL's slot alphabet. */
export function defaultSlot(connector: string): string {
    return `debezium_${connector.replace(/-/g, "_")}`.slice(0, 63);
}

function capture(c: Checker, p: string, name: string, value: Record<string, unknown>): ConnectorCaptureSettings {
    const tables = value.tables;
    if (!Array.isArray(tables) || tables.length === 0) c.fail(`${p}.tables`, tables, "a non-empty list of schema.table (the tables the connector captures)");
    const slot = c.string(`${p}.slot`, value.slot ?? defaultSlot(name), IDENTIFIER, "a slot name: lower-case letters, digits and _, at most 63");
    return {
        database: c.string(`${p}.database`, value.database, IDENTIFIER, "one of postgres' databases"),
        tables: (Array.isArray(tables) ? tables : []).map((t, i) => c.string(`${p}.tables[${i}]`, t, TABLE, "schema.table in lower case, e.g. public.orders")),
        slot,
        publication: c.string(`${p}.publication`, value.publication ?? slot, IDENTIFIER, "a publication name: lower-case letters, digits and _"),
        topicPrefix: c.string(`${p}.topicPrefix`, value.topicPrefix ?? `cdc.${value.database}`, /^[A-Za-z0-9._-]{1,200}$/, "a topic name prefix"),
        snapshotMode: c.oneOf(`${p}.snapshotMode`, value.snapshotMode ?? "initial", ["initial", "no_data", "when_needed"] as const),
    };
}

/** The file a ${file:...} or ${directory:...} reference reads. */
function referencedFile(reference: string): string {
    const [, kind, location, key] = /^\$\{(file|directory):([^}:]+):([^}]+)\}$/.exec(reference)!;
    return kind === "directory" ? `${location}/${key}` : location;
}

function connector(c: Checker, name: string, value: unknown, mountedSecrets: readonly string[]): ConnectorSettings {
    const p = `connect.connectors.${name}`;
    if (!DNS_LABEL.test(name) || name.length > 63) c.fail(p, name, "a connector name of lower-case letters, digits and -, at most 63");
    const k = c.object(p, value, ["class", "tasksMax", "database", "tables", "slot", "publication", "topicPrefix", "snapshotMode", "settings", "delete"]) ?? {};
    const connectorClass = c.string(`${p}.class`, k.class, /^[A-Za-z_][A-Za-z0-9_.$]*$/, "a connector class name, e.g. " + DEBEZIUM_POSTGRES);
    const settings = (c.object(`${p}.settings`, k.settings ?? {}, Object.keys((k.settings as object) ?? {})) ?? {}) as Record<string, unknown>;
    const rendered: Record<string, string> = {};
    for (const [key, v] of Object.entries(settings)) {
        const at = `${p}.settings.${key}`;
        if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
            c.fail(at, v, "a string, number or boolean");
            continue;
        }
        const text = String(v);
        // "A connector secret in plaintext": it would sit in the ConfigMap, the Job's payload and Connect's config topic.
        if (CREDENTIAL_KEY.test(key) && !CONFIG_REFERENCE.test(text)) c.fail(at, "(a value)", "a ${file:<path>:<key>} reference to a mounted Secret file, not the credential itself (it would be stored in the ConfigMap, the REST payload and Connect's config topic)");
        else if (CONFIG_REFERENCE.test(text) && !mountedSecrets.some((secret) => referencedFile(text).startsWith(`${CONNECT_SECRETS_DIR}/${secret}/`))) {
            c.fail(at, text, `a file of a Secret the workers mount: ${CONNECT_SECRETS_DIR}/<secret>/<file> with <secret> one of connect.credentialSecrets (${mountedSecrets.join(", ") || "none"})`);
        }
        if (connectorClass === DEBEZIUM_POSTGRES && RENDERED_CAPTURE_KEYS.includes(key)) c.fail(at, text, `a key other than ${key}: the platform renders it from ${p}'s database, tables, slot and publication and from PostgreSQL's grant`);
        rendered[key] = text;
    }
    const isCapture = connectorClass === DEBEZIUM_POSTGRES;
    if (!isCapture && (k.database !== undefined || k.tables !== undefined)) c.fail(`${p}.database`, k.database, `only for ${DEBEZIUM_POSTGRES} connectors`);
    return {
        name,
        class: connectorClass,
        tasksMax: c.integer(`${p}.tasksMax`, k.tasksMax ?? 1, 1, isCapture ? 1 : 64),
        ...(isCapture ? { capture: capture(c, p, name, k) } : {}),
        settings: rendered,
        delete: c.boolean(`${p}.delete`, k.delete ?? false),
    };
}

export function connect(c: Checker, environment: Environment, value: unknown, kafkaEnabled: boolean): ConnectSettings {
    const p = "connect";
    const k = c.object(p, value, ["enabled", "image", "debeziumVersion", "replicas", "resources", "groupId", "credentialSecrets", "connectors"]) ?? {};
    const secrets = k.credentialSecrets ?? [];
    if (!Array.isArray(secrets)) c.fail(`${p}.credentialSecrets`, secrets, "a list of Secret names in the streaming namespace");
    const credentialSecrets = (Array.isArray(secrets) ? secrets : []).map((n, i) => c.string(`${p}.credentialSecrets[${i}]`, n, DNS_LABEL, "a Secret name (DNS label) other than platform"));
    // Each is mounted as the volume secret-<name>, a DNS label of at most 63 characters.
    for (const [i, n] of credentialSecrets.entries()) if (n.length > 56) c.fail(`${p}.credentialSecrets[${i}]`, n, "a Secret name of at most 56 characters");
    if (credentialSecrets.includes("platform")) c.fail(`${p}.credentialSecrets`, "platform", "a Secret name other than platform (the directory of the platform's own credentials)");
    const enabled = c.boolean(`${p}.enabled`, k.enabled);
    const replicas = c.integer(`${p}.replicas`, k.replicas, 1, 20);
    if (enabled && environment !== "dev" && replicas < 2) c.fail(`${p}.replicas`, replicas, `at least 2 when environment is ${environment} (a worker's loss moves its tasks to another)`);
    if (enabled && !kafkaEnabled) c.fail(`${p}.enabled`, true, "false, or kafka.enabled true: Connect keeps its configuration, offsets and status in Kafka");
    const connectors = k.connectors ?? {};
    if (typeof connectors !== "object" || connectors === null || Array.isArray(connectors)) c.fail(`${p}.connectors`, connectors, "a map of connector name to { class, ... }");
    return {
        enabled,
        ...(k.image !== undefined ? { image: c.string(`${p}.image`, k.image, IMAGE_REF, "a prebuilt image of images/connect") } : {}),
        debeziumVersion: c.string(`${p}.debeziumVersion`, k.debeziumVersion, /^[0-9]+\.[0-9]+\.[0-9]+\.Final$/, "a Debezium release such as 3.6.1.Final"),
        replicas,
        resources: resources(c, `${p}.resources`, k.resources),
        groupId: c.string(`${p}.groupId`, k.groupId, /^[A-Za-z0-9._-]{1,100}$/, "a consumer group id"),
        credentialSecrets,
        connectors: Object.entries((connectors as Record<string, unknown>) ?? {}).map(([name, v]) => connector(c, name, v, credentialSecrets)),
    };
}
