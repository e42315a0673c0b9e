// Per-environment defaults of the structured keys: what a stack gets for every setting it does not set. The committed stack
// files set the values that differ between our environments explicitly, so these matter most for
// a user's own stack (e.g. `Pulumi.alice.yaml` with only `environment` and `domain`).
import { TierName } from "./tiers";
import { BackupSettings, ChartVersions, ConnectSettings, KeycloakSettings, SchemaRegistrySettings, EdgeSettings, InstallSettings, Environment, KafkaSettings, NessieSettings, ObjectStoreSettings, FlinkSettings, SparkJobSettings, SparkSettings, TrinoSettings, ObservabilitySettings, SeaweedfsSettings, TlsSettings, PostgresSettings, QuotaSettings, ResourceSettings, TierSettings, TopicSettings } from "./types";

/** Namespace settings as written in config: one base for all tiers, partial overrides per tier. */
export interface NamespaceDefaults extends TierSettings {
    readonly tiers: Partial<Record<TierName, { readonly quota?: Partial<QuotaSettings> }>>;
}

/** The structured settings that have per-environment defaults (objects in the stack file). */
export interface StructuredDefaults {
    readonly namespaces: NamespaceDefaults;
    readonly postgres: PostgresSettings;
    readonly kafka: KafkaSettings;
    readonly objectStore: ObjectStoreSettings;
    readonly nessie: NessieSettings;
    readonly trino: TrinoSettings;
    readonly spark: SparkSettings;
    readonly flink: FlinkSettings;
    /** Connectors have no default: each is the stack's own (connect.connectors). */
    readonly connect: Omit<ConnectSettings, "connectors" | "credentialSecrets">;
    readonly schemaRegistry: SchemaRegistrySettings;
    readonly keycloak: KeycloakSettings;
    readonly install: InstallSettings;
    readonly edge: EdgeSettings;
    readonly tls: TlsSettings;
    readonly charts: ChartVersions;
    readonly observability: ObservabilitySettings;
}

function resources(requestsCpu: string, requestsMemory: string, limitsCpu: string, limitsMemory: string): ResourceSettings {
    return { requests: { cpu: requestsCpu, memory: requestsMemory }, limits: { cpu: limitsCpu, memory: limitsMemory } };
}

/** Databases of the applications around the platform; the platform's own services declare theirs (nessie, registry, keycloak). */
const DATABASES = [{ name: "webapp", owner: "webapp" }];

const POSTGRES_COMMON = {
    enabled: true,
    version: "17",
    patroniVersion: "4.1.4",
    exporterImage: "quay.io/prometheuscommunity/postgres-exporter:v0.19.1",
    maxConnections: 200,
    // Patroni's defaults: a lost primary is replaced after about ttl + loop_wait = 40 s.
    timing: { ttl: 30, loopWait: 10, retryTimeout: 10 },
    databases: DATABASES,
};

/**
 * Logical decoding for Debezium, on outside dev (one restart of each member, done by the DCS sync
 * Job). Slots and senders: the members' own plus ten connectors; a stalled slot may hold a quarter
 * of the volume's WAL before PostgreSQL drops it.
 */
function cdc(enabled: boolean, volumeGi: number) {
    return { enabled, maxReplicationSlots: 16, maxWalSenders: 16, maxSlotWalKeepGb: Math.max(1, Math.floor(volumeGi / 4)) };
}

/**
 * Daily, weekly and monthly logical backups kept 30, 90 and 365 days (the seeds' retention). dev
 * writes them to the platform's own object store; elsewhere they go to an S3 outside the cluster,
 * since SeaweedFS keeps its filer metadata in the very PostgreSQL the backups are of.
 */
function backup(target: "platform" | "external", prefix: string): BackupSettings {
    return {
        enabled: true,
        schedules: { daily: "15 2 * * *", weekly: "45 2 * * 0", monthly: "15 3 1 * *" },
        retentionDays: { daily: 30, weekly: 90, monthly: 365 },
        target,
        bucket: target === "platform" ? "backups" : "data-platform-backups",
        prefix,
        acceptSameStoreRisk: false,
        ...(target === "external"
            ? { external: { endpoint: "https://s3.example.com", region: "us-east-1", credentialsSecret: "postgres-backup-s3", egressCidrs: ["0.0.0.0/0"] } }
            : {}),
    };
}

/** The buckets every stack has: the lakehouse warehouse, PostgreSQL's backups and Flink's state (checkpoints, savepoints, HA metadata). */
const BUCKETS = ["lakehouse", "backups", "flink"];

const SEAWEEDFS_COMMON = {
    // SeaweedFS 4.53: the release of the weed module the e2e run builds (scripts/toolchain.d/weed).
    image: "chrislusf/seaweedfs:4.53",
    zones: [],
    dataCenter: "dc1",
    minFreeSpacePercent: 5,
};

function objectStore(seaweedfs: SeaweedfsSettings): ObjectStoreSettings {
    return { kind: "seaweedfs", region: "us-east-1", buckets: BUCKETS, identities: [], seaweedfs };
}

/** Trino 476: the release whose server tarball the e2e runs (io.trino:trino-server:476 from Maven Central). */
const TRINO_IMAGE = "trinodb/trino:476";

function trino(workers: number, coordinator: ResourceSettings, worker: ResourceSettings, shutdown: TrinoSettings["shutdown"], ingress?: TrinoSettings["ingress"]): TrinoSettings {
    return { enabled: true, image: TRINO_IMAGE, workers, coordinatorSchedules: workers === 0, coordinator: { resources: coordinator }, worker: { resources: worker }, shutdown, ...(ingress ? { ingress } : {}) };
}

/**
 * Iceberg table maintenance, the platform's own Spark job (images/spark/jobs): compact data files
 * and manifests of every table of the lakehouse catalog. (Nessie's tables are gc.enabled=false:
 * expiring snapshots and deleting files is Nessie GC's, across all branches.)
 */
function icebergMaintenance(schedule: string, executors: number): SparkJobSettings {
    return {
        name: "iceberg-maintenance",
        application: "local:///opt/spark/jobs/iceberg_maintenance.py",
        args: ["--catalog", "lakehouse"],
        catalogs: ["lakehouse"],
        executors,
        driver: resources("250m", "1Gi", "1", "1Gi"),
        executor: resources("500m", "2Gi", "1", "2Gi"),
        schedule,
    };
}

function spark(driver: ResourceSettings, executor: ResourceSettings, jobs: SparkJobSettings[]): SparkSettings {
    return { enabled: true, version: "3.5.7", driver, executor, tolerations: [], jobs };
}

/**
 * A Flink session cluster with its state in the flink bucket: checkpoints every minute (RocksDB,
 * incremental), three kept, a failing job restarted with exponential backoff.
 */
function flink(enabled: boolean, jobManagers: number, taskManagers: number, slotsPerTaskManager: number, jobManager: ResourceSettings, taskManager: ResourceSettings): FlinkSettings {
    return {
        enabled,
        jobManagers,
        taskManagers,
        slotsPerTaskManager,
        jobManager,
        taskManager,
        highAvailability: { enabled: jobManagers > 1, storageDir: "s3://flink/ha" },
        checkpoints: { dir: "s3://flink/checkpoints", savepointsDir: "s3://flink/savepoints", intervalSeconds: 60, minPauseSeconds: 30, timeoutSeconds: 600, tolerableFailures: 3, retained: 3 },
        stateBackend: "rocksdb",
        restart: { initialBackoffSeconds: 1, maxBackoffSeconds: 300 },
    };
}

/** Nessie 0.99.0: the newest release whose server runner jar Maven Central serves here (the e2e runs that jar). */
const NESSIE_IMAGE = "ghcr.io/projectnessie/nessie:0.99.0";

function nessie(replicas: number, cacheCapacityMB: number, resourceSettings: ResourceSettings): NessieSettings {
    return { enabled: true, image: NESSIE_IMAGE, replicas, warehouse: { bucket: "lakehouse", prefix: "warehouse" }, cacheCapacityMB, resources: resourceSettings };
}

const DAY_MS = 24 * 3600 * 1000;

/** The platform's own topics: change events from PostgreSQL and the web services' events. */
const TOPICS: TopicSettings[] = [
    { name: "platform.cdc", partitions: 6, retentionMs: -1, cleanupPolicy: "compact" },
    { name: "platform.events", partitions: 6, retentionMs: 7 * DAY_MS, cleanupPolicy: "delete" },
];

const KAFKA_COMMON = { enabled: true, version: "4.3.1", topics: TOPICS };

/**
 * Kafka Connect with the Debezium PostgreSQL plugin: off in dev (the storage issue's budget), on in
 * staging (2 workers) and prod (3). No connector by default: a stack declares what it captures.
 */
function connect(enabled: boolean, replicas: number, sizing: ResourceSettings): Omit<ConnectSettings, "connectors" | "credentialSecrets"> {
    return { enabled, debeziumVersion: "3.6.1.Final", replicas, resources: sizing, groupId: "platform-connect" };
}

/** The schema registry: off in dev (the storage issue's budget), two replicas on PostgreSQL elsewhere. */
function schemaRegistry(enabled: boolean, replicas: number, sizing: ResourceSettings): SchemaRegistrySettings {
    return { enabled, image: "quay.io/apicurio/apicurio-registry:3.3.3", replicas, resources: sizing };
}

/**
 * Keycloak and the `platform` realm: three roles, a group for each, short access tokens, a strong
 * password policy. One replica in dev, two clustered replicas elsewhere.
 */
function keycloak(enabled: boolean, replicas: number, sizing: ResourceSettings): KeycloakSettings {
    return {
        enabled,
        version: "26.7.3",
        replicas,
        resources: sizing,
        host: "auth",
        realm: {
            roles: ["platform-admin", "data-engineer", "viewer"],
            groups: { "platform-admins": ["platform-admin"], "data-engineers": ["data-engineer"], viewers: ["viewer"] },
            accessTokenLifespanSeconds: 300,
            ssoSessionIdleSeconds: 1800,
            ssoSessionMaxSeconds: 36000,
            passwordPolicy: "length(12) and notUsername(undefined) and notEmail(undefined) and passwordHistory(3)",
            testUsers: {},
        },
    };
}

/** Every controller from its upstream chart. */
const CHARTS_INSTALLED: InstallSettings = { ingressController: "chart", certManager: "chart", sealedSecrets: "chart", monitoring: "chart" };

const CHARTS: ChartVersions = {
    // Each pin is a published release whose chart was rendered with `helm template` (README "Charts").
    certManager: "v1.21.1",
    traefik: "41.3.0",
    sealedSecrets: "2.18.5",
    kubePrometheusStack: "82.6.0",
    loki: "18.11.0",
    alloy: "1.7.0",
};

/** Monitoring sized per environment: dev must fit a laptop cluster with everything else. */
/** Who signs in to Grafana as what: the default realm roles (keycloak.realm.roles). */
const GRAFANA_ROLES = { admin: ["platform-admin"], editor: ["data-engineer"], viewer: ["viewer"] };

function observability(scale: "small" | "medium" | "large"): ObservabilitySettings {
    const r = { small: 1, medium: 2, large: 4 }[scale];
    const ha = scale === "small" ? 1 : 2;
    return {
        prometheus: { replicas: ha, retention: { small: "3d", medium: "15d", large: "30d" }[scale], storage: { size: `${10 * r * r}Gi` }, resources: resources(`${200 * r}m`, `${512 * r}Mi`, `${r}`, `${1024 * r}Mi`) },
        alertmanager: { replicas: scale === "small" ? 1 : 3, storage: { size: "1Gi" }, resources: resources("10m", "32Mi", "200m", "128Mi") },
        grafana: { host: "grafana", resources: resources(`${50 * r}m`, `${128 * r}Mi`, "500m", `${256 * r}Mi`), roles: GRAFANA_ROLES },
        loki: { replicas: 1, retentionHours: { small: 72, medium: 168, large: 720 }[scale], storage: { size: `${10 * r * r}Gi` }, resources: resources(`${100 * r}m`, `${256 * r}Mi`, `${r}`, `${512 * r}Mi`) },
        alloy: { resources: resources("50m", "64Mi", "500m", "256Mi") },
        agents: resources("25m", "48Mi", "200m", "192Mi"),
    };
}

/** Laptop clusters publish the ingress controller on NodePorts that scripts/dev-cluster maps to 80/443. */
const LOCAL_EDGE: EdgeSettings = {
    ingressClassName: "traefik",
    serviceType: "NodePort",
    nodePorts: { http: 30080, https: 30443 },
    allocateLoadBalancerNodePorts: true,
    // scripts/dev-cluster maps the NodePorts to 80/443 on the laptop: that is where the hosts resolve.
    ingressEndpoint: { ip: "127.0.0.1" },
    replicas: 1,
};
const CLOUD_EDGE: EdgeSettings = { ...LOCAL_EDGE, serviceType: "LoadBalancer", ingressEndpoint: undefined, replicas: 2 };

const STRUCTURED: Readonly<Record<Environment, StructuredDefaults>> = {
    dev: {
        namespaces: {
            quota: {
                requestsCpu: "4", requestsMemory: "8Gi", limitsCpu: "8", limitsMemory: "16Gi",
                requestsStorage: "50Gi", persistentVolumeClaims: 10, pods: 30, loadBalancers: 0, nodePorts: 0,
            },
            containerDefaults: resources("50m", "64Mi", "500m", "256Mi"),
            // No tier exposes Services outside the cluster; the edge tier's quota is derived from its controller's Service.
            tiers: {},
        },
        postgres: {
            ...POSTGRES_COMMON,
            members: 1,
            storage: { size: "5Gi" },
            resources: resources("250m", "512Mi", "1", "1Gi"),
            synchronousMode: "off",
            backup: backup("platform", "dev/postgres"),
            cdc: cdc(false, 5),
        },
        objectStore: objectStore({
            ...SEAWEEDFS_COMMON,
            // One pod runs master, volume server, filer (metadata on its volume) and S3 gateway.
            topology: "single",
            masters: 1,
            volumeServers: 1,
            replication: "000",
            volumeSizeLimitMB: 256,
            filers: 1,
            gateways: 1,
            storage: { size: "10Gi" },
            masterStorage: { size: "1Gi" },
            resources: {
                server: resources("100m", "256Mi", "1", "512Mi"),
                master: resources("50m", "64Mi", "500m", "256Mi"),
                volume: resources("50m", "128Mi", "500m", "512Mi"),
                filer: resources("50m", "128Mi", "500m", "512Mi"),
                gateway: resources("50m", "128Mi", "500m", "512Mi"),
            },
        }),
        install: CHARTS_INSTALLED,
        edge: LOCAL_EDGE,
        tls: { issuer: "self-signed" },
        charts: CHARTS,
        observability: observability("small"),
        // Dev budget: 0.25 CPU / 0.5 GiB requested.
        nessie: nessie(1, 64, resources("250m", "512Mi", "1", "768Mi")),
        // Dev budget: one coordinator that runs the tasks too, 0.25 CPU / 1 GiB requested; published at trino.<domain>.
        trino: trino(0, resources("250m", "1Gi", "2", "1536Mi"), resources("250m", "1Gi", "2", "1536Mi"), { gracePeriodSeconds: 10, drainSeconds: 60 }, { host: "trino" }),
        // Dev: no job runs until one is declared (requests nothing).
        spark: spark(resources("250m", "1Gi", "1", "1Gi"), resources("250m", "1Gi", "1", "1Gi"), []),
        // Dev: off (its budget holds Trino); when enabled, one JobManager without HA and one TaskManager.
        flink: flink(false, 1, 1, 2, resources("250m", "1Gi", "1", "1Gi"), resources("250m", "1536Mi", "1", "1536Mi")),
        connect: connect(false, 1, resources("250m", "1Gi", "1", "1Gi")),
        schemaRegistry: schemaRegistry(false, 1, resources("100m", "384Mi", "500m", "512Mi")),
        keycloak: keycloak(true, 1, resources("100m", "512Mi", "1", "768Mi")),
        kafka: {
            ...KAFKA_COMMON,
            mode: "combined",
            controllers: 0,
            brokers: 1,
            clientTls: false,
            replicationFactor: 1,
            minInsyncReplicas: 1,
            storage: { size: "5Gi" },
            controllerStorage: { size: "1Gi" },
            resources: resources("250m", "768Mi", "1", "1Gi"),
            controllerResources: resources("100m", "512Mi", "500m", "512Mi"),
        },
    },
    staging: {
        namespaces: {
            quota: {
                requestsCpu: "16", requestsMemory: "32Gi", limitsCpu: "32", limitsMemory: "64Gi",
                requestsStorage: "500Gi", persistentVolumeClaims: 20, pods: 60, loadBalancers: 0, nodePorts: 0,
            },
            containerDefaults: resources("100m", "128Mi", "1", "512Mi"),
            // No tier exposes Services outside the cluster; the edge tier's quota is derived from its controller's Service.
            tiers: {},
        },
        postgres: {
            ...POSTGRES_COMMON,
            members: 3,
            storage: { size: "20Gi" },
            resources: resources("500m", "1Gi", "2", "2Gi"),
            synchronousMode: "off",
            backup: backup("external", "staging/postgres"),
            cdc: cdc(true, 20),
        },
        objectStore: objectStore({
            ...SEAWEEDFS_COMMON,
            topology: "distributed",
            masters: 3,
            volumeServers: 3,
            // Two copies of every volume on different servers (zones: set them and use 010).
            replication: "001",
            volumeSizeLimitMB: 1024,
            filers: 2,
            gateways: 2,
            storage: { size: "100Gi" },
            masterStorage: { size: "2Gi" },
            resources: {
                server: resources("250m", "512Mi", "2", "2Gi"),
                master: resources("100m", "128Mi", "500m", "256Mi"),
                volume: resources("250m", "512Mi", "1", "1Gi"),
                filer: resources("100m", "256Mi", "1", "512Mi"),
                gateway: resources("200m", "256Mi", "1", "512Mi"),
            },
        }),
        install: CHARTS_INSTALLED,
        edge: CLOUD_EDGE,
        tls: { issuer: "letsencrypt-staging", acmeEmail: "platform-team@example.com" },
        charts: CHARTS,
        observability: observability("medium"),
        nessie: nessie(2, 256, resources("500m", "1Gi", "2", "1536Mi")),
        trino: trino(2, resources("500m", "2Gi", "2", "3Gi"), resources("1", "3Gi", "2", "4Gi"), { gracePeriodSeconds: 30, drainSeconds: 300 }, { host: "trino" }),
        spark: spark(resources("500m", "1Gi", "1", "2Gi"), resources("500m", "2Gi", "1", "2Gi"), [icebergMaintenance("30 4 * * *", 1)]),
        // A leader and a standby JobManager (Kubernetes HA); two TaskManagers of two slots.
        flink: flink(true, 2, 2, 2, resources("250m", "1Gi", "1", "1Gi"), resources("500m", "2Gi", "2", "2Gi")),
        connect: connect(true, 2, resources("250m", "1Gi", "1", "1Gi")),
        schemaRegistry: schemaRegistry(true, 2, resources("100m", "512Mi", "500m", "512Mi")),
        keycloak: keycloak(true, 2, resources("250m", "1Gi", "1", "1Gi")),
        kafka: {
            ...KAFKA_COMMON,
            mode: "combined",
            controllers: 0,
            brokers: 3,
            clientTls: true,
            replicationFactor: 3,
            minInsyncReplicas: 2,
            storage: { size: "50Gi" },
            controllerStorage: { size: "5Gi" },
            resources: resources("500m", "2Gi", "2", "2Gi"),
            controllerResources: resources("250m", "1Gi", "1", "1Gi"),
        },
    },
    prod: {
        namespaces: {
            quota: {
                requestsCpu: "48", requestsMemory: "128Gi", limitsCpu: "96", limitsMemory: "256Gi",
                requestsStorage: "4Ti", persistentVolumeClaims: 40, pods: 150, loadBalancers: 0, nodePorts: 0,
            },
            containerDefaults: resources("100m", "128Mi", "1", "512Mi"),
            // No tier exposes Services outside the cluster; the edge tier's quota is derived from its controller's Service.
            tiers: {},
        },
        postgres: {
            ...POSTGRES_COMMON,
            members: 3,
            storage: { size: "100Gi" },
            resources: resources("2", "8Gi", "4", "8Gi"),
            // No acknowledged write may be lost on failover: commits wait for one standby.
            synchronousMode: "on",
            maxConnections: 400,
            backup: backup("external", "prod/postgres"),
            cdc: cdc(true, 100),
        },
        objectStore: objectStore({
            ...SEAWEEDFS_COMMON,
            topology: "distributed",
            masters: 3,
            volumeServers: 6,
            replication: "001",
            volumeSizeLimitMB: 8192,
            filers: 3,
            gateways: 3,
            storage: { size: "300Gi" },
            masterStorage: { size: "5Gi" },
            resources: {
                server: resources("500m", "1Gi", "2", "2Gi"),
                master: resources("250m", "256Mi", "1", "512Mi"),
                volume: resources("500m", "1Gi", "2", "2Gi"),
                filer: resources("250m", "512Mi", "2", "1Gi"),
                gateway: resources("500m", "512Mi", "2", "1Gi"),
            },
        }),
        install: CHARTS_INSTALLED,
        edge: CLOUD_EDGE,
        tls: { issuer: "letsencrypt", acmeEmail: "platform-team@example.com" },
        charts: CHARTS,
        observability: observability("large"),
        nessie: nessie(2, 512, resources("1", "2Gi", "2", "2Gi")),
        trino: trino(3, resources("1", "4Gi", "4", "6Gi"), resources("2", "8Gi", "4", "12Gi"), { gracePeriodSeconds: 60, drainSeconds: 900 }, { host: "trino" }),
        spark: spark(resources("1", "2Gi", "2", "4Gi"), resources("1", "4Gi", "2", "4Gi"), [icebergMaintenance("30 4 * * *", 2)]),
        // A leader and a standby JobManager (Kubernetes HA); three TaskManagers of four slots.
        flink: flink(true, 2, 3, 4, resources("500m", "2Gi", "1", "2Gi"), resources("1", "4Gi", "4", "4Gi")),
        connect: connect(true, 3, resources("500m", "2Gi", "2", "2Gi")),
        schemaRegistry: schemaRegistry(true, 2, resources("250m", "768Mi", "1", "768Mi")),
        keycloak: keycloak(true, 2, resources("500m", "1536Mi", "2", "1536Mi")),
        kafka: {
            ...KAFKA_COMMON,
            mode: "dedicated",
            clientTls: true,
            controllers: 3,
            brokers: 3,
            replicationFactor: 3,
            minInsyncReplicas: 2,
            storage: { size: "500Gi" },
            controllerStorage: { size: "20Gi" },
            resources: resources("2", "8Gi", "4", "8Gi"),
            controllerResources: resources("500m", "2Gi", "1", "2Gi"),
        },
    },
};

export function structuredDefaults(environment: Environment): StructuredDefaults {
    return STRUCTURED[environment];
}
