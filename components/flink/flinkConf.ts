// Flink's conf/config.yaml, rendered from the stack's settings: one file for the JobManagers and
// the TaskManagers (each reads its own memory key). Pure: the same function renders the ConfigMap
// and the file the e2e's MiniCluster starts with (e2e/flink), which reads every key back through
// Flink's typed ConfigOptions and fails on one it does not know.
import * as yaml from "js-yaml";
import { parseQuantity } from "../../config/quantity";
import { FlinkSettings } from "../../config/types";

/**
 * Flink 1.20.1: the newest 1.20 patch whose S3 file system and Prometheus reporter Maven Central
 * serves here (1.20.2 to 1.20.4 answer 404 for flink-s3-fs-hadoop), so the image's plugins and the
 * e2e's are the same files. images/flink/Dockerfile pins the same version (a test holds them equal).
 */
export const FLINK_VERSION = "1.20.1";
/** The image's flink user and group (uid 9999). */
export const FLINK_UID = 9999;

export const FLINK_PORTS = {
    /** JobManager RPC (TaskManagers register, clients submit through the dispatcher). */
    rpc: 6123,
    /** Blob server: job jars and large task payloads. */
    blob: 6124,
    /** REST API and Web UI: inside the cluster only. */
    rest: 8081,
    /** TaskManager RPC. */
    taskRpc: 6122,
    /** TaskManager data exchange (the shuffle between tasks). */
    data: 6121,
    /** Prometheus reporter. */
    metrics: 9249,
} as const;

export const FLINK_PATHS = {
    home: "/opt/flink",
    /** The entrypoint edits conf/config.yaml in place: an emptyDir filled by an init container. */
    conf: "/opt/flink/conf",
    log: "/opt/flink/log",
    tmp: "/tmp",
} as const;

/** Where a pod's Flink finds the object store; the keys come from the environment (S3A's default credential chain). */
export interface FlinkS3Rendering {
    readonly endpoint: string;
    readonly region: string;
    readonly pathStyle: boolean;
}

export interface FlinkConfRendering {
    readonly settings: FlinkSettings;
    /** kubernetes.cluster-id: names the HA ConfigMaps. */
    readonly clusterId: string;
    /** kubernetes.namespace: where the HA ConfigMaps live. */
    readonly namespace: string;
    readonly s3: FlinkS3Rendering;
}

export type FlinkConfValue = string | number | boolean;

const MIB = 2 ** 20;
const mb = (quantity: string) => `${Math.floor(parseQuantity(quantity) / MIB)}m`;
const seconds = (s: number) => `${s} s`;

/** Every key of config.yaml, once, in the order they are written. */
export function flinkConf(r: FlinkConfRendering): Record<string, FlinkConfValue> {
    const s = r.settings;
    const cp = s.checkpoints;
    return {
        // Processes: the container's memory limit is Flink's process size.
        "jobmanager.memory.process.size": mb(s.jobManager.limits.memory),
        "taskmanager.memory.process.size": mb(s.taskManager.limits.memory),
        "taskmanager.numberOfTaskSlots": s.slotsPerTaskManager,
        "parallelism.default": s.slotsPerTaskManager,
        // Fixed ports, so the NetworkPolicy can name them; bound on the pod's addresses.
        "jobmanager.rpc.port": FLINK_PORTS.rpc,
        "blob.server.port": FLINK_PORTS.blob,
        "rest.port": FLINK_PORTS.rest,
        "taskmanager.rpc.port": FLINK_PORTS.taskRpc,
        "taskmanager.data.port": FLINK_PORTS.data,
        "jobmanager.bind-host": "0.0.0.0",
        "taskmanager.bind-host": "0.0.0.0",
        "rest.bind-address": "0.0.0.0",
        // State: on the object store, never on a volume.
        "state.backend.type": s.stateBackend,
        ...(s.stateBackend === "rocksdb" ? { "execution.checkpointing.incremental": true } : {}),
        "execution.checkpointing.dir": cp.dir,
        "execution.checkpointing.savepoint-dir": cp.savepointsDir,
        "execution.checkpointing.interval": seconds(cp.intervalSeconds),
        "execution.checkpointing.mode": "EXACTLY_ONCE",
        "execution.checkpointing.min-pause": seconds(cp.minPauseSeconds),
        "execution.checkpointing.timeout": seconds(cp.timeoutSeconds),
        "execution.checkpointing.tolerable-failed-checkpoints": cp.tolerableFailures,
        // A cancelled job keeps its last checkpoint: it can be resumed from it.
        "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
        "execution.checkpointing.num-retained": cp.retained,
        "restart-strategy.type": "exponential-delay",
        "restart-strategy.exponential-delay.initial-backoff": seconds(s.restart.initialBackoffSeconds),
        "restart-strategy.exponential-delay.max-backoff": seconds(s.restart.maxBackoffSeconds),
        ...(s.highAvailability.enabled
            ? {
                  "high-availability.type": "kubernetes",
                  "high-availability.storageDir": s.highAvailability.storageDir,
                  // The HA paths under storageDir are per cluster id (Flink's default is "default"; the e2e run saw ha/default/).
                  "high-availability.cluster-id": r.clusterId,
                  "kubernetes.cluster-id": r.clusterId,
                  "kubernetes.namespace": r.namespace,
              }
            : {}),
        // The S3 file system plugin (flink-s3-fs-hadoop) mirrors s3.* to fs.s3a.*.
        "s3.endpoint": r.s3.endpoint,
        "s3.endpoint.region": r.s3.region,
        "s3.path.style.access": r.s3.pathStyle,
        "metrics.reporter.prom.factory.class": "org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
        "metrics.reporter.prom.port": FLINK_PORTS.metrics,
    };
}

/** config.yaml: flat keys in standard YAML (Flink 1.20's config file). */
export function renderFlinkConf(entries: Record<string, FlinkConfValue>): string {
    return yaml.dump(entries, { lineWidth: -1, sortKeys: false });
}
