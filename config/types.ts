import * as pulumi from "@pulumi/pulumi";
import { TierName } from "./tiers";

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;

/** The kind of environment a stack deploys; it selects defaults and which rules are strict. */
export type Environment = (typeof ENVIRONMENTS)[number];

/** CPU and memory for one side (requests or limits) of a container's resources. */
export interface ComputeQuantities {
    readonly cpu: string;
    readonly memory: string;
}

/** Requests and limits of a container. */
export interface ResourceSettings {
    readonly requests: ComputeQuantities;
    readonly limits: ComputeQuantities;
}

/** A persistent volume: its storage class (the cluster default when unset) and size. */
export interface StorageSettings {
    readonly storageClass?: string;
    readonly size: string;
}

/** Where and how the program talks to Kubernetes. */
export interface KubernetesSettings {
    /** kubeconfig context; the current context when unset. */
    readonly context?: string;
    /** Addresses of the Kubernetes API server, for the egress of pods that call it (Patroni). */
    readonly apiServerCidrs: readonly string[];
    /** Addresses of the nodes, where Prometheus scrapes kubelets and node-exporter (host network). */
    readonly nodeCidrs: readonly string[];
    /** When set, the provider writes YAML manifests to this directory instead of applying them. */
    readonly renderYamlTo?: string;
}

/** The registry that built images are pushed to and pulled from. */
export interface RegistrySettings {
    /** Registry host and optional path, e.g. `ghcr.io/acme/platform` or `localhost:5001`. */
    readonly server: string;
    /** Push built images; false for local clusters that load images directly (kind/minikube). */
    readonly push: boolean;
    /** Build images (and mirror third-party ones); false runs prebuilt and upstream images as configured. */
    readonly build: boolean;
    readonly username?: string;
    /** Pulumi secret; only read from secure config. */
    readonly password?: pulumi.Output<string>;
}

/** ResourceQuota of one tier's namespace. */
export interface QuotaSettings {
    readonly requestsCpu: string;
    readonly requestsMemory: string;
    readonly limitsCpu: string;
    readonly limitsMemory: string;
    readonly requestsStorage: string;
    readonly persistentVolumeClaims: number;
    readonly pods: number;
    /** Services of type LoadBalancer (only the edge tier should need any). */
    readonly loadBalancers: number;
    /** Services of type NodePort (only the edge tier on a local cluster should need any). */
    readonly nodePorts: number;
}

/** Quota and container defaults (LimitRange) of one tier. */
export interface TierSettings {
    readonly quota: QuotaSettings;
    /** Requests and limits given to containers that declare none. */
    readonly containerDefaults: ResourceSettings;
}

export interface NamespaceSettings {
    /** Namespace names are `<prefix>-<tier>`. */
    readonly prefix: string;
    readonly tiers: Readonly<Record<TierName, TierSettings>>;
}

/** Patroni's leader-lock timing (seconds); `loopWait + 2 * retryTimeout <= ttl` must hold. */
export interface PatroniTiming {
    readonly ttl: number;
    readonly loopWait: number;
    readonly retryTimeout: number;
}

/** An application database and the role that owns it. */
export interface DatabaseSettings {
    readonly name: string;
    readonly owner: string;
}

export type BackupTier = "daily" | "weekly" | "monthly";

/** An S3 endpoint outside the platform that backups are written to (a different failure domain than the cluster). */
export interface ExternalBackupStore {
    /** Endpoint URL, e.g. https://s3.eu-west-1.amazonaws.com. */
    readonly endpoint: string;
    readonly region: string;
    /** Existing or presealed Secret (in the storage namespace) with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. */
    readonly credentialsSecret: string;
    /** Destination addresses the backup pods may reach (NetworkPolicy egress). */
    readonly egressCidrs: readonly string[];
}

/** Where backups are written: the platform's object store (its `backups` identity through the contract) or an external S3. */
export type BackupTarget = "platform" | "external";

/** Logical backups by CronJob, kept per tier for a number of days. */
export interface BackupSettings {
    readonly enabled: boolean;
    /** Cron schedule of each tier (UTC). */
    readonly schedules: Readonly<Record<BackupTier, string>>;
    /** Days each tier's backups are kept. */
    readonly retentionDays: Readonly<Record<BackupTier, number>>;
    readonly target: BackupTarget;
    /** Bucket of the target (with target platform: one of objectStore.buckets). */
    readonly bucket: string;
    /** Key prefix inside the bucket. */
    readonly prefix: string;
    /**
     * Outside dev, backups kept only in an in-cluster SeaweedFS whose filer metadata lives in this
     * PostgreSQL cannot be read when PostgreSQL is lost; true accepts that risk (the plan warns).
     */
    readonly acceptSameStoreRisk: boolean;
    /** The external S3 (target external only). */
    readonly external?: ExternalBackupStore;
}

/** The PostgreSQL (Patroni) cluster. */
export interface PostgresSettings {
    /** Deploy the cluster and everything of it (services that depend on it are refused when off). */
    readonly enabled: boolean;
    /** Patroni members: 1 in dev, an odd number >= 3 elsewhere. */
    readonly members: number;
    /** PostgreSQL major version of the image. */
    readonly version: string;
    /** Patroni version installed in the image. */
    readonly patroniVersion: string;
    /** Use this image instead of building one (e.g. a prebuilt image in CI). */
    readonly image?: string;
    /** postgres_exporter image, mirrored into the stack's registry so pods pin its digest. */
    readonly exporterImage: string;
    readonly storage: StorageSettings;
    readonly resources: ResourceSettings;
    /** Patroni synchronous replication: off, on (one synchronous standby) or quorum. */
    readonly synchronousMode: "off" | "on" | "quorum";
    readonly timing: PatroniTiming;
    readonly maxConnections: number;
    /** Databases created (idempotently) with their owners. */
    readonly databases: readonly DatabaseSettings[];
    readonly backup: BackupSettings;
    /** Logical decoding for change data capture (Debezium connectors' slots and publications). */
    readonly cdc: ChangeDataCaptureSettings;
}

/** PostgreSQL's side of change data capture: the parameters logical replication slots need. */
export interface ChangeDataCaptureSettings {
    /** wal_level logical (a restart of every member, done by the DCS sync Job when turned on for a running cluster). */
    readonly enabled: boolean;
    /** max_replication_slots: the members' physical slots, the connectors' logical slots and room to spare. */
    readonly maxReplicationSlots: number;
    /** max_wal_senders: replicas, connectors and base backups streaming at once. */
    readonly maxWalSenders: number;
    /** max_slot_wal_keep_size in GB: WAL a stalled slot may hold before PostgreSQL drops it (the volume outlives a dead connector; the connector then snapshots again). */
    readonly maxSlotWalKeepGb: number;
}

/** What an identity may do on a bucket: read (get, head, list) or write (read, and put, delete, multipart). */
export type BucketAccess = "read" | "write";

/** One bucket an S3 identity may use, and how. */
export interface BucketGrantSettings {
    readonly bucket: string;
    readonly access: BucketAccess;
}

/** An S3 identity of config (people and tools outside the platform's services), with its grants. */
export interface S3IdentitySettings {
    /** Identity name; its credentials Secret is s3-<name> in the storage namespace. */
    readonly name: string;
    readonly grants: readonly BucketGrantSettings[];
}

/** Sizing of the SeaweedFS roles; `server` is the single pod of topology single. */
export interface SeaweedfsResources {
    readonly server: ResourceSettings;
    readonly master: ResourceSettings;
    readonly volume: ResourceSettings;
    readonly filer: ResourceSettings;
    readonly gateway: ResourceSettings;
}

/** SeaweedFS behind its S3 API: one `weed server` pod, or masters, volume servers, filers and S3 gateways. */
export interface SeaweedfsSettings {
    /** Pinned image (chrislusf/seaweedfs), mirrored into the stack's registry. */
    readonly image: string;
    /** single: one pod runs every role on one volume (dev); distributed: each role apart, highly available. */
    readonly topology: "single" | "distributed";
    /** Raft masters (distributed): an odd number. */
    readonly masters: number;
    /** Volume servers in all (distributed); with zones, the same number in each zone. */
    readonly volumeServers: number;
    /** Values of topology.kubernetes.io/zone: one volume StatefulSet per zone, whose servers report the zone as their rack. */
    readonly zones: readonly string[];
    /** The data center every volume server reports (one cluster is one data center). */
    readonly dataCenter: string;
    /** Default replica placement xyz: x copies in other data centers, y on other racks (zones), z on other servers of the rack. */
    readonly replication: string;
    /** Size at which a volume stops taking writes (MB): small PVCs need small volumes (SeaweedFS' default is 30000). */
    readonly volumeSizeLimitMB: number;
    /** Free space (percent of the disk) below which a volume server turns its volumes read-only. */
    readonly minFreeSpacePercent: number;
    /** Stateless filers, their metadata in the platform PostgreSQL (distributed). */
    readonly filers: number;
    /** S3 gateways behind the s3 Service (distributed). */
    readonly gateways: number;
    /** Volume of each volume server (or of the single server). */
    readonly storage: StorageSettings;
    /** Raft log and snapshots of each master. */
    readonly masterStorage: StorageSettings;
    readonly resources: SeaweedfsResources;
}

/** Credentials of one consumer on an external S3 (secret config objectStoreCredentials). */
export interface S3Credentials {
    readonly accessKeyId: pulumi.Output<string>;
    readonly secretAccessKey: pulumi.Output<string>;
}

/** An S3 endpoint outside the cluster that the platform uses instead of SeaweedFS. */
export interface ExternalObjectStore {
    /** Endpoint URL, e.g. https://s3.eu-west-1.amazonaws.com. */
    readonly endpoint: string;
    /** Destination addresses consumers may reach (the NetworkPolicy egress exception for the endpoint). */
    readonly egressCidrs: readonly string[];
    /** Path-style addressing (bucket in the path); most S3-compatible stores need it. */
    readonly pathStyle: boolean;
    /** Credentials by consumer (service identity or config identity), from the secret config key objectStoreCredentials. */
    readonly credentials: Readonly<Record<string, S3Credentials>>;
}

/** Where Nessie keeps the Iceberg tables' files: s3://<bucket>/<prefix>. */
export interface WarehouseSettings {
    /** One of objectStore.buckets. */
    readonly bucket: string;
    /** Key prefix inside the bucket. */
    readonly prefix: string;
}

/** The Nessie catalog (Iceberg REST) in the engines tier. */
export interface NessieSettings {
    readonly enabled: boolean;
    /** Pinned image (ghcr.io/projectnessie/nessie). */
    readonly image: string;
    /** Replicas behind the nessie Service (>= 2 outside dev; they keep their caches coherent). */
    readonly replicas: number;
    readonly warehouse: WarehouseSettings;
    /** Objects cache of the version store per replica (MB; within the JVM heap). */
    readonly cacheCapacityMB: number;
    readonly resources: ResourceSettings;
}

/** One kind of Trino node (coordinator or worker): its container's resources and JVM heap. */
export interface TrinoNodeSettings {
    readonly resources: ResourceSettings;
    /** JVM heap (-Xmx) as a quantity; default: 70% of resources.limits.memory. */
    readonly jvmHeap?: string;
}

/** Trino in the engines tier: one coordinator, workers, the lakehouse catalog on Nessie. */
export interface TrinoSettings {
    readonly enabled: boolean;
    /** Pinned image (trinodb/trino, >= 476). */
    readonly image: string;
    /** Worker replicas (0 only when the coordinator schedules work itself). */
    readonly workers: number;
    /** node-scheduler.include-coordinator: the coordinator runs tasks too (dev only). */
    readonly coordinatorSchedules: boolean;
    readonly coordinator: TrinoNodeSettings;
    readonly worker: TrinoNodeSettings;
    /** Graceful shutdown of a worker: shutdown.grace-period, and how long running queries may take to finish. */
    readonly shutdown: { readonly gracePeriodSeconds: number; readonly drainSeconds: number };
    /** Published at https://<host> (a label under the stack's domain, or a full name); its logins return there. Outside dev only behind the realm's login. */
    readonly ingress?: { readonly host: string };
}

/** A node taint a pod tolerates. */
export interface Toleration {
    readonly key: string;
    readonly operator: "Equal" | "Exists";
    readonly value?: string;
    readonly effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** A Spark application of config: a spark-submit in cluster mode, on a schedule (CronJob) or once (Job). */
export interface SparkJobSettings {
    /** Names the Job or CronJob (spark-<name>), the Spark application and its pods. */
    readonly name: string;
    /** The class to run, for a jar. */
    readonly mainClass?: string;
    /** local:///... in the image, or s3a://... in the object store (.jar or .py). */
    readonly application: string;
    readonly args: readonly string[];
    /** Catalogs it uses: only those spark-defaults.conf configures (lakehouse). */
    readonly catalogs: readonly string[];
    /** spark.executor.instances. */
    readonly executors: number;
    readonly driver: ResourceSettings;
    readonly executor: ResourceSettings;
    /** Cron schedule; absent: the job runs once per change (a Job). */
    readonly schedule?: string;
}

/** Spark in native Kubernetes mode: the image, its drivers' and executors' resources, and the jobs of config. */
export interface SparkSettings {
    readonly enabled: boolean;
    /** Spark release of the image built from images/spark (apache/spark:<version>-scala2.12-java17-python3-ubuntu). */
    readonly version: string;
    /** A prebuilt image of images/spark (when buildImages is false). */
    readonly image?: string;
    /** Default resources of a driver and of an executor (a job may set its own). */
    readonly driver: ResourceSettings;
    readonly executor: ResourceSettings;
    /** Taints drivers and executors tolerate (e.g. a pool of batch nodes). */
    readonly tolerations: readonly Toleration[];
    readonly jobs: readonly SparkJobSettings[];
}

/** Flink's checkpoints: where they go (the object store) and how often, how long, how many are kept. */
export interface FlinkCheckpointSettings {
    /** execution.checkpointing.dir: an s3:// URI on a bucket of objectStore.buckets. */
    readonly dir: string;
    /** execution.checkpointing.savepoint-dir: the default target of savepoints, s3:// as well. */
    readonly savepointsDir: string;
    readonly intervalSeconds: number;
    readonly minPauseSeconds: number;
    readonly timeoutSeconds: number;
    /** Failed checkpoints in a row a job survives before it restarts. */
    readonly tolerableFailures: number;
    /** Completed checkpoints kept per job. */
    readonly retained: number;
}

/** A Flink 1.20 session cluster: JobManagers (Kubernetes HA outside dev), TaskManagers, state on the object store. */
export interface FlinkSettings {
    readonly enabled: boolean;
    /** A prebuilt image of images/flink (when buildImages is false). */
    readonly image?: string;
    /** JobManager replicas: one leader, the others standby (more than one needs highAvailability). */
    readonly jobManagers: number;
    readonly taskManagers: number;
    /** taskmanager.numberOfTaskSlots. */
    readonly slotsPerTaskManager: number;
    /** Container resources; the memory limit is the Flink process size. */
    readonly jobManager: ResourceSettings;
    readonly taskManager: ResourceSettings;
    /** Kubernetes HA: leader election through ConfigMaps, job metadata under storageDir (s3://). */
    readonly highAvailability: { readonly enabled: boolean; readonly storageDir: string };
    readonly checkpoints: FlinkCheckpointSettings;
    /** state.backend.type: rocksdb (incremental checkpoints, state beyond the heap) or hashmap. */
    readonly stateBackend: "rocksdb" | "hashmap";
    /** Exponential-delay restarts of a failing job. */
    readonly restart: { readonly initialBackoffSeconds: number; readonly maxBackoffSeconds: number };
}

/** The platform's object storage: buckets and least-privilege identities on SeaweedFS or an external S3. */
export interface ObjectStoreSettings {
    /** seaweedfs: deployed in the storage tier; external: an S3 endpoint outside the platform. */
    readonly kind: "seaweedfs" | "external";
    /** Region clients sign requests for (SeaweedFS accepts any). */
    readonly region: string;
    /** Buckets that must exist (created if missing, never deleted): lakehouse (the warehouse) and backups at least. */
    readonly buckets: readonly string[];
    /** Identities beyond those of the platform's services. */
    readonly identities: readonly S3IdentitySettings[];
    readonly seaweedfs: SeaweedfsSettings;
    /** kind external only. */
    readonly external?: ExternalObjectStore;
}

/** A Kafka topic the platform declares (created and updated by the topics Job). */
export interface TopicSettings {
    readonly name: string;
    readonly partitions: number;
    /** Defaults to the cluster's default replication factor. */
    readonly replicationFactor?: number;
    /** retention.ms; -1 keeps data forever. */
    readonly retentionMs: number;
    readonly cleanupPolicy: "delete" | "compact" | "compact,delete";
}

/** Kafka in KRaft mode with the official apache/kafka image (plus the JMX exporter agent). */
export interface KafkaSettings {
    /** Deploy the cluster and everything of it (services that depend on it are refused when off). */
    readonly enabled: boolean;
    /** Kafka release (apache/kafka image tag). */
    readonly version: string;
    /** Use this image instead of building images/kafka. */
    readonly image?: string;
    /** combined: every node is broker and controller; dedicated: separate controller and broker sets. */
    readonly mode: "combined" | "dedicated";
    /** Dedicated controllers (dedicated mode only). */
    readonly controllers: number;
    /** Brokers, or combined nodes in combined mode. */
    readonly brokers: number;
    readonly replicationFactor: number;
    readonly minInsyncReplicas: number;
    readonly storage: StorageSettings;
    readonly controllerStorage: StorageSettings;
    readonly resources: ResourceSettings;
    readonly controllerResources: ResourceSettings;
    readonly topics: readonly TopicSettings[];
    /** A TLS listener for clients (port 9094), with a certificate from the platform CA. */
    readonly clientTls: boolean;
}

/** A connector of Kafka Connect, applied by the connectors Job (`connect.connectors.<name>`). */
export interface ConnectorSettings {
    /** The connector's name in Connect's REST API (the key under connect.connectors). */
    readonly name: string;
    /** Connector class, e.g. io.debezium.connector.postgresql.PostgresConnector. */
    readonly class: string;
    readonly tasksMax: number;
    /** Debezium PostgreSQL: what it captures (PostgreSQL grants the slot, publication and login). */
    readonly capture?: ConnectorCaptureSettings;
    /** Further connector settings; a credential is a ${file:...} reference to a mounted Secret, never a value. */
    readonly settings: Readonly<Record<string, string>>;
    /** Remove the connector from Connect (a connector left out of the config is never removed). */
    readonly delete: boolean;
}

/** What a Debezium PostgreSQL connector captures. */
export interface ConnectorCaptureSettings {
    /** One of postgres' databases. */
    readonly database: string;
    /** Captured tables, schema.table. */
    readonly tables: readonly string[];
    /** Logical replication slot, unique per connector (a Patroni permanent slot). */
    readonly slot: string;
    readonly publication: string;
    /** Topics are <topicPrefix>.<schema>.<table>. */
    readonly topicPrefix: string;
    /** Debezium snapshot.mode: initial (snapshot, then stream), no_data (stream only), when_needed. */
    readonly snapshotMode: "initial" | "no_data" | "when_needed";
}

/** Kafka Connect in distributed mode (the streaming tier), with the Debezium PostgreSQL plugin. */
export interface ConnectSettings {
    readonly enabled: boolean;
    /** A prebuilt image of images/connect (when buildImages is false). */
    readonly image?: string;
    /** Debezium release of the plugin baked into the image. */
    readonly debeziumVersion: string;
    /** Workers (a Deployment: their state lives in Kafka topics). */
    readonly replicas: number;
    readonly resources: ResourceSettings;
    /** group.id of the workers; the internal topics are named after it. */
    readonly groupId: string;
    /** Secrets of the streaming namespace (e.g. pre-sealed ones) mounted at /run/secrets/connect/<name>/ for connectors' ${file:...} references. */
    readonly credentialSecrets: readonly string[];
    readonly connectors: readonly ConnectorSettings[];
}

/** The schema registry (Apicurio Registry 3, Confluent-compatible API) in the streaming tier, its storage on PostgreSQL. */
export interface SchemaRegistrySettings {
    readonly enabled: boolean;
    /** Pinned image (quay.io/apicurio/apicurio-registry). */
    readonly image: string;
    /** Replicas (>= 2 outside dev); they share the database, so any may answer. */
    readonly replicas: number;
    readonly resources: ResourceSettings;
}

/** The `platform` realm of Keycloak as code: roles, the groups that grant them, token lifetimes, the password policy. */
export interface KeycloakRealmSettings {
    /** Realm roles, e.g. platform-admin, data-engineer, viewer. */
    readonly roles: readonly string[];
    /** Groups and the realm roles their members get. */
    readonly groups: Readonly<Record<string, readonly string[]>>;
    readonly accessTokenLifespanSeconds: number;
    readonly ssoSessionIdleSeconds: number;
    readonly ssoSessionMaxSeconds: number;
    /** Keycloak's password policy string, e.g. length(12) and notUsername. */
    readonly passwordPolicy: string;
    /** Users for tests only (a dev-environment stack such as e2e): name -> groups; passwords generated and sealed. */
    readonly testUsers: Readonly<Record<string, readonly string[]>>;
}

/** Keycloak in the management tier: single sign-on for the platform's UIs and services. */
export interface KeycloakSettings {
    readonly enabled: boolean;
    /** Keycloak release: the quay.io/keycloak/keycloak tag the image is built from (and the e2e's distribution). */
    readonly version: string;
    /** A prebuilt image of images/keycloak (when buildImages is false). */
    readonly image?: string;
    /** A prebuilt image of images/realm-sync (when buildImages is false). */
    readonly syncImage?: string;
    /** Replicas (>= 2 outside dev; they cluster over the database, jdbc-ping). */
    readonly replicas: number;
    readonly resources: ResourceSettings;
    /** Published as https://<host>.<domain> (the tokens' issuer). */
    readonly host: string;
    readonly realm: KeycloakRealmSettings;
}

/**
 * How a third-party controller comes to the cluster: its upstream chart, one the cluster already
 * runs, or none at all (test clusters: the platform's own objects for it are still made, their CRDs
 * from the program's fixtures). Only whether its chart is installed depends on this; the platform's
 * objects for it (issuers, monitors, rules, dashboards, NetworkPolicies) stay.
 */
export type InstallMode = "chart" | "existing" | "none";

/** The install mode of each third-party controller. */
export interface InstallSettings {
    /** Traefik; existing: an ingress class of the cluster (edge.ingressClassName). */
    readonly ingressController: InstallMode;
    readonly certManager: InstallMode;
    /** The platform seals with its own key, which an existing controller does not hold: chart or none. */
    readonly sealedSecrets: Exclude<InstallMode, "existing">;
    /** kube-prometheus-stack, Loki and Alloy; existing: a Prometheus operator of the cluster. */
    readonly monitoring: InstallMode;
}

/** How outside traffic reaches the platform. */
export interface EdgeSettings {
    /** The IngressClass every Ingress uses. */
    readonly ingressClassName: string;
    /** How the installed controller is exposed: NodePort on laptop clusters, LoadBalancer elsewhere. */
    readonly serviceType: "NodePort" | "LoadBalancer";
    /** NodePorts for HTTP and HTTPS (NodePort only; scripts/dev-cluster maps 30080/30443 to 80/443). */
    readonly nodePorts: { readonly http: number; readonly https: number };
    /**
     * LoadBalancer only: allocate node ports behind the load balancer (Kubernetes' default, needed
     * by load balancers that forward to nodes); false for load balancers that reach pods directly.
     */
    readonly allocateLoadBalancerNodePorts: boolean;
    /**
     * NodePort only: the address Ingresses report in their status (the controller copies a
     * LoadBalancer's own address otherwise). Pulumi waits for that status on every Ingress.
     */
    readonly ingressEndpoint?: { readonly ip?: string; readonly hostname?: string };
    readonly replicas: number;
}

/** Which ClusterIssuer signs the platform's certificates. */
export interface TlsSettings {
    /** self-signed: a local CA (dev); letsencrypt-staging / letsencrypt: ACME with HTTP-01 on the ingress class. */
    readonly issuer: "self-signed" | "letsencrypt-staging" | "letsencrypt";
    /** ACME account e-mail (Let's Encrypt issuers). */
    readonly acmeEmail?: string;
}

/** Pinned versions of the upstream Helm charts. */
export interface ChartVersions {
    readonly certManager: string;
    readonly traefik: string;
    readonly sealedSecrets: string;
    readonly kubePrometheusStack: string;
    readonly loki: string;
    readonly alloy: string;
}

/** Sizing of one monitoring workload. */
export interface MonitoringWorkload {
    readonly replicas: number;
    readonly storage: StorageSettings;
    readonly resources: ResourceSettings;
}

/** Realm roles that make a user who signs in to Grafana an Admin, an Editor or a Viewer (the first that matches). */
export interface GrafanaRoleMapping {
    readonly admin: readonly string[];
    readonly editor: readonly string[];
    readonly viewer: readonly string[];
}

/** Prometheus, Alertmanager, Grafana, Loki and Alloy. */
export interface ObservabilitySettings {
    readonly prometheus: MonitoringWorkload & { readonly retention: string };
    readonly alertmanager: MonitoringWorkload;
    readonly grafana: { readonly host: string; readonly resources: ResourceSettings; readonly roles: GrafanaRoleMapping };
    readonly loki: MonitoringWorkload & { readonly retentionHours: number };
    readonly alloy: { readonly resources: ResourceSettings };
    /** Resources of the smaller pieces: operator, kube-state-metrics, node-exporter. */
    readonly agents: ResourceSettings;
    /** Alertmanager receivers beyond the null receiver (the URL itself is the secret alertmanagerWebhookUrl). */
    readonly slackChannel?: string;
}

/** Values sealed elsewhere with kubeseal, by "<namespace>/<secret name>", then by key. */
export type PresealedSecrets = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** A web service around the platform (config `webServices`). */
export interface WebServiceSettings {
    /** DNS label; names the Deployment, Service and ServiceAccount. */
    readonly name: string;
    /** Prebuilt image, or… */
    readonly image?: string;
    /** …a build context in this repository (e.g. apps/sample-api), built by the image component. */
    readonly build?: string;
    /** Container port serving HTTP (and /metrics). */
    readonly port: number;
    /** Probe paths. */
    readonly health: { readonly startup: string; readonly liveness: string; readonly readiness: string };
    /** Path of the Prometheus metrics endpoint on the same port. */
    readonly metricsPath: string;
    /** Plain settings, delivered in a ConfigMap. */
    readonly env: Readonly<Record<string, string>>;
    /** Secret environment variables generated by the program (random), delivered sealed. */
    readonly generatedSecrets: readonly string[];
    /** A database of postgres.databases whose credentials the service gets (DATABASE_URL, PG*). */
    readonly database?: string;
    /** Fixed replicas, when there is no autoscaling. */
    readonly replicas: number;
    readonly autoscaling?: { readonly min: number; readonly max: number; readonly targetCpu: number };
    readonly resources: ResourceSettings;
    /** Published as https://<host>/<path…> (host: a name under the stack's domain, or a full name). */
    readonly ingress?: { readonly host: string; readonly path: string };
    /** Platform services it may reach: postgres, kafka, or another web service's name. */
    readonly dependsOn: readonly string[];
    /** How credentials reach the process: files (a mounted Secret, with <NAME>_FILE paths in env) or env (values in env). */
    readonly secrets: "files" | "env";
    /** Sign-in through the platform realm: a browser client whose logins return under the service's published URL. */
    readonly sso: boolean;
    /** Two coloured Deployments; the Service selects the active one. */
    readonly blueGreen?: { readonly active: "blue" | "green"; readonly images: Readonly<Partial<Record<"blue" | "green", string>>> };
}

/** The whole, validated configuration of one stack. */
export interface PlatformConfig {
    readonly project: string;
    readonly stack: string;
    readonly environment: Environment;
    /** Base DNS domain; services are published as `<service>.<domain>`. */
    readonly domain: string;
    readonly kubernetes: KubernetesSettings;
    readonly registry: RegistrySettings;
    readonly namespaces: NamespaceSettings;
    readonly postgres: PostgresSettings;
    readonly kafka: KafkaSettings;
    readonly connect: ConnectSettings;
    readonly schemaRegistry: SchemaRegistrySettings;
    readonly keycloak: KeycloakSettings;
    readonly objectStore: ObjectStoreSettings;
    readonly nessie: NessieSettings;
    readonly trino: TrinoSettings;
    readonly spark: SparkSettings;
    readonly flink: FlinkSettings;
    readonly install: InstallSettings;
    readonly edge: EdgeSettings;
    readonly tls: TlsSettings;
    readonly charts: ChartVersions;
    readonly sealedSecrets: PresealedSecrets;
    readonly webServices: readonly WebServiceSettings[];
    readonly observability: ObservabilitySettings;
    /** Secret webhook URL alerts are sent to (config key alertmanagerWebhookUrl); none: alerts stay in Alertmanager. */
    readonly alertWebhookUrl?: pulumi.Output<string>;
}
