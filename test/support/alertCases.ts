// Unit tests of the alert rules as data: synthetic series, a moment, and the alerts expected to
// fire then (exact labels and rendered description), or none. test/observability.spec.ts turns
// each case into a `promtool test rules` file.
import { Severity } from "../../components/observability/alerts";
import { resolveConfig } from "../../config";
import { rawConfigOf } from "./stacks";
import { selector } from "../../components/observability/promql";

/** The stack the cases are written for: prod, with the default namespace prefix and every backup tier. */
export const SAMPLE_CONFIG = resolveConfig(rawConfigOf("prod"));

export interface ExpectedAlert {
    readonly severity: Severity;
    readonly labels: Readonly<Record<string, string>>;
    readonly description: string;
}

export interface AlertCase {
    readonly alert: string;
    /** The situation, as a sentence ending the test's title. */
    readonly when: string;
    /** Spacing of the samples (default 1m). */
    readonly interval?: string;
    readonly series: readonly { readonly series: string; readonly values: string }[];
    /** When the alerts are evaluated, from the first sample. */
    readonly at: string;
    /** Alerts of this name firing at that moment; empty: it must stay quiet. */
    readonly fires: readonly ExpectedAlert[];
}

const DAY = 86400;
const series = (metric: string, labels: Readonly<Record<string, string>>, values: string) => ({ series: `${metric}${selector(labels)}`, values });
/** The same value for `samples` samples. */
const steady = (value: number, samples = 60) => `${value}x${samples}`;
/** A counter growing by `step` per sample. */
const growing = (step: number, samples = 60) => `0+${step}x${samples}`;

const storage = { namespace: "platform-storage" };
const member = (name: string) => ({ ...storage, scope: "postgres", name, pod: name, container: "patroni" });
const exporter = (pod: string) => ({ ...storage, pod, container: "exporter" });
const statefulSet = { ...storage, statefulset: "postgres", job: "kube-state-metrics" };
const cronJob = (tier: string) => ({ ...storage, cronjob: `postgres-backup-${tier}` });
const streaming = { namespace: "platform-streaming" };
const kafkaNode = (pod: string) => ({ ...streaming, pod, container: "kafka" });
const webapp = { namespace: "platform-apps", job: "webapp" };
const request = (status: string) => ({ ...webapp, method: "GET", route: "/api/items", status });
const bucket = (le: string) => ({ ...webapp, method: "GET", route: "/api/items", le });
const hpa = { namespace: "platform-apps", horizontalpodautoscaler: "webapp" };
const pvc = (namespace: string) => ({ namespace, persistentvolumeclaim: "data-kafka-0", job: "kubelet" });
const certificate = { namespace: "cert-manager", exported_namespace: "platform-edge", name: "platform-tls", issuer_name: "letsencrypt" };

/** A SeaweedFS StatefulSet of `replicas` with `ready` of them ready. */
const seaweedfsSet = (name: string, replicas: number, ready: number) => [
    series("kube_statefulset_replicas", { ...storage, statefulset: name, job: "kube-state-metrics" }, steady(replicas)),
    series("kube_statefulset_status_replicas_ready", { ...storage, statefulset: name, job: "kube-state-metrics" }, steady(ready)),
];
const weed = (pod: string) => ({ ...storage, pod, container: pod.replace(/^seaweedfs-([a-z]+).*$/, "$1") });
/** A volume server's 100 GiB disk with `freeGiB` free. */
const weedDisk = (freeGiB: number) => [
    series("SeaweedFS_volumeServer_resource", { ...weed("seaweedfs-volume-eu-west-1a-0"), name: "/data", type: "free" }, steady(freeGiB * 2 ** 30)),
    series("SeaweedFS_volumeServer_resource", { ...weed("seaweedfs-volume-eu-west-1a-0"), name: "/data", type: "all" }, steady(100 * 2 ** 30)),
];
const WEED_NO_LEADER = "No master of the object store in platform-storage reports itself leader (also when none can be scraped).";
/** The gateways answer 600 S3 requests a minute, `errors` of them with a 500. */
const s3Traffic = (errors: number) => [
    series("SeaweedFS_s3_request_total", { ...weed("seaweedfs-s3-abc"), type: "PUT", code: "200", bucket: "lakehouse" }, growing(600 - errors)),
    series("SeaweedFS_s3_request_total", { ...weed("seaweedfs-s3-abc"), type: "PUT", code: "500", bucket: "lakehouse" }, growing(errors)),
];

const NO_LEADER = "No member of Patroni cluster postgres in platform-storage has held the leader lock for a minute, or no member can be scraped. Failover normally completes within 40 s.";

/** Connections on postgres-0: `active` of 200 allowed. */
const connections = (active: number) => [
    series("pg_stat_activity_count", { ...exporter("postgres-0"), datname: "webapp", state: "active" }, steady(active)),
    series("pg_stat_activity_count", { ...exporter("postgres-0"), datname: "webapp", state: "idle" }, steady(0)),
    series("pg_settings_max_connections", exporter("postgres-0"), steady(200)),
];

/** postgres-0 is primary at 16 MiB of WAL; postgres-1 replays at `replayed` bytes. */
const replication = (replayed: number) => [
    series("patroni_xlog_location", member("postgres-0"), steady(16 * 1048576)),
    series("patroni_xlog_location", member("postgres-1"), steady(0)),
    series("patroni_xlog_replayed_location", member("postgres-0"), steady(0)),
    series("patroni_xlog_replayed_location", member("postgres-1"), steady(replayed)),
    series("patroni_replica", member("postgres-0"), steady(0)),
    series("patroni_replica", member("postgres-1"), steady(1)),
];

/** Each backup tier with its period in days (a month at its longest). */
const BACKUP_PERIODS: readonly [string, number][] = [
    ["daily", 1],
    ["weekly", 7],
    ["monthly", 31],
];
/** A backup tier's CronJob whose last success was `ago` seconds before the first sample. */
const lastBackup = (tier: string, ago: number, samples = 600) => series("kube_cronjob_status_last_successful_time", cronJob(tier), steady(-ago, samples));
const backupFired = (tier: string, age: string, every: string): ExpectedAlert => ({
    severity: "warning",
    labels: { ...cronJob(tier), tier },
    description: `postgres-backup-${tier} in platform-storage has not completed successfully for ${age}; the ${tier} tier should succeed at least every ${every}.`,
});

/** webapp answers 600 requests a minute, `errors` of them with a 500. */
const traffic = (errors: number) => [series("http_requests_total", request("200"), growing(600 - errors)), series("http_requests_total", request("500"), growing(errors))];

/** An autoscaler running `current` of at most 10 replicas. */
const autoscaler = (current: number) => [
    series("kube_horizontalpodautoscaler_status_current_replicas", hpa, steady(current)),
    series("kube_horizontalpodautoscaler_spec_max_replicas", hpa, steady(10)),
];

/** A 100 GiB volume with `usedGiB` in use. */
const volume = (namespace: string, usedGiB: number) => [
    series("kubelet_volume_stats_used_bytes", pvc(namespace), steady(usedGiB * 2 ** 30)),
    series("kubelet_volume_stats_capacity_bytes", pvc(namespace), steady(100 * 2 ** 30)),
];
const volumeFired = (severity: Severity, percent: string): ExpectedAlert => ({
    severity,
    labels: { namespace: "platform-streaming", persistentvolumeclaim: "data-kafka-0" },
    description: `platform-streaming/data-kafka-0 is ${percent} full.`,
});

/** A certificate that expires `seconds` after the first sample. */
const expiring = (seconds: number) => [series("certmanager_certificate_expiration_timestamp_seconds", certificate, steady(seconds, 180))];
const expiryFired = (severity: Severity, remaining: string): ExpectedAlert => ({
    severity,
    labels: certificate,
    description: `Certificate platform-tls in platform-edge expires in ${remaining}.`,
});

const readiness = (labels: Readonly<Record<string, string>>, condition: string) =>
    ["True", "False", "Unknown"].map((c) => series("certmanager_certificate_ready_status", { ...labels, condition: c }, steady(c === condition ? 1 : 0)));

const engines = { namespace: "platform-engines" };
/** The nessie Deployment of `replicas` with `available` of them available (kube-state-metrics). */
/** kube-state-metrics' series of a Deployment of `replicas` with `available` of them available. */
const deploymentSeries = (namespace: Readonly<Record<string, string>>, deployment: string) => (replicas: number, available: number) => [
    series("kube_deployment_spec_replicas", { ...namespace, deployment, job: "kube-state-metrics" }, steady(replicas)),
    series("kube_deployment_status_replicas_available", { ...namespace, deployment, job: "kube-state-metrics" }, steady(available)),
];
const nessieDeployment = deploymentSeries(engines, "nessie");
const NESSIE_DOWN = "The nessie Deployment in platform-engines has no available replica.";
const registryDeployment = deploymentSeries(streaming, "schema-registry");
const management = { namespace: "platform-management" };
const keycloakDeployment = deploymentSeries(management, "keycloak");
const keycloakNode = (pod: string) => ({ ...management, job: "keycloak", pod, container: "keycloak" });
/** The registry answers 600 API requests a minute, `errors` of them with a 5xx status. */
const registryTraffic = (errors: number) => [
    series("rest_requests_count_total", { ...streaming, job: "schema-registry", pod: "schema-registry-abc", method: "GET", path: "/apis/ccompat/v7/schemas/ids/{id}", status_code_group: "2xx" }, growing(600 - errors, 30)),
    series("rest_requests_count_total", { ...streaming, job: "schema-registry", pod: "schema-registry-abc", method: "GET", path: "/apis/ccompat/v7/schemas/ids/{id}", status_code_group: "5xx" }, growing(errors, 30)),
];
const connectDeployment = deploymentSeries(streaming, "connect");
/** A series of a Connect worker's JMX exporter (job connect). */
const connectWorker = (metric: string, labels: Readonly<Record<string, string>>, values: string) => series(metric, { ...streaming, job: "connect", pod: "connect-7d9f-abcde", container: "connect", ...labels }, values);
/** postgres_exporter of a member that is the primary (or not), with one logical slot's series. */
const slotOn = (pod: string, primary: boolean, slot: Readonly<Record<string, string>>) => [
    series("pg_replication_is_replica", exporter(pod), steady(primary ? 0 : 1)),
    ...Object.entries(slot).map(([metric, values]) => series(metric, { ...exporter(pod), slot_name: "debezium_orders", slot_type: "logical" }, values)),
];
const slotLabels = (pod: string) => ({ ...storage, pod, slot_name: "debezium_orders" });
/** Nessie answers 600 API requests a minute, `errors` of them with a 500. */
const nessieTraffic = (errors: number) => [
    series("http_server_requests_seconds_count", { ...engines, pod: "nessie-abc", method: "GET", outcome: "SUCCESS", status: "200", uri: "/iceberg/v1/{prefix}/namespaces/{namespace}/tables/{table}" }, growing(600 - errors)),
    series("http_server_requests_seconds_count", { ...engines, pod: "nessie-abc", method: "GET", outcome: "SERVER_ERROR", status: "500", uri: "/iceberg/v1/{prefix}/namespaces/{namespace}/tables/{table}" }, growing(errors)),
];
/** The version store's calls to PostgreSQL failing 60 times a minute with `exception`. */
const persistFailures = (exception: string) => [series("nessie_storage_persist_total", { ...engines, pod: "nessie-abc", method: "fetchTypedObjs", result: "failure", exception }, growing(60))];

const trinoCoordinator = (available: number) => [series("kube_deployment_status_replicas_available", { ...engines, deployment: "trino-coordinator", job: "kube-state-metrics" }, steady(available))];
const TRINO_DOWN = "The trino-coordinator Deployment in platform-engines has no available replica.";
/** A gauge of the coordinator's /metrics (job trino-coordinator). */
const trinoGauge = (metric: string, value: number) => [series(metric, { ...engines, job: "trino-coordinator", pod: "trino-coordinator-abc" }, steady(value))];

/** A Job of the maintenance CronJob that started `minutesAgo` before the evaluation and has `failed` failed pods. */
const sparkJob = (failed: number, startedAt: number) => [
    series("kube_job_status_failed", { ...engines, job_name: "spark-iceberg-maintenance-29000000", reason: "BackoffLimitExceeded", job: "kube-state-metrics" }, steady(failed)),
    series("kube_job_status_start_time", { ...engines, job_name: "spark-iceberg-maintenance-29000000", job: "kube-state-metrics" }, steady(startedAt)),
];

/** A gauge of the leading JobManager's reporter (job flink-jobmanager). */
const flinkLeader = (metric: string, values: string, labels: Readonly<Record<string, string>> = {}) => [
    series(metric, { ...engines, job: "flink-jobmanager", pod: "flink-jobmanager-abc", host: "10_0_0_5", ...labels }, values),
];
const flinkJobLabels = { job_name: "orders-enrichment", job_id: "4f1c" };

export const ALERT_CASES: readonly AlertCase[] = [
    {
        alert: "PostgresNoLeader",
        when: "the members run but none holds the leader lock",
        series: [series("patroni_primary", member("postgres-0"), steady(0)), series("patroni_primary", member("postgres-1"), steady(0))],
        at: "5m",
        fires: [{ severity: "critical", labels: { namespace: "platform-storage", scope: "postgres" }, description: NO_LEADER }],
    },
    {
        alert: "PostgresNoLeader",
        when: "no member can be scraped at all",
        series: [],
        at: "5m",
        fires: [{ severity: "critical", labels: { namespace: "platform-storage", scope: "postgres" }, description: NO_LEADER }],
    },
    {
        alert: "PostgresNoLeader",
        when: "one member is primary",
        series: [series("patroni_primary", member("postgres-0"), steady(1)), series("patroni_primary", member("postgres-1"), steady(0))],
        at: "5m",
        fires: [],
    },
    {
        alert: "PostgresMemberDown",
        when: "one of three members has not been ready for 5 minutes",
        series: [series("kube_statefulset_replicas", statefulSet, steady(3)), series("kube_statefulset_status_replicas_ready", statefulSet, steady(2))],
        at: "10m",
        fires: [
            {
                severity: "warning",
                labels: { namespace: "platform-storage", statefulset: "postgres" },
                description: "1 member(s) of postgres in platform-storage have not been ready for 5 minutes.",
            },
        ],
    },
    {
        alert: "PostgresReplicationLagHigh",
        when: "a replica is 2 MiB of WAL behind the primary",
        series: replication(14 * 1048576),
        at: "10m",
        fires: [
            {
                severity: "warning",
                labels: member("postgres-1"),
                description: "Replica postgres-1 of postgres is 2MiB of WAL behind the primary; Patroni does not fail over to a replica more than 1 MiB behind.",
            },
        ],
    },
    {
        alert: "PostgresReplicationLagHigh",
        when: "a replica is 512 KiB behind",
        series: replication(16 * 1048576 - 512 * 1024),
        at: "10m",
        fires: [],
    },
    {
        alert: "PostgresConnectionsNearMax",
        when: "165 of 200 connections are in use (warning only)",
        series: connections(165),
        at: "10m",
        fires: [{ severity: "warning", labels: { namespace: "platform-storage", pod: "postgres-0" }, description: "postgres-0 in platform-storage uses 82.5% of max_connections." }],
    },
    {
        alert: "PostgresConnectionsNearMax",
        when: "195 of 200 connections are in use (warning and critical)",
        series: connections(195),
        at: "10m",
        fires: ["warning", "critical"].map((severity) => ({
            severity: severity as Severity,
            labels: { namespace: "platform-storage", pod: "postgres-0" },
            description: "postgres-0 in platform-storage uses 97.5% of max_connections.",
        })),
    },
    ...BACKUP_PERIODS.map(([tier, days]) => ({
        alert: "PostgresBackupTooOld",
        when: `the ${tier} backup last succeeded ${days}d 9h ago`,
        series: [lastBackup(tier, days * DAY)],
        at: "9h",
        fires: [backupFired(tier, `${days}d 9h 0m 0s`, `${days}d 8h`)],
    })),
    {
        alert: "PostgresBackupTooOld",
        when: "the daily backup last succeeded 1d 7h ago",
        series: [lastBackup("daily", DAY)],
        at: "7h",
        fires: [],
    },
    {
        alert: "PostgresBackupTooOld",
        when: "the daily CronJob was created 1d 9h ago and never succeeded",
        series: [series("kube_cronjob_created", cronJob("daily"), steady(-DAY, 600))],
        at: "9h",
        fires: [backupFired("daily", "1d 9h 0m 0s", "1d 8h")],
    },
    {
        alert: "PostgresBackupTooOld",
        when: "the overdue daily CronJob is suspended",
        series: [lastBackup("daily", DAY), series("kube_cronjob_spec_suspend", cronJob("daily"), steady(1, 600))],
        at: "9h",
        fires: [],
    },
    {
        alert: "KafkaUnderReplicatedPartitions",
        when: "a broker has led 2 under-replicated partitions for 10 minutes",
        series: [series("kafka_server_replicamanager_underreplicatedpartitions", kafkaNode("kafka-broker-0"), steady(2))],
        at: "15m",
        fires: [
            {
                severity: "warning",
                labels: { namespace: "platform-streaming", pod: "kafka-broker-0" },
                description: "kafka-broker-0 in platform-streaming leads 2 partition(s) with fewer in-sync replicas than replicas.",
            },
        ],
    },
    {
        alert: "KafkaOfflinePartitions",
        when: "three controllers each report the same 3 offline partitions",
        series: ["kafka-controller-0", "kafka-controller-1", "kafka-controller-2"].map((pod) => series("kafka_controller_kafkacontroller_offlinepartitionscount", kafkaNode(pod), steady(3))),
        at: "5m",
        fires: [{ severity: "critical", labels: streaming, description: "3 partition(s) of the Kafka cluster in platform-streaming have no leader." }],
    },
    {
        alert: "KafkaActiveControllerCount",
        when: "two controllers both claim to be active",
        series: ["kafka-controller-0", "kafka-controller-1"].map((pod) => series("kafka_controller_kafkacontroller_activecontrollercount", kafkaNode(pod), steady(1))),
        at: "5m",
        fires: [{ severity: "critical", labels: streaming, description: "The Kafka cluster in platform-streaming reports 2 active controllers (0 also when no node can be scraped)." }],
    },
    {
        alert: "KafkaActiveControllerCount",
        when: "no Kafka node can be scraped",
        series: [],
        at: "5m",
        fires: [{ severity: "critical", labels: streaming, description: "The Kafka cluster in platform-streaming reports 0 active controllers (0 also when no node can be scraped)." }],
    },
    {
        alert: "KafkaActiveControllerCount",
        when: "exactly one of three controllers is active",
        series: ["kafka-controller-0", "kafka-controller-1", "kafka-controller-2"].map((pod, i) =>
            series("kafka_controller_kafkacontroller_activecontrollercount", kafkaNode(pod), steady(i === 0 ? 1 : 0)),
        ),
        at: "5m",
        fires: [],
    },
    {
        alert: "KafkaIsrShrinking",
        when: "a broker's in-sync replica sets have shrunk every 10 seconds for 20 minutes",
        series: [series("kafka_server_replicamanager_isrshrinks_total", kafkaNode("kafka-broker-1"), growing(6))],
        at: "25m",
        fires: [
            {
                severity: "warning",
                labels: { namespace: "platform-streaming", pod: "kafka-broker-1" },
                description: "In-sync replica sets on kafka-broker-1 in platform-streaming have been shrinking for 15 minutes (0.1 per second).",
            },
        ],
    },
    {
        alert: "WebServiceErrorRateHigh",
        when: "10% of a service's requests fail with 500",
        series: traffic(60),
        at: "20m",
        fires: [{ severity: "critical", labels: webapp, description: "webapp in platform-apps answered 10% of its requests with a 5xx status over 5 minutes." }],
    },
    {
        alert: "WebServiceErrorRateHigh",
        when: "1% of a service's requests fail",
        series: traffic(6),
        at: "20m",
        fires: [],
    },
    {
        alert: "WebServiceLatencyHigh",
        when: "10% of requests take between 1 s and 2.5 s",
        series: [series("http_request_duration_seconds_bucket", bucket("0.5"), growing(50)), series("http_request_duration_seconds_bucket", bucket("1"), growing(90))].concat(
            ["2.5", "+Inf"].map((le) => series("http_request_duration_seconds_bucket", bucket(le), growing(100))),
        ),
        at: "25m",
        fires: [{ severity: "warning", labels: webapp, description: "The 99th percentile latency of webapp in platform-apps is 2.35s (limit 1s)." }],
    },
    {
        alert: "PlatformPodRestarting",
        when: "a container restarts every 3 minutes",
        interval: "3m",
        series: [series("kube_pod_container_status_restarts_total", { ...kafkaNode("kafka-0"), uid: "0f1e" }, growing(1, 20))],
        at: "27m",
        fires: [
            {
                severity: "warning",
                labels: { namespace: "platform-streaming", pod: "kafka-0", container: "kafka" },
                description: "Container kafka of platform-streaming/kafka-0 restarted 5 times in 15 minutes.",
            },
        ],
    },
    {
        alert: "PlatformPodRestarting",
        when: "a container outside the platform's namespaces restarts",
        interval: "3m",
        series: [series("kube_pod_container_status_restarts_total", { namespace: "kube-system", pod: "coredns-0", container: "coredns", uid: "0f1f" }, growing(1, 20))],
        at: "27m",
        fires: [],
    },
    {
        alert: "PlatformHpaAtMaxReplicas",
        when: "an autoscaler has run its 10 of 10 replicas for 35 minutes",
        series: autoscaler(10),
        at: "35m",
        fires: [{ severity: "warning", labels: hpa, description: "platform-apps/webapp has run 10 replicas, its maximum, for 30 minutes." }],
    },
    {
        alert: "PlatformHpaAtMaxReplicas",
        when: "an autoscaler runs 7 of 10 replicas",
        series: autoscaler(7),
        at: "35m",
        fires: [],
    },
    {
        alert: "PlatformVolumeFillingUp",
        when: "a volume is 90% full (warning only)",
        series: volume("platform-streaming", 90),
        at: "15m",
        fires: [volumeFired("warning", "90%")],
    },
    {
        alert: "PlatformVolumeFillingUp",
        when: "a volume is 97% full (warning and critical)",
        series: volume("platform-streaming", 97),
        at: "15m",
        fires: [volumeFired("warning", "97%"), volumeFired("critical", "97%")],
    },
    {
        alert: "PlatformVolumeFillingUp",
        when: "a full volume is outside the platform's namespaces",
        series: volume("kube-system", 99),
        at: "15m",
        fires: [],
    },
    {
        alert: "CertificateExpiringSoon",
        when: "a certificate expires in 10 days (warning only)",
        series: expiring(10 * DAY),
        at: "2h",
        fires: [expiryFired("warning", "9d 22h 0m 0s")],
    },
    {
        alert: "CertificateExpiringSoon",
        when: "a certificate expires in 2 days (warning and critical)",
        series: expiring(2 * DAY),
        at: "2h",
        fires: [expiryFired("warning", "1d 22h 0m 0s"), expiryFired("critical", "1d 22h 0m 0s")],
    },
    {
        alert: "CertificateExpiringSoon",
        when: "a certificate is not issued yet, its expiry 0",
        series: expiring(0),
        at: "2h",
        fires: [],
    },
    {
        alert: "CertificateNotReady",
        when: "a certificate has been Ready=False for 20 minutes (scraped without honorLabels)",
        series: readiness(certificate, "False"),
        at: "20m",
        fires: [{ severity: "warning", labels: { ...certificate, condition: "False" }, description: "Certificate platform-tls in platform-edge has had Ready=False for 15 minutes." }],
    },
    {
        alert: "CertificateNotReady",
        when: "a certificate's readiness is Unknown (scraped with honorLabels)",
        series: readiness({ namespace: "platform-edge", name: "platform-tls" }, "Unknown"),
        at: "20m",
        fires: [
            {
                severity: "warning",
                labels: { namespace: "platform-edge", name: "platform-tls", condition: "Unknown" },
                description: "Certificate platform-tls in platform-edge has had Ready=Unknown for 15 minutes.",
            },
        ],
    },
    {
        alert: "CertificateNotReady",
        when: "a certificate is ready",
        series: readiness(certificate, "True"),
        at: "20m",
        fires: [],
    },
    {
        alert: "SeaweedfsMasterDown",
        when: "one of three masters has not been ready for 5 minutes",
        series: seaweedfsSet("seaweedfs-master", 3, 2),
        at: "10m",
        fires: [{ severity: "warning", labels: { namespace: "platform-storage", statefulset: "seaweedfs-master" }, description: "1 master(s) of seaweedfs-master in platform-storage are not ready." }],
    },
    {
        alert: "SeaweedfsMasterDown",
        when: "every master is ready",
        series: seaweedfsSet("seaweedfs-master", 3, 3),
        at: "10m",
        fires: [],
    },
    {
        alert: "SeaweedfsVolumeServerDown",
        when: "a volume server of one zone has not been ready for 5 minutes",
        series: [...seaweedfsSet("seaweedfs-volume-eu-west-1a", 3, 2), ...seaweedfsSet("seaweedfs-volume-eu-west-1b", 3, 3)],
        at: "10m",
        fires: [
            {
                severity: "warning",
                labels: { namespace: "platform-storage", statefulset: "seaweedfs-volume-eu-west-1a" },
                description: "1 volume server(s) of seaweedfs-volume-eu-west-1a in platform-storage are not ready.",
            },
        ],
    },
    {
        alert: "SeaweedfsNoLeader",
        when: "the masters run but none leads",
        series: ["0", "1", "2"].map((i) => series("SeaweedFS_master_is_leader", weed(`seaweedfs-master-${i}`), steady(0))),
        at: "5m",
        fires: [{ severity: "critical", labels: { namespace: "platform-storage" }, description: WEED_NO_LEADER }],
    },
    {
        alert: "SeaweedfsNoLeader",
        when: "no master can be scraped",
        series: [],
        at: "5m",
        fires: [{ severity: "critical", labels: { namespace: "platform-storage" }, description: WEED_NO_LEADER }],
    },
    {
        alert: "SeaweedfsNoLeader",
        when: "one master leads",
        series: ["0", "1", "2"].map((i) => series("SeaweedFS_master_is_leader", weed(`seaweedfs-master-${i}`), steady(i === "1" ? 1 : 0))),
        at: "5m",
        fires: [],
    },
    {
        alert: "SeaweedfsFreeSpaceLow",
        when: "a volume server has 10% of its disk free",
        series: weedDisk(10),
        at: "20m",
        fires: [{ severity: "warning", labels: { namespace: "platform-storage", pod: "seaweedfs-volume-eu-west-1a-0" }, description: "seaweedfs-volume-eu-west-1a-0 in platform-storage has 10% of its disk free." }],
    },
    {
        alert: "SeaweedfsFreeSpaceLow",
        when: "a volume server has 5% of its disk free",
        series: weedDisk(5),
        at: "20m",
        fires: ["warning", "critical"].map((severity) => ({ severity: severity as Severity, labels: { namespace: "platform-storage", pod: "seaweedfs-volume-eu-west-1a-0" }, description: "seaweedfs-volume-eu-west-1a-0 in platform-storage has 5% of its disk free." })),
    },
    {
        alert: "SeaweedfsFreeSpaceLow",
        when: "a volume server has half its disk free",
        series: weedDisk(50),
        at: "20m",
        fires: [],
    },
    {
        alert: "SeaweedfsS3ErrorsHigh",
        when: "a tenth of S3 requests fail with 500 for 15 minutes",
        series: s3Traffic(60),
        at: "30m",
        fires: [{ severity: "warning", labels: { namespace: "platform-storage" }, description: "S3 requests to the object store in platform-storage: 10% end in a 5xx status." }],
    },
    {
        alert: "SeaweedfsS3ErrorsHigh",
        when: "1% of S3 requests fail",
        series: s3Traffic(6),
        at: "30m",
        fires: [],
    },
    {
        alert: "SealedSecretsUnsealFailing",
        when: "the controller fails to unseal once a minute",
        series: [series("sealed_secrets_controller_unseal_errors_total", { namespace: "platform-management", pod: "sealed-secrets-0", reason: "unseal" }, growing(1))],
        at: "20m",
        fires: [{ severity: "warning", labels: { reason: "unseal" }, description: "The sealed-secrets controller failed 15 time(s) in 15 minutes (unseal errors)." }],
    },
    {
        alert: "NessieDown",
        when: "no replica of the nessie Deployment is available",
        series: nessieDeployment(2, 0),
        at: "5m",
        fires: [{ severity: "critical", labels: engines, description: NESSIE_DOWN }],
    },
    {
        alert: "NessieDown",
        when: "kube-state-metrics has no series of the Deployment",
        series: [],
        at: "5m",
        fires: [{ severity: "critical", labels: engines, description: NESSIE_DOWN }],
    },
    {
        alert: "NessieDown",
        when: "both replicas are available",
        series: nessieDeployment(2, 2),
        at: "5m",
        fires: [],
    },
    {
        alert: "NessieReplicasUnavailable",
        when: "one of two replicas has not been available for 10 minutes",
        series: nessieDeployment(2, 1),
        at: "15m",
        fires: [{ severity: "warning", labels: engines, description: "1 replica(s) of the nessie Deployment in platform-engines are not available." }],
    },
    {
        alert: "NessieErrorsHigh",
        when: "a tenth of API requests fail with 500 for 15 minutes",
        series: nessieTraffic(60),
        at: "30m",
        fires: [{ severity: "warning", labels: engines, description: "API requests to Nessie in platform-engines: 10% end in a 5xx status." }],
    },
    {
        alert: "NessieErrorsHigh",
        when: "1% of API requests fail",
        series: nessieTraffic(6),
        at: "30m",
        fires: [],
    },
    {
        alert: "NessieVersionStoreFailing",
        when: "calls to PostgreSQL fail once a second",
        series: persistFailures("SQLException"),
        at: "30m",
        fires: [{ severity: "warning", labels: engines, description: "The version store of Nessie in platform-engines fails 1 calls per second to PostgreSQL." }],
    },
    {
        alert: "NessieVersionStoreFailing",
        when: "only reads of absent objects fail (ordinary on commits)",
        series: persistFailures("ObjNotFoundException"),
        at: "30m",
        fires: [],
    },
    {
        alert: "TrinoCoordinatorDown",
        when: "the coordinator has no available replica",
        series: trinoCoordinator(0),
        at: "5m",
        fires: [{ severity: "critical", labels: engines, description: TRINO_DOWN }],
    },
    {
        alert: "TrinoCoordinatorDown",
        when: "kube-state-metrics has no series of the coordinator's Deployment",
        series: [],
        at: "5m",
        fires: [{ severity: "critical", labels: engines, description: TRINO_DOWN }],
    },
    {
        alert: "TrinoCoordinatorDown",
        when: "the coordinator is available",
        series: trinoCoordinator(1),
        at: "5m",
        fires: [],
    },
    {
        alert: "TrinoQueriesQueued",
        when: "3 queries have been queued for 20 minutes",
        series: trinoGauge("trino_execution_name_QueryManager_QueuedQueries", 3),
        at: "20m",
        fires: [{ severity: "warning", labels: engines, description: "3 queries are queued on the Trino coordinator in platform-engines." }],
    },
    {
        alert: "TrinoQueriesQueued",
        when: "no query waits",
        series: trinoGauge("trino_execution_name_QueryManager_QueuedQueries", 0),
        at: "20m",
        fires: [],
    },
    {
        alert: "TrinoWorkersMissing",
        when: "the coordinator has seen 2 of prod's 3 workers (3 active nodes with itself) for 15 minutes",
        series: trinoGauge("trino_metadata_name_DiscoveryNodeManager_ActiveNodeCount", 3),
        at: "15m",
        fires: [{ severity: "warning", labels: engines, description: "The Trino coordinator in platform-engines sees 2 active workers of 3." }],
    },
    {
        alert: "TrinoWorkersMissing",
        when: "all 3 workers and the coordinator are active",
        series: trinoGauge("trino_metadata_name_DiscoveryNodeManager_ActiveNodeCount", 4),
        at: "15m",
        fires: [],
    },
    {
        alert: "SparkJobFailed",
        when: "the maintenance job's run of this hour failed",
        series: sparkJob(1, 0),
        at: "30m",
        fires: [{ severity: "warning", labels: { ...engines, job_name: "spark-iceberg-maintenance-29000000" }, description: "The Job spark-iceberg-maintenance-29000000 in platform-engines failed within the last day." }],
    },
    {
        alert: "SparkJobFailed",
        when: "the maintenance job's run succeeded",
        series: sparkJob(0, 0),
        at: "30m",
        fires: [],
    },
    {
        alert: "SparkJobFailed",
        when: "the failed run started two days ago (the next runs are Jobs of their own)",
        interval: "1h",
        series: sparkJob(1, 0),
        at: "49h",
        fires: [],
    },
    {
        alert: "FlinkJobManagerLeaderMissing",
        when: "no JobManager reports the leader's slots gauge",
        series: [],
        at: "5m",
        fires: [{ severity: "critical", labels: engines, description: "No JobManager in platform-engines reports the leader's ResourceManager gauges." }],
    },
    {
        alert: "FlinkJobManagerLeaderMissing",
        when: "the leader reports 12 slots",
        series: flinkLeader("flink_jobmanager_taskSlotsTotal", steady(12)),
        at: "5m",
        fires: [],
    },
    {
        alert: "FlinkTaskManagersMissing",
        when: "2 of prod's 3 TaskManagers have been registered for 15 minutes",
        series: flinkLeader("flink_jobmanager_numRegisteredTaskManagers", steady(2)),
        at: "15m",
        fires: [{ severity: "warning", labels: engines, description: "The Flink leader in platform-engines has 2 TaskManagers of 3." }],
    },
    {
        alert: "FlinkTaskManagersMissing",
        when: "all 3 TaskManagers are registered",
        series: flinkLeader("flink_jobmanager_numRegisteredTaskManagers", steady(3)),
        at: "15m",
        fires: [],
    },
    {
        alert: "FlinkCheckpointsFailing",
        when: "every checkpoint of a job has failed for 20 minutes (one a minute)",
        series: flinkLeader("flink_jobmanager_job_numberOfFailedCheckpoints", growing(1), flinkJobLabels),
        at: "20m",
        fires: [{ severity: "warning", labels: { ...engines, job_name: "orders-enrichment" }, description: "15 checkpoints of orders-enrichment in platform-engines failed within 15m." }],
    },
    {
        alert: "FlinkCheckpointsFailing",
        when: "the job's 4 failed checkpoints are older than the window",
        series: flinkLeader("flink_jobmanager_job_numberOfFailedCheckpoints", steady(4), flinkJobLabels),
        at: "20m",
        fires: [],
    },
    {
        alert: "FlinkJobRestarting",
        when: "a job restarts every minute",
        series: flinkLeader("flink_jobmanager_job_numRestarts", growing(1), flinkJobLabels),
        at: "20m",
        fires: [{ severity: "warning", labels: { ...engines, job_name: "orders-enrichment" }, description: "orders-enrichment in platform-engines restarted 15 times within 15m." }],
    },
    {
        alert: "FlinkJobRestarting",
        when: "the job restarted once, an hour ago",
        series: flinkLeader("flink_jobmanager_job_numRestarts", steady(1), flinkJobLabels),
        at: "20m",
        fires: [],
    },
    {
        alert: "ConnectDown",
        when: "no worker of the connect Deployment is available",
        series: connectDeployment(3, 0),
        at: "5m",
        fires: [{ severity: "critical", labels: streaming, description: "The connect Deployment in platform-streaming has no available worker." }],
    },
    {
        alert: "ConnectDown",
        when: "kube-state-metrics has no series of the Deployment",
        series: [],
        at: "5m",
        fires: [{ severity: "critical", labels: streaming, description: "The connect Deployment in platform-streaming has no available worker." }],
    },
    {
        alert: "ConnectWorkersUnavailable",
        when: "one of three workers has not been available for 15 minutes",
        series: connectDeployment(3, 2),
        at: "15m",
        fires: [{ severity: "warning", labels: streaming, description: "1 worker(s) of the connect Deployment in platform-streaming are not available." }],
    },
    {
        alert: "ConnectWorkersUnavailable",
        when: "all three workers are available",
        series: connectDeployment(3, 3),
        at: "15m",
        fires: [],
    },
    {
        alert: "ConnectConnectorFailed",
        when: "the worker running a connector reports it FAILED for 5 minutes",
        series: [connectWorker("kafka_connect_connector_status", { connector: "orders", status: "failed" }, steady(1))],
        at: "5m",
        fires: [{ severity: "critical", labels: { ...streaming, connector: "orders" }, description: "Connector orders in platform-streaming is in state FAILED." }],
    },
    {
        alert: "ConnectConnectorFailed",
        when: "the connector is RUNNING",
        series: [connectWorker("kafka_connect_connector_status", { connector: "orders", status: "running" }, steady(1))],
        at: "5m",
        fires: [],
    },
    {
        alert: "ConnectTaskFailed",
        when: "a worker counts one failed task of a connector",
        series: [connectWorker("kafka_connect_worker_connector_failed_task_count", { connector: "orders" }, steady(1))],
        at: "5m",
        fires: [{ severity: "critical", labels: { ...streaming, connector: "orders" }, description: "1 task(s) of connector orders in platform-streaming are in state FAILED." }],
    },
    {
        alert: "ConnectTaskFailed",
        when: "no task has failed",
        series: [connectWorker("kafka_connect_worker_connector_failed_task_count", { connector: "orders" }, steady(0))],
        at: "5m",
        fires: [],
    },
    {
        alert: "CdcSlotInactive",
        when: "the primary's slot has had no consumer for 20 minutes, and the replica keeps its copy inactive as Patroni does",
        series: [...slotOn("postgres-0", true, { pg_replication_slot_slot_is_active: steady(0) }), ...slotOn("postgres-1", false, { pg_replication_slot_slot_is_active: steady(0) })],
        at: "20m",
        fires: [{ severity: "warning", labels: slotLabels("postgres-0"), description: "Slot debezium_orders on postgres-0 in platform-storage has had no consumer for 15 minutes." }],
    },
    {
        alert: "CdcSlotInactive",
        when: "the connector reads the primary's slot (the replica's copy is inactive by design)",
        series: [...slotOn("postgres-0", true, { pg_replication_slot_slot_is_active: steady(1) }), ...slotOn("postgres-1", false, { pg_replication_slot_slot_is_active: steady(0) })],
        at: "20m",
        fires: [],
    },
    {
        alert: "CdcSlotLagGrowing",
        when: "the slot's connector confirms nothing while the primary writes 100 MiB of WAL a minute for an hour",
        series: slotOn("postgres-0", true, { pg_replication_slot_slot_current_wal_lsn: `${2 ** 30}+${100 * 2 ** 20}x60`, pg_replication_slot_slot_confirmed_flush_lsn: steady(2 ** 30) }),
        at: "60m",
        fires: [{ severity: "warning", labels: { ...storage, slot_name: "debezium_orders" }, description: "Slot debezium_orders in platform-storage holds 5.859GiB of WAL and grew over the last 30m." }],
    },
    {
        alert: "CdcSlotLagGrowing",
        when: "the slot holds 2 GiB after a burst but its connector keeps up since",
        series: slotOn("postgres-0", true, { pg_replication_slot_slot_current_wal_lsn: `${4 * 2 ** 30}+${10 * 2 ** 20}x60`, pg_replication_slot_slot_confirmed_flush_lsn: `${2 * 2 ** 30}+${10 * 2 ** 20}x60` }),
        at: "60m",
        fires: [],
    },
    {
        alert: "CdcSlotNearInvalidation",
        when: "prod's slot may hold only 4 GiB more WAL (max_slot_wal_keep_size 25 GB)",
        series: slotOn("postgres-0", true, { pg_replication_slot_safe_wal_size_bytes: steady(4 * 2 ** 30) }),
        at: "10m",
        fires: [{ severity: "critical", labels: slotLabels("postgres-0"), description: "Slot debezium_orders on postgres-0 may hold only 4GiB more WAL before PostgreSQL invalidates it (less than 20% of max_slot_wal_keep_size)." }],
    },
    {
        alert: "CdcSlotNearInvalidation",
        when: "the slot may hold 20 GiB more",
        series: slotOn("postgres-0", true, { pg_replication_slot_safe_wal_size_bytes: steady(20 * 2 ** 30) }),
        at: "10m",
        fires: [],
    },
    {
        alert: "SchemaRegistryDown",
        when: "no replica of the schema-registry Deployment is available",
        series: registryDeployment(2, 0),
        at: "5m",
        fires: [{ severity: "critical", labels: streaming, description: "The schema-registry Deployment in platform-streaming has no available replica." }],
    },
    {
        alert: "SchemaRegistryDown",
        when: "both replicas are available",
        series: registryDeployment(2, 2),
        at: "5m",
        fires: [],
    },
    {
        alert: "SchemaRegistryReplicasUnavailable",
        when: "one of two replicas has not been available for 15 minutes",
        series: registryDeployment(2, 1),
        at: "15m",
        fires: [{ severity: "warning", labels: streaming, description: "1 replica(s) of the schema-registry Deployment in platform-streaming are not available." }],
    },
    {
        alert: "SchemaRegistryErrorsHigh",
        when: "a tenth of API requests fail with a 5xx status for 25 minutes",
        series: registryTraffic(60),
        at: "25m",
        fires: [{ severity: "warning", labels: streaming, description: "API requests to the schema registry in platform-streaming: 10% end in a 5xx status." }],
    },
    {
        alert: "SchemaRegistryErrorsHigh",
        when: "one request in a thousand fails",
        series: registryTraffic(0.6),
        at: "25m",
        fires: [],
    },
    {
        alert: "KeycloakDown",
        when: "no replica of the keycloak Deployment is available",
        series: keycloakDeployment(2, 0),
        at: "5m",
        fires: [{ severity: "critical", labels: management, description: "The keycloak Deployment in platform-management has no available replica." }],
    },
    {
        alert: "KeycloakReplicasUnavailable",
        when: "one of two replicas has not been available for 15 minutes",
        series: keycloakDeployment(2, 1),
        at: "15m",
        fires: [{ severity: "warning", labels: management, description: "1 replica(s) of the keycloak Deployment in platform-management are not available." }],
    },
    {
        alert: "KeycloakClusterSplit",
        when: "each of prod's two replicas sees only itself for 15 minutes",
        series: [series("vendor_cluster_size", keycloakNode("keycloak-a"), steady(1)), series("vendor_cluster_size", keycloakNode("keycloak-b"), steady(1))],
        at: "15m",
        fires: [{ severity: "warning", labels: management, description: "A Keycloak replica in platform-management sees a cluster of 1 of 2 members." }],
    },
    {
        alert: "KeycloakClusterSplit",
        when: "both replicas see both",
        series: [series("vendor_cluster_size", keycloakNode("keycloak-a"), steady(2)), series("vendor_cluster_size", keycloakNode("keycloak-b"), steady(2))],
        at: "15m",
        fires: [],
    },
    {
        alert: "KeycloakFailedLoginsHigh",
        when: "three logins a second fail with wrong passwords for 25 minutes",
        series: [series("keycloak_user_events_total", { ...keycloakNode("keycloak-a"), event: "login", error: "invalid_user_credentials", realm: "platform", client_id: "grafana" }, growing(180, 30))],
        at: "25m",
        fires: [{ severity: "warning", labels: management, description: "Keycloak in platform-management refuses 3 logins per second." }],
    },
    {
        alert: "KeycloakFailedLoginsHigh",
        when: "logins succeed, one failure a minute",
        series: [
            series("keycloak_user_events_total", { ...keycloakNode("keycloak-a"), event: "login", error: "", realm: "platform", client_id: "grafana" }, growing(600, 30)),
            series("keycloak_user_events_total", { ...keycloakNode("keycloak-a"), event: "login", error: "invalid_user_credentials", realm: "platform", client_id: "grafana" }, growing(1, 30)),
        ],
        at: "25m",
        fires: [],
    },
];
