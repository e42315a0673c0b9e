// Pure resolution of a stack's raw config into the typed PlatformConfig: defaults for the
// environment, then validation of every value. No Pulumi runtime is needed, so it is tested
// directly with good and bad inputs.
import * as pulumi from "@pulumi/pulumi";
import { TIER_NAMES } from "./tiers";
import { structuredDefaults } from "./defaults";
import { ExposureQuota, edgeExposureQuota } from "./edge";
import { ConfigError } from "./errors";
import { nessie } from "./nessie";
import { flink } from "./flink";
import { connect } from "./connect";
import { schemaRegistry } from "./schemaRegistry";
import { OIDC_CLIENT_VARIABLES, grafanaRoleMapping, keycloak } from "./keycloak";
import { spark } from "./spark";
import { trino } from "./trino";
import { objectStore } from "./objectStore";
import { CONFIG_KEYS, ConfigKey, ConfigKeyDefinition, isConfigKey } from "./keys";
import { Checker, DNS_LABEL, IMAGE_REF, cidrs, deepMerge, isAnyAddress, resources, storage } from "./checks";

export { deepMerge, isAnyAddress } from "./checks";
import {
    BackupSettings,
    BackupTier,
    ChangeDataCaptureSettings,
    DatabaseSettings,
    ChartVersions,
    EdgeSettings,
    InstallSettings,
    ENVIRONMENTS,
    KafkaSettings,
    MonitoringWorkload,
    ObservabilitySettings,
    PresealedSecrets,
    TlsSettings,
    WebServiceSettings,
    TopicSettings,
    Environment,
    NamespaceSettings,
    ObjectStoreSettings,
    PlatformConfig,
    PostgresSettings,
    QuotaSettings,
    TierSettings,
} from "./types";

/** A stack's config as read from Pulumi: values by key (without the project namespace). */
export interface RawStackConfig {
    readonly project: string;
    readonly stack: string;
    /** Scalars as strings (as Pulumi stores them), objects already parsed. */
    readonly values: Readonly<Record<string, unknown>>;
    /** Keys whose values are stored encrypted (`secure:` in the stack file). */
    readonly secretKeys: ReadonlySet<string>;
    /** Reads a secret key as a Pulumi secret output. */
    readonly readSecret: (key: ConfigKey) => pulumi.Output<string> | undefined;
}

/**
 * Builds the raw config of a stack from the flat map the Pulumi runtime holds
 * ("project:key" -> string, objects as JSON), keeping only the project's own keys.
 */
export function rawStackConfig(
    project: string,
    stack: string,
    all: Readonly<Record<string, string>>,
    isSecret: (fullKey: string) => boolean,
    readSecret: RawStackConfig["readSecret"],
): RawStackConfig {
    const values: Record<string, unknown> = {};
    const secretKeys = new Set<string>();
    for (const [fullKey, text] of Object.entries(all)) {
        if (!fullKey.startsWith(`${project}:`)) continue;
        const key = fullKey.slice(project.length + 1);
        values[key] = isConfigKey(key) && CONFIG_KEYS[key].kind !== "string" && CONFIG_KEYS[key].kind !== "boolean" ? parseJson(text) : text;
        if (isSecret(fullKey)) secretKeys.add(key);
    }
    return { project, stack, values, secretKeys, readSecret };
}

function parseJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text; // reported by validation as "got <text>; allowed: an object"
    }
}

const REGISTRY = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const POSTGRES_MAJORS = ["15", "16", "17", "18"];






function quota(c: Checker, path: string, value: unknown): QuotaSettings {
    const q = c.object(path, value, [
        "requestsCpu", "requestsMemory", "limitsCpu", "limitsMemory", "requestsStorage",
        "persistentVolumeClaims", "pods", "loadBalancers", "nodePorts",
    ]) ?? {};
    const result: QuotaSettings = {
        requestsCpu: c.quantity(`${path}.requestsCpu`, q.requestsCpu, "4"),
        requestsMemory: c.quantity(`${path}.requestsMemory`, q.requestsMemory, "8Gi"),
        limitsCpu: c.quantity(`${path}.limitsCpu`, q.limitsCpu, "8"),
        limitsMemory: c.quantity(`${path}.limitsMemory`, q.limitsMemory, "16Gi"),
        requestsStorage: c.quantity(`${path}.requestsStorage`, q.requestsStorage, "100Gi"),
        persistentVolumeClaims: c.integer(`${path}.persistentVolumeClaims`, q.persistentVolumeClaims, 0),
        pods: c.integer(`${path}.pods`, q.pods, 1),
        loadBalancers: c.integer(`${path}.loadBalancers`, q.loadBalancers, 0),
        nodePorts: c.integer(`${path}.nodePorts`, q.nodePorts, 0),
    };
    c.atMost(`${path}.requestsCpu`, result.requestsCpu, result.limitsCpu, `${path}.limitsCpu`);
    c.atMost(`${path}.requestsMemory`, result.requestsMemory, result.limitsMemory, `${path}.limitsMemory`);
    return result;
}

function namespaces(c: Checker, prefix: string, value: unknown, edgeExposure: ExposureQuota): NamespaceSettings {
    const n = c.object("namespaces", value, ["quota", "containerDefaults", "tiers"]) ?? {};
    const overrides = c.object("namespaces.tiers", n.tiers ?? {}, TIER_NAMES) ?? {};
    const tiers = {} as Record<(typeof TIER_NAMES)[number], TierSettings>;
    for (const tier of TIER_NAMES) {
        const path = `namespaces.tiers.${tier}`;
        // Each tier starts from the namespaces-wide settings and may override parts of them.
        const own = overrides[tier] === undefined ? {} : c.object(path, overrides[tier], ["quota", "containerDefaults"]) ?? {};
        const quotaPath = own.quota === undefined ? "namespaces.quota" : `${path}.quota`;
        const defaultsPath = own.containerDefaults === undefined ? "namespaces.containerDefaults" : `${path}.containerDefaults`;
        // The edge tier admits exactly what its controller's Service needs, unless a stack sets more.
        const derived = tier === "edge" ? edgeExposure : {};
        const settings = {
            quota: quota(c, quotaPath, deepMerge(deepMerge(n.quota, derived), own.quota)),
            containerDefaults: resources(c, defaultsPath, deepMerge(n.containerDefaults, own.containerDefaults)),
        };
        if (tier === "edge") {
            for (const key of ["loadBalancers", "nodePorts"] as const) {
                if (settings.quota[key] < edgeExposure[key]) {
                    c.fail(`${path}.quota.${key}`, settings.quota[key], `at least ${edgeExposure[key]}: the ingress controller's Service needs that many (derived from edge; omit the key to use it)`);
                }
            }
        }
        c.atMost(`${defaultsPath}.limits.memory`, settings.containerDefaults.limits.memory, settings.quota.limitsMemory, `${quotaPath}.limitsMemory`);
        tiers[tier] = settings;
    }
    return { prefix, tiers };
}

const CRON = /^(\S+\s+){4}\S+$/;
const SQL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
// Roles and databases that Patroni and PostgreSQL own; applications must not take them over.
const RESERVED_NAMES = ["postgres", "template0", "template1", "standby", "rewind", "postgres_exporter", "debezium"];



/**
 * The API server's addresses. dev may leave them open; elsewhere pods that call the API (Patroni's
 * DCS, the operators) must not reach every host on 443/6443.
 */
/**
 * Addresses that pods of the platform may reach (the API server, the nodes). dev may leave them
 * open; elsewhere they must not let pods reach every host on those ports.
 */
function clusterCidrs(c: Checker, environment: Environment, key: "apiServerCidrs" | "nodeCidrs", value: unknown, howToFind: string): string[] {
    const list = cidrs(c, key, value);
    const open = list.filter(isAnyAddress);
    if (environment !== "dev" && open.length > 0) {
        c.fail(key, value, `the cluster's own addresses when environment is ${environment}, not ${open.join(", ")}: ${howToFind}`);
    }
    return list;
}

function databases(c: Checker, value: unknown): DatabaseSettings[] {
    if (!Array.isArray(value)) {
        c.fail("postgres.databases", value, "a list of { name, owner }");
        return [];
    }
    const seen = new Set<string>();
    return value.map((entry, i) => {
        const path = `postgres.databases[${i}]`;
        const d = c.object(path, entry, ["name", "owner"]) ?? {};
        const allowed = `a lower-case SQL identifier other than ${RESERVED_NAMES.join(", ")}`;
        const ok = (v: unknown) => typeof v === "string" && SQL_NAME.test(v) && !RESERVED_NAMES.includes(v);
        if (!ok(d.name)) c.fail(`${path}.name`, d.name, allowed);
        if (!ok(d.owner)) c.fail(`${path}.owner`, d.owner, allowed);
        if (seen.has(d.name as string)) c.fail(`${path}.name`, d.name, "a name not used by another database");
        seen.add(d.name as string);
        return { name: d.name as string, owner: d.owner as string };
    });
}

function backup(c: Checker, value: unknown): BackupSettings {
    const p = "postgres.backup";
    const b = c.object(p, value, ["enabled", "schedules", "retentionDays", "target", "bucket", "prefix", "acceptSameStoreRisk", "external"]) ?? {};
    const tiers: BackupTier[] = ["daily", "weekly", "monthly"];
    const sched = c.object(`${p}.schedules`, b.schedules, tiers) ?? {};
    const keep = c.object(`${p}.retentionDays`, b.retentionDays, tiers) ?? {};
    const target = c.oneOf(`${p}.target`, b.target, ["platform", "external"] as const);
    let external: BackupSettings["external"];
    if (target === "external") {
        const e = c.object(`${p}.external`, b.external, ["endpoint", "region", "credentialsSecret", "egressCidrs"]) ?? {};
        external = {
            endpoint: c.string(`${p}.external.endpoint`, e.endpoint, /^https?:\/\/[^\s/]+(:[0-9]+)?\/?$/, "an http(s) URL of an S3-compatible endpoint, without a path"),
            region: c.string(`${p}.external.region`, e.region, /^[a-z0-9-]+$/, "a region name such as us-east-1"),
            credentialsSecret: c.string(`${p}.external.credentialsSecret`, e.credentialsSecret, DNS_LABEL, "the name of a Secret holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
            egressCidrs: cidrs(c, `${p}.external.egressCidrs`, e.egressCidrs),
        };
    }
    return {
        enabled: c.boolean(`${p}.enabled`, b.enabled),
        schedules: Object.fromEntries(tiers.map((t) => [t, c.string(`${p}.schedules.${t}`, sched[t], CRON, "a five-field cron schedule")])) as Record<BackupTier, string>,
        retentionDays: Object.fromEntries(tiers.map((t) => [t, c.integer(`${p}.retentionDays.${t}`, keep[t], 1, 3650)])) as Record<BackupTier, number>,
        target,
        bucket: c.string(`${p}.bucket`, b.bucket, /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name"),
        prefix: c.string(`${p}.prefix`, b.prefix, /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, "a key prefix such as prod/postgres"),
        acceptSameStoreRisk: c.boolean(`${p}.acceptSameStoreRisk`, b.acceptSameStoreRisk),
        external,
    };
}

/**
 * Where the backups go must survive what they are for. In the platform's store they need its
 * bucket; outside dev, a SeaweedFS whose filer metadata lives in this PostgreSQL cannot give the
 * backups back once PostgreSQL is lost, so that is refused unless the risk is accepted.
 */
function backupTarget(c: Checker, environment: Environment, postgres: PostgresSettings, store: ObjectStoreSettings): void {
    const b = postgres.backup;
    if (!postgres.enabled || !b.enabled || b.target !== "platform") return;
    if (store.buckets.length > 0 && !store.buckets.includes(b.bucket)) c.fail("postgres.backup.bucket", b.bucket, `one of objectStore.buckets (${store.buckets.join(", ")}) when postgres.backup.target is platform`);
    if (environment !== "dev" && store.kind === "seaweedfs" && store.seaweedfs.topology === "distributed" && !b.acceptSameStoreRisk) {
        c.fail(
            "postgres.backup.target",
            b.target,
            `external when environment is ${environment}: SeaweedFS keeps its filer metadata in this PostgreSQL, so backups kept only there are lost with it (set postgres.backup.acceptSameStoreRisk: true to accept that)`,
        );
    }
}

function postgres(c: Checker, environment: Environment, value: unknown, stackClass: string | undefined): PostgresSettings {
    const p = c.object("postgres", value, [
        "enabled", "members", "version", "patroniVersion", "image", "exporterImage", "storage", "resources",
        "synchronousMode", "timing", "maxConnections", "databases", "backup", "cdc",
    ]) ?? {};
    const members = c.integer("postgres.members", p.members, 1, 9);
    // Outside dev the cluster must survive losing a member and keep a majority: an odd count >= 3.
    if (environment !== "dev" && Number.isInteger(members) && (members < 3 || members % 2 === 0)) {
        c.fail("postgres.members", p.members, `an odd number >= 3 when environment is ${environment} (1 is allowed only in dev)`);
    }
    const synchronousMode = c.oneOf("postgres.synchronousMode", p.synchronousMode, ["off", "on", "quorum"] as const);
    if (environment === "prod" && synchronousMode === "off") {
        c.fail("postgres.synchronousMode", p.synchronousMode, "on or quorum in prod (no acknowledged write may be lost on failover)");
    }
    if (synchronousMode !== "off" && members === 1) {
        c.fail("postgres.synchronousMode", p.synchronousMode, "off when postgres.members is 1 (there is no standby to wait for)");
    }
    const t = c.object("postgres.timing", p.timing, ["ttl", "loopWait", "retryTimeout"]) ?? {};
    const timing = {
        ttl: c.integer("postgres.timing.ttl", t.ttl, 20, 600),
        loopWait: c.integer("postgres.timing.loopWait", t.loopWait, 1, 300),
        retryTimeout: c.integer("postgres.timing.retryTimeout", t.retryTimeout, 3, 300),
    };
    // Patroni's rule: the leader must be able to retry the DCS within one ttl, or it demotes itself.
    if (timing.loopWait + 2 * timing.retryTimeout > timing.ttl) {
        c.fail("postgres.timing", t, `loopWait + 2 * retryTimeout <= ttl (${timing.loopWait} + 2 * ${timing.retryTimeout} > ${timing.ttl})`);
    }
    return {
        enabled: c.boolean("postgres.enabled", p.enabled),
        members,
        version: c.oneOf("postgres.version", p.version, POSTGRES_MAJORS),
        patroniVersion: c.string("postgres.patroniVersion", p.patroniVersion, /^4\.[0-9]+\.[0-9]+$/, "a Patroni 4.x release such as 4.1.4"),
        image: c.optionalString("postgres.image", p.image, IMAGE_REF, "an image reference such as registry.example.com/patroni:17@sha256:..."),
        exporterImage: c.string("postgres.exporterImage", p.exporterImage, IMAGE_REF, "an image reference with a tag or digest"),
        storage: storage(c, "postgres.storage", p.storage, stackClass),
        resources: resources(c, "postgres.resources", p.resources),
        synchronousMode,
        timing,
        maxConnections: c.integer("postgres.maxConnections", p.maxConnections, 20, 10000),
        databases: databases(c, p.databases),
        backup: backup(c, p.backup),
        cdc: changeDataCapture(c, p.cdc, members),
    };
}

function changeDataCapture(c: Checker, value: unknown, members: number): ChangeDataCaptureSettings {
    const p = "postgres.cdc";
    const d = c.object(p, value, ["enabled", "maxReplicationSlots", "maxWalSenders", "maxSlotWalKeepGb"]) ?? {};
    const cdc = {
        enabled: c.boolean(`${p}.enabled`, d.enabled),
        maxReplicationSlots: c.integer(`${p}.maxReplicationSlots`, d.maxReplicationSlots, 4, 200),
        maxWalSenders: c.integer(`${p}.maxWalSenders`, d.maxWalSenders, 4, 200),
        maxSlotWalKeepGb: c.integer(`${p}.maxSlotWalKeepGb`, d.maxSlotWalKeepGb, 1, 10000),
    };
    // Every member keeps a physical slot for each other member (use_slots), and each replica and
    // pg_basebackup holds a WAL sender, before any connector gets one.
    if (Number.isInteger(members) && cdc.maxReplicationSlots < members) c.fail(`${p}.maxReplicationSlots`, d.maxReplicationSlots, `at least postgres.members (${members}): each member keeps a slot for the others`);
    if (Number.isInteger(members) && cdc.maxWalSenders < members + 1) c.fail(`${p}.maxWalSenders`, d.maxWalSenders, `at least postgres.members + 1 (${members + 1}): replicas and a base backup stream at once`);
    return cdc;
}

const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

function topics(c: Checker, value: unknown, brokers: number, defaultRf: number): TopicSettings[] {
    if (!Array.isArray(value)) {
        c.fail("kafka.topics", value, "a list of { name, partitions, replicationFactor?, retentionMs, cleanupPolicy }");
        return [];
    }
    const seen = new Set<string>();
    return value.map((entry, i) => {
        const path = `kafka.topics[${i}]`;
        const t = c.object(path, entry, ["name", "partitions", "replicationFactor", "retentionMs", "cleanupPolicy"]) ?? {};
        const name = c.string(`${path}.name`, t.name, TOPIC_NAME, "a topic name of letters, digits, '.', '_' and '-'");
        if (seen.has(name)) c.fail(`${path}.name`, name, "a name not used by another topic");
        seen.add(name);
        const rf = t.replicationFactor === undefined ? undefined : c.integer(`${path}.replicationFactor`, t.replicationFactor, 1, 10);
        if (rf !== undefined && Number.isInteger(brokers) && rf > brokers) {
            c.fail(`${path}.replicationFactor`, t.replicationFactor, `at most kafka.brokers (${brokers})`);
        }
        if (rf !== undefined && rf < defaultRf) {
            c.fail(`${path}.replicationFactor`, t.replicationFactor, `at least kafka.replicationFactor (${defaultRf}): a topic may not be less durable than the cluster`);
        }
        return {
            name,
            partitions: c.integer(`${path}.partitions`, t.partitions, 1, 10000),
            replicationFactor: rf,
            retentionMs: c.integer(`${path}.retentionMs`, t.retentionMs, -1),
            cleanupPolicy: c.oneOf(`${path}.cleanupPolicy`, t.cleanupPolicy, ["delete", "compact", "compact,delete"] as const),
        };
    });
}

function kafka(c: Checker, environment: Environment, value: unknown, stackClass: string | undefined): KafkaSettings {
    const k = c.object("kafka", value, [
        "enabled", "version", "image", "mode", "controllers", "brokers", "replicationFactor", "minInsyncReplicas",
        "storage", "controllerStorage", "resources", "controllerResources", "topics", "clientTls",
    ]) ?? {};
    const mode = c.oneOf("kafka.mode", k.mode, ["combined", "dedicated"] as const);
    const brokers = c.integer("kafka.brokers", k.brokers, 1, 100);
    const controllers = c.integer("kafka.controllers", k.controllers, 0, 9);
    const rf = c.integer("kafka.replicationFactor", k.replicationFactor, 1, 10);
    const minIsr = c.integer("kafka.minInsyncReplicas", k.minInsyncReplicas, 1, 10);
    const voters = mode === "combined" ? brokers : controllers;
    if (mode === "combined" && controllers !== 0) {
        c.fail("kafka.controllers", k.controllers, "0 in combined mode (every node is a controller; size it with kafka.brokers)");
    }
    if (mode === "dedicated" && controllers === 0) {
        c.fail("kafka.controllers", k.controllers, "at least 1 in dedicated mode");
    }
    // The KRaft quorum needs a majority: 3 voters survive the loss of one, an even count adds nothing.
    if (environment !== "dev" && Number.isInteger(voters) && (voters < 3 || voters % 2 === 0)) {
        c.fail(mode === "combined" ? "kafka.brokers" : "kafka.controllers", voters, `an odd number >= 3 of controllers when environment is ${environment}`);
    }
    if (environment === "prod" && mode !== "dedicated") {
        c.fail("kafka.mode", k.mode, "dedicated in prod (controllers apart from brokers)");
    }
    if (environment === "prod" && k.clientTls !== true) {
        c.fail("kafka.clientTls", k.clientTls, "true in prod (clients reach Kafka over TLS)");
    }
    if (environment === "prod" && Number.isInteger(brokers) && brokers < 3) {
        c.fail("kafka.brokers", k.brokers, "at least 3 in prod");
    }
    if (Number.isInteger(rf) && Number.isInteger(brokers) && rf > brokers) {
        c.fail("kafka.replicationFactor", k.replicationFactor, `at most kafka.brokers (${brokers}): every replica needs its own broker`);
    }
    if (Number.isInteger(rf) && Number.isInteger(minIsr) && rf > 1 && minIsr >= rf) {
        c.fail("kafka.minInsyncReplicas", k.minInsyncReplicas, `less than kafka.replicationFactor (${rf}), or no broker could ever be down for acks=all writes`);
    }
    if (Number.isInteger(rf) && Number.isInteger(minIsr) && rf === 1 && minIsr !== 1) {
        c.fail("kafka.minInsyncReplicas", k.minInsyncReplicas, "1 when kafka.replicationFactor is 1");
    }
    if (environment !== "dev" && Number.isInteger(rf) && rf < 3) {
        c.fail("kafka.replicationFactor", k.replicationFactor, `at least 3 when environment is ${environment}`);
    }
    if (environment !== "dev" && Number.isInteger(minIsr) && minIsr < 2) {
        c.fail("kafka.minInsyncReplicas", k.minInsyncReplicas, `at least 2 when environment is ${environment} (acks=all must mean two copies)`);
    }
    return {
        enabled: c.boolean("kafka.enabled", k.enabled),
        version: c.string("kafka.version", k.version, /^[0-9]+\.[0-9]+\.[0-9]+$/, "a Kafka release such as 4.3.1"),
        image: c.optionalString("kafka.image", k.image, IMAGE_REF, "an image reference such as registry.example.com/kafka:4.3.1@sha256:..."),
        mode,
        controllers,
        brokers,
        replicationFactor: rf,
        minInsyncReplicas: minIsr,
        storage: storage(c, "kafka.storage", k.storage, stackClass),
        controllerStorage: storage(c, "kafka.controllerStorage", k.controllerStorage, stackClass),
        resources: resources(c, "kafka.resources", k.resources),
        controllerResources: resources(c, "kafka.controllerResources", k.controllerResources),
        topics: topics(c, k.topics, brokers, rf),
        clientTls: c.boolean("kafka.clientTls", k.clientTls),
    };
}

const IPV4 = /^([0-9]{1,3}\.){3}[0-9]{1,3}$/;
const HOSTNAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const INSTALL_MODES = ["chart", "existing", "none"] as const;

function install(c: Checker, value: unknown): InstallSettings {
    const i = c.object("install", value, ["ingressController", "certManager", "sealedSecrets", "monitoring"]) ?? {};
    const mode = (key: keyof InstallSettings) => c.oneOf(`install.${key}`, i[key], INSTALL_MODES);
    const sealedSecrets = c.oneOf("install.sealedSecrets", i.sealedSecrets, ["chart", "none"] as const);
    return { ingressController: mode("ingressController"), certManager: mode("certManager"), sealedSecrets, monitoring: mode("monitoring") };
}

function edge(c: Checker, value: unknown, ingressController: InstallSettings["ingressController"]): EdgeSettings {
    const e = c.object("edge", value, ["ingressClassName", "serviceType", "nodePorts", "allocateLoadBalancerNodePorts", "ingressEndpoint", "replicas"]) ?? {};
    const ports = c.object("edge.nodePorts", e.nodePorts, ["http", "https"]) ?? {};
    const serviceType = c.oneOf("edge.serviceType", e.serviceType, ["NodePort", "LoadBalancer"] as const);
    let ingressEndpoint: EdgeSettings["ingressEndpoint"];
    if (e.ingressEndpoint !== undefined) {
        const p = c.object("edge.ingressEndpoint", e.ingressEndpoint, ["ip", "hostname"]) ?? {};
        ingressEndpoint = {
            ip: c.optionalString("edge.ingressEndpoint.ip", p.ip, IPV4, "an IPv4 address such as 127.0.0.1"),
            hostname: c.optionalString("edge.ingressEndpoint.hostname", p.hostname, HOSTNAME, "a DNS name such as localhost"),
        };
        if ((ingressEndpoint.ip === undefined) === (ingressEndpoint.hostname === undefined)) c.fail("edge.ingressEndpoint", e.ingressEndpoint, "exactly one of ip and hostname");
    }
    // Pulumi waits until every Ingress reports an address; behind a NodePort the controller has
    // none of its own to copy, so the stack must say which address to report.
    if (ingressController === "chart" && serviceType === "NodePort" && ingressEndpoint === undefined) {
        c.fail("edge.ingressEndpoint", e.ingressEndpoint, "an { ip } or { hostname } the Ingresses report when edge.serviceType is NodePort (e.g. { ip: 127.0.0.1 } on a laptop cluster)");
    }
    return {
        ingressClassName: c.string("edge.ingressClassName", e.ingressClassName, DNS_LABEL, "an IngressClass name"),
        serviceType,
        nodePorts: { http: c.integer("edge.nodePorts.http", ports.http, 30000, 32767), https: c.integer("edge.nodePorts.https", ports.https, 30000, 32767) },
        allocateLoadBalancerNodePorts: c.boolean("edge.allocateLoadBalancerNodePorts", e.allocateLoadBalancerNodePorts),
        ingressEndpoint,
        replicas: c.integer("edge.replicas", e.replicas, 1, 20),
    };
}

function tls(c: Checker, environment: Environment, value: unknown): TlsSettings {
    const t = c.object("tls", value, ["issuer", "acmeEmail"]) ?? {};
    const issuer = c.oneOf("tls.issuer", t.issuer, ["self-signed", "letsencrypt-staging", "letsencrypt"] as const);
    const acmeEmail = c.optionalString("tls.acmeEmail", t.acmeEmail, /^[^@\s]+@[^@\s]+\.[^@\s]+$/, "an e-mail address");
    if (issuer !== "self-signed" && acmeEmail === undefined) c.fail("tls.acmeEmail", t.acmeEmail, `an e-mail address for the Let's Encrypt account when tls.issuer is ${issuer}`);
    if (environment === "prod" && issuer !== "letsencrypt") c.fail("tls.issuer", t.issuer, "letsencrypt in prod (browsers must trust the certificates)");
    return { issuer, acmeEmail };
}

const CHART_VERSION = /^v?[0-9]+\.[0-9]+\.[0-9]+$/;

function charts(c: Checker, value: unknown): ChartVersions {
    const keys = ["certManager", "traefik", "sealedSecrets", "kubePrometheusStack", "loki", "alloy"] as const;
    const v = c.object("charts", value, keys) ?? {};
    return Object.fromEntries(keys.map((key) => [key, c.string(`charts.${key}`, v[key], CHART_VERSION, "an exact chart version such as 1.2.3 (no ranges)")])) as unknown as ChartVersions;
}

function monitoringWorkload(c: Checker, path: string, value: unknown, extra: string[], stackClass: string | undefined): Record<string, unknown> & MonitoringWorkload {
    const w = c.object(path, value, ["replicas", "storage", "resources", ...extra]) ?? {};
    return { ...w, replicas: c.integer(`${path}.replicas`, w.replicas, 1, 5), storage: storage(c, `${path}.storage`, w.storage, stackClass), resources: resources(c, `${path}.resources`, w.resources) };
}

function observability(c: Checker, value: unknown, stackClass: string | undefined, realmRoles: readonly string[]): ObservabilitySettings {
    const o = c.object("observability", value, ["prometheus", "alertmanager", "grafana", "loki", "alloy", "agents", "slackChannel"]) ?? {};
    const prometheus = monitoringWorkload(c, "observability.prometheus", o.prometheus, ["retention"], stackClass);
    const loki = monitoringWorkload(c, "observability.loki", o.loki, ["retentionHours"], stackClass);
    const g = c.object("observability.grafana", o.grafana, ["host", "resources", "roles"]) ?? {};
    const a = c.object("observability.alloy", o.alloy, ["resources"]) ?? {};
    return {
        prometheus: { ...prometheus, retention: c.string("observability.prometheus.retention", prometheus.retention, /^[0-9]+(h|d|w|y)$/, "a Prometheus duration such as 15d") },
        alertmanager: monitoringWorkload(c, "observability.alertmanager", o.alertmanager, [], stackClass),
        grafana: { host: c.string("observability.grafana.host", g.host, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "a DNS label under the domain, or a full host name"), resources: resources(c, "observability.grafana.resources", g.resources), roles: grafanaRoleMapping(c, g.roles, realmRoles) },
        loki: { ...loki, retentionHours: c.integer("observability.loki.retentionHours", loki.retentionHours, 24, 24 * 3650) },
        alloy: { resources: resources(c, "observability.alloy.resources", a.resources) },
        agents: resources(c, "observability.agents", o.agents),
        slackChannel: c.optionalString("observability.slackChannel", o.slackChannel, /^#[a-z0-9_-]+$/, "a Slack channel such as #platform-alerts"),
    };
}

const SEALED_VALUE = /^[A-Za-z0-9+/]+={0,2}$/;

function presealed(c: Checker, value: unknown): PresealedSecrets {
    const secrets = c.object("sealedSecrets", value ?? {}, Object.keys((value as object) ?? {})) ?? {};
    const out: Record<string, Record<string, string>> = {};
    for (const [ref, keys] of Object.entries(secrets)) {
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/.test(ref)) c.fail(`sealedSecrets.${ref}`, ref, "keys of the form <namespace>/<secret name>");
        const entries = c.object(`sealedSecrets.${ref}`, keys, Object.keys((keys as object) ?? {})) ?? {};
        out[ref] = {};
        for (const [key, sealed] of Object.entries(entries)) {
            out[ref][key] = c.string(`sealedSecrets.${ref}.${key}`, sealed, SEALED_VALUE, "a value sealed by kubeseal (base64)");
        }
    }
    return out;
}

const PATH = /^\/[A-Za-z0-9._~\/-]*$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** The platform services a web service may depend on, by the config section that switches each on. */
const PLATFORM_SERVICES = ["postgres", "kafka"] as const;

function webServices(
    c: Checker,
    environment: Environment,
    value: unknown,
    databaseNames: readonly string[],
    enabled: Readonly<Record<(typeof PLATFORM_SERVICES)[number], boolean>>,
    keycloakEnabled: boolean,
): WebServiceSettings[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
        c.fail("webServices", value, "a list of web services");
        return [];
    }
    const names = value.map((v) => (v as { name?: unknown })?.name);
    return value.map((entry, i) => {
        const p = `webServices[${i}]`;
        const w = c.object(p, entry, [
            "name", "image", "build", "port", "health", "metricsPath", "env", "generatedSecrets", "database",
            "replicas", "autoscaling", "resources", "ingress", "dependsOn", "blueGreen", "secrets", "sso",
        ]) ?? {};
        const name = c.string(`${p}.name`, w.name, /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/, "a DNS label of at most 40 characters");
        if (names.indexOf(w.name) !== i) c.fail(`${p}.name`, w.name, "a name not used by another web service");
        if ((w.image === undefined) === (w.build === undefined)) c.fail(`${p}.image`, w.image, `exactly one of ${p}.image and ${p}.build`);
        const h = c.object(`${p}.health`, w.health ?? { startup: "/healthz", liveness: "/healthz", readiness: "/readyz" }, ["startup", "liveness", "readiness"]) ?? {};
        const env = c.object(`${p}.env`, w.env ?? {}, Object.keys((w.env as object) ?? {})) ?? {};
        for (const [k, v] of Object.entries(env)) {
            if (!ENV_NAME.test(k)) c.fail(`${p}.env.${k}`, k, "an environment variable name (A-Z, 0-9, _)");
            if (typeof v !== "string") c.fail(`${p}.env.${k}`, v, "a string (quote numbers and booleans)");
        }
        const secrets = Array.isArray(w.generatedSecrets) ? w.generatedSecrets : w.generatedSecrets === undefined ? [] : (c.fail(`${p}.generatedSecrets`, w.generatedSecrets, "a list of environment variable names"), []);
        secrets.forEach((s, j) => c.string(`${p}.generatedSecrets[${j}]`, s, ENV_NAME, "an environment variable name"));
        if (w.database !== undefined && !databaseNames.includes(w.database as string)) c.fail(`${p}.database`, w.database, `one of postgres.databases: ${databaseNames.join(", ")}`);
        const dependsOn = Array.isArray(w.dependsOn) ? (w.dependsOn as unknown[]) : w.dependsOn === undefined ? [] : (c.fail(`${p}.dependsOn`, w.dependsOn, "a list"), []);
        const known = [...PLATFORM_SERVICES.filter((s) => enabled[s]), ...names.filter((n) => n !== w.name)];
        const disabled = PLATFORM_SERVICES.filter((s) => !enabled[s]);
        dependsOn.forEach((d, j) => {
            if (disabled.includes(d as (typeof PLATFORM_SERVICES)[number])) c.fail(`${p}.dependsOn[${j}]`, d, `a service that is deployed: ${d}.enabled is false (known: ${known.join(", ")})`);
            else if (!known.includes(d as string)) c.fail(`${p}.dependsOn[${j}]`, d, `one of ${known.join(", ")}`);
        });
        if (w.database !== undefined && !dependsOn.includes("postgres")) c.fail(`${p}.dependsOn`, w.dependsOn, `a list including postgres, since ${p}.database is set`);
        let autoscaling: WebServiceSettings["autoscaling"];
        if (w.autoscaling !== undefined) {
            const a = c.object(`${p}.autoscaling`, w.autoscaling, ["min", "max", "targetCpu"]) ?? {};
            autoscaling = { min: c.integer(`${p}.autoscaling.min`, a.min, 1, 100), max: c.integer(`${p}.autoscaling.max`, a.max, 1, 1000), targetCpu: c.integer(`${p}.autoscaling.targetCpu`, a.targetCpu, 1, 100) };
            if (autoscaling.max < autoscaling.min) c.fail(`${p}.autoscaling.max`, a.max, `at least ${p}.autoscaling.min (${autoscaling.min})`);
        }
        const replicas = c.integer(`${p}.replicas`, w.replicas ?? autoscaling?.min ?? 2, 1, 100);
        const minimum = autoscaling?.min ?? replicas;
        // One replica cannot keep serving through a rollout's node drain or a crash.
        if (environment !== "dev" && minimum < 2) c.fail(autoscaling ? `${p}.autoscaling.min` : `${p}.replicas`, minimum, `at least 2 when environment is ${environment}`);
        let ingress: WebServiceSettings["ingress"];
        if (w.ingress !== undefined) {
            const g = c.object(`${p}.ingress`, w.ingress, ["host", "path"]) ?? {};
            ingress = {
                host: c.string(`${p}.ingress.host`, g.host, /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a DNS name, or a label under the stack's domain"),
                path: c.string(`${p}.ingress.path`, g.path ?? "/", PATH, "an absolute path such as /api"),
            };
        }
        let blueGreen: WebServiceSettings["blueGreen"];
        if (w.blueGreen !== undefined) {
            const b = c.object(`${p}.blueGreen`, w.blueGreen, ["active", "images"]) ?? {};
            const images = c.object(`${p}.blueGreen.images`, b.images ?? {}, ["blue", "green"]) ?? {};
            for (const colour of ["blue", "green"]) if (images[colour] !== undefined) c.string(`${p}.blueGreen.images.${colour}`, images[colour], IMAGE_REF, "an image reference with a tag or digest");
            blueGreen = { active: c.oneOf(`${p}.blueGreen.active`, b.active, ["blue", "green"] as const), images: images as Partial<Record<"blue" | "green", string>> };
        }
        const sso = c.boolean(`${p}.sso`, w.sso ?? false);
        // A browser sign-in returns to the service's public URL: without one there is nowhere to return to.
        if (sso && w.ingress === undefined) c.fail(`${p}.sso`, true, `false, or ${p}.ingress set: a sign-in returns to the service's published host`);
        if (sso && !keycloakEnabled) c.fail(`${p}.sso`, true, "false, or keycloak.enabled true: the platform realm signs the users in");
        const platformSet: readonly string[] = sso ? OIDC_CLIENT_VARIABLES : [];
        for (const k of [...Object.keys(env), ...secrets.map(String)].filter((k) => platformSet.includes(k))) {
            c.fail(`${p}.env.${k}`, k, `a name the platform does not set: with sso it sets ${OIDC_CLIENT_VARIABLES.join(", ")}`);
        }
        return {
            name,
            image: w.image === undefined ? undefined : c.string(`${p}.image`, w.image, IMAGE_REF, "an image reference with a tag or digest"),
            build: w.build === undefined ? undefined : c.string(`${p}.build`, w.build, /^apps\/[a-z0-9][-a-z0-9]*$/, "a build context under apps/, e.g. apps/sample-api"),
            port: c.integer(`${p}.port`, w.port, 1024, 65535),
            health: {
                startup: c.string(`${p}.health.startup`, h.startup, PATH, "an absolute path"),
                liveness: c.string(`${p}.health.liveness`, h.liveness, PATH, "an absolute path"),
                readiness: c.string(`${p}.health.readiness`, h.readiness, PATH, "an absolute path"),
            },
            metricsPath: c.string(`${p}.metricsPath`, w.metricsPath ?? "/metrics", PATH, "an absolute path"),
            env: env as Record<string, string>,
            generatedSecrets: secrets as string[],
            secrets: c.oneOf(`${p}.secrets`, w.secrets ?? "files", ["files", "env"] as const),
            database: w.database as string | undefined,
            replicas,
            autoscaling,
            resources: resources(c, `${p}.resources`, w.resources ?? { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } }),
            ingress,
            dependsOn: dependsOn as string[],
            blueGreen,
            sso,
        };
    });
}

/**
 * Resolves and validates a stack's config. Throws ConfigError listing every problem, each naming
 * the key, the value and what is allowed.
 */
export function resolveConfig(raw: RawStackConfig): PlatformConfig {
    const c = new Checker(raw.project);
    // Pulumi fills declared-but-unset optional keys with their declared default, "" here.
    const values = Object.fromEntries(Object.entries(raw.values).filter(([, v]) => v !== ""));
    for (const key of Object.keys(values)) {
        if (!isConfigKey(key)) {
            c.fail(key, values[key], `no such key; known keys: ${Object.keys(CONFIG_KEYS).join(", ")}`);
        }
    }
    for (const [key, def] of Object.entries(CONFIG_KEYS)) {
        const value = values[key];
        if ("secret" in def && def.secret && value !== undefined && !raw.secretKeys.has(key)) {
            c.problems.push(`${raw.project}:${key} is stored in plaintext; set it with \`pulumi config set --secret ${key}\``);
        }
    }

    const environment = c.oneOf("environment", values.environment, ENVIRONMENTS);
    if (!ENVIRONMENTS.includes(environment)) {
        // Nothing else can be defaulted without an environment.
        throw new ConfigError(raw.stack, c.problems);
    }
    const structured = structuredDefaults(environment);
    const value = (key: ConfigKey) => values[key] ?? (CONFIG_KEYS[key] as ConfigKeyDefinition).default;

    const domain = c.string("domain", values.domain, /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
        "a lower-case DNS domain with at least two labels, e.g. data.example.com");
    const prefix = c.string("namespacePrefix", value("namespacePrefix"), /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/,
        "a DNS label of at most 40 characters");

    const stackClass = c.optionalString("storageClass", values.storageClass, DNS_LABEL, "a storage class name (DNS label); omit for the cluster's default class");
    const installSettings = install(c, deepMerge(structured.install, values.install));
    const edgeSettings = edge(c, deepMerge(structured.edge, values.edge), installSettings.ingressController);
    const kafkaSettings = kafka(c, environment, deepMerge(structured.kafka, values.kafka), stackClass);
    const postgresSettings = postgres(c, environment, deepMerge(structured.postgres, values.postgres), stackClass);
    const keycloakSettings = keycloak(c, environment, deepMerge(structured.keycloak, values.keycloak), postgresSettings.enabled);
    const objectStoreSettings = objectStore(c, raw.project, environment, deepMerge(structured.objectStore, values.objectStore), values.objectStoreCredentials, stackClass);
    const config: PlatformConfig = {
        project: raw.project,
        stack: raw.stack,
        environment,
        domain,
        kubernetes: {
            context: c.optionalString("kubeContext", values.kubeContext, /^\S+$/, "a kubeconfig context name"),
            renderYamlTo: c.optionalString("renderYamlTo", values.renderYamlTo, /^\S+$/, "a directory path"),
            apiServerCidrs: clusterCidrs(c, environment, "apiServerCidrs", value("apiServerCidrs"), "list the control plane's with `kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes` (one /32 per address)"),
            nodeCidrs: clusterCidrs(c, environment, "nodeCidrs", value("nodeCidrs"), "the subnets of the nodes' InternalIP addresses (`kubectl get nodes -o wide`)"),
        },
        registry: {
            server: c.string("registry", values.registry, REGISTRY, "host[:port][/path] in lower case, e.g. ghcr.io/acme/platform"),
            push: c.boolean("registryPush", value("registryPush")),
            build: c.boolean("buildImages", value("buildImages")),
            username: c.optionalString("registryUsername", values.registryUsername, /^\S+$/, "a user name"),
            password: raw.secretKeys.has("registryPassword") ? raw.readSecret("registryPassword") : undefined,
        },
        namespaces: namespaces(c, prefix, deepMerge(structured.namespaces, values.namespaces), edgeExposureQuota(edgeSettings, installSettings)),
        postgres: postgresSettings,
        kafka: kafkaSettings,
        connect: connect(c, environment, deepMerge(structured.connect, values.connect), kafkaSettings.enabled),
        schemaRegistry: schemaRegistry(c, environment, deepMerge(structured.schemaRegistry, values.schemaRegistry), postgresSettings.enabled),
        keycloak: keycloakSettings,
        objectStore: objectStoreSettings,
        nessie: nessie(c, environment, deepMerge(structured.nessie, values.nessie), objectStoreSettings.buckets),
        trino: trino(c, environment, deepMerge(structured.trino, values.trino)),
        spark: spark(c, environment, deepMerge(structured.spark, values.spark)),
        flink: flink(c, environment, deepMerge(structured.flink, values.flink), objectStoreSettings.buckets),
        install: installSettings,
        edge: edgeSettings,
        tls: tls(c, environment, deepMerge(structured.tls, values.tls)),
        charts: charts(c, deepMerge(structured.charts, values.charts)),
        sealedSecrets: presealed(c, values.sealedSecrets),
        webServices: [],
        observability: observability(c, deepMerge(structured.observability, values.observability), stackClass, keycloakSettings.realm.roles),
        alertWebhookUrl: raw.secretKeys.has("alertmanagerWebhookUrl") ? raw.readSecret("alertmanagerWebhookUrl") : undefined,
    };
    const resolved: PlatformConfig = { ...config, webServices: webServices(c, environment, values.webServices, config.postgres.databases.map((d) => d.name), { postgres: config.postgres.enabled, kafka: config.kafka.enabled }, config.keycloak.enabled) };
    if (!config.registry.build && resolved.webServices.some((w) => w.build !== undefined)) {
        c.fail("webServices", "build", "prebuilt images (webServices[].image) when buildImages is false");
    }
    if (!config.registry.build && config.postgres.image === undefined) {
        c.fail("postgres.image", undefined, "a prebuilt Patroni image when buildImages is false");
    }
    if (!config.registry.build && config.kafka.image === undefined) {
        c.fail("kafka.image", undefined, "a prebuilt Kafka image (images/kafka) when buildImages is false");
    }
    backupTarget(c, environment, config.postgres, config.objectStore);
    if (config.nessie.enabled && !config.postgres.enabled) {
        c.fail("nessie.enabled", true, "false, or postgres.enabled true: Nessie's version store is the platform PostgreSQL (database nessie)");
    }
    if (config.spark.enabled && !config.nessie.enabled) {
        c.fail("spark.enabled", true, "false, or nessie.enabled true: Spark's lakehouse catalog is Nessie");
    }
    if (!config.registry.build && config.spark.enabled && config.spark.image === undefined) {
        c.fail("spark.image", undefined, "a prebuilt Spark image (images/spark) when buildImages is false");
    }
    if (config.flink.enabled && !config.nessie.enabled) {
        c.fail("flink.enabled", true, "false, or nessie.enabled true: Flink's jobs write the lakehouse through Nessie");
    }
    if (!config.registry.build && config.flink.enabled && config.flink.image === undefined) {
        c.fail("flink.image", undefined, "a prebuilt Flink image (images/flink) when buildImages is false");
    }
    if (!config.registry.build && config.keycloak.enabled && config.keycloak.image === undefined) {
        c.fail("keycloak.image", undefined, "a prebuilt Keycloak image (images/keycloak) when buildImages is false");
    }
    if (!config.registry.build && config.keycloak.enabled && config.keycloak.syncImage === undefined) {
        c.fail("keycloak.syncImage", undefined, "a prebuilt realm sync image (images/realm-sync) when buildImages is false");
    }
    if (!config.registry.build && config.connect.enabled && config.connect.image === undefined) {
        c.fail("connect.image", undefined, "a prebuilt Kafka Connect image (images/connect) when buildImages is false");
    }
    if (config.connect.enabled && config.connect.connectors.some((k) => k.capture) && !config.postgres.enabled) {
        c.fail("connect.connectors", config.connect.connectors.filter((k) => k.capture).map((k) => k.name), "no Debezium PostgreSQL connector, or postgres.enabled true");
    }
    // Trino authenticates its users through the platform realm; without one it must not be published outside dev.
    if (config.trino.enabled && config.trino.ingress && !config.keycloak.enabled && environment !== "dev") {
        c.fail("trino.ingress", "set", `null (not published) when environment is ${environment} and keycloak.enabled is false: Trino authenticates its users only through the platform realm`);
    }
    if (config.trino.enabled && !config.nessie.enabled) {
        c.fail("trino.enabled", true, "false, or nessie.enabled true: Trino's lakehouse catalog is Nessie");
    }
    if (config.objectStore.kind === "seaweedfs" && config.objectStore.seaweedfs.topology === "distributed" && !config.postgres.enabled) {
        c.fail("objectStore.seaweedfs.topology", "distributed", "single, or postgres.enabled true: distributed filers keep their metadata in the platform PostgreSQL");
    }
    if (config.registry.username !== undefined && values.registryPassword === undefined) {
        c.fail("registryPassword", undefined, "a secret value whenever registryUsername is set");
    }
    if (c.problems.length > 0) {
        throw new ConfigError(raw.stack, c.problems);
    }
    return resolved;
}
