// Validation of the Flink section (flink): a session cluster whose state lives on the object
// store. The seed's defect was checkpoints on a volume shared by the JobManager and the
// TaskManagers; here every state location (checkpoints, savepoints, HA metadata) must be an s3://
// URI on one of the stack's buckets, more than one JobManager needs Kubernetes HA, and outside dev
// HA with a standby JobManager is required.
import { Checker, IMAGE_REF, resources } from "./checks";
import { isQuantity, parseQuantity } from "./quantity";
import { Environment, FlinkSettings, ResourceSettings } from "./types";

/** An s3:// URI with a bucket and a path under it. */
const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/[A-Za-z0-9._\-/]+$/;
const MIB = 2 ** 20;
/** The smallest process sizes Flink 1.20 starts with room to work (metaspace 256 MiB and JVM overhead >= 192 MiB come off first). */
export const FLINK_MIN_PROCESS_MB = { jobManager: 1024, taskManager: 1536 } as const;

/** The bucket of an s3:// URI. */
export function s3Bucket(uri: string): string | undefined {
    return S3_URI.exec(uri)?.[1];
}

/** An s3:// location on a bucket the stack has; anything else (a file:// path, a mounted volume) is refused. */
function stateUri(c: Checker, path: string, value: unknown, buckets: readonly string[], what: string): string {
    const uri = c.string(path, value, /^\S+$/, `an s3://<bucket>/<path> URI (${what})`);
    const bucket = s3Bucket(uri);
    if (bucket === undefined) {
        c.fail(path, uri, `an s3://<bucket>/<path> URI on a bucket of objectStore.buckets (${buckets.join(", ")}): ${what}; a local path or a PersistentVolume shared by the JobManagers and TaskManagers is not durable state`);
    } else if (!buckets.includes(bucket)) {
        c.fail(path, uri, `an s3:// URI on a bucket of objectStore.buckets (${buckets.join(", ")}), or add ${bucket} to them`);
    }
    return uri;
}

function processSize(c: Checker, path: string, value: unknown, minMB: number): ResourceSettings {
    const r = resources(c, path, value);
    // An invalid quantity is reported by resources() already.
    if (isQuantity(r.limits.memory) && Math.floor(parseQuantity(r.limits.memory) / MIB) < minMB) c.fail(`${path}.limits.memory`, r.limits.memory, `at least ${minMB}Mi (it is Flink's process size: metaspace, JVM overhead, network and managed memory come out of it)`);
    return r;
}

export function flink(c: Checker, environment: Environment, value: unknown, buckets: readonly string[]): FlinkSettings {
    const p = "flink";
    const f = c.object(p, value, ["enabled", "image", "jobManagers", "taskManagers", "slotsPerTaskManager", "jobManager", "taskManager", "highAvailability", "checkpoints", "stateBackend", "restart"]) ?? {};
    const enabled = c.boolean(`${p}.enabled`, f.enabled);
    const ha = c.object(`${p}.highAvailability`, f.highAvailability, ["enabled", "storageDir"]) ?? {};
    const haEnabled = c.boolean(`${p}.highAvailability.enabled`, ha.enabled);
    // "Flink HA without an object store": the JobManagers' job graphs and checkpoint pointers must outlive every pod.
    const storageDir = stateUri(c, `${p}.highAvailability.storageDir`, ha.storageDir, buckets, "Kubernetes HA keeps job graphs and completed-checkpoint pointers there for the next leader");
    const jobManagers = c.integer(`${p}.jobManagers`, f.jobManagers, 1, 5);
    if (jobManagers > 1 && !haEnabled) c.fail(`${p}.jobManagers`, jobManagers, "1, or flink.highAvailability.enabled true (JobManagers without leader election would each run the cluster)");
    if (enabled && environment !== "dev") {
        if (!haEnabled) c.fail(`${p}.highAvailability.enabled`, false, `true when environment is ${environment} (a lost JobManager must not lose the running jobs)`);
        if (jobManagers < 2) c.fail(`${p}.jobManagers`, jobManagers, `at least 2 when environment is ${environment} (a standby takes over without a pod start)`);
    }
    const cp = c.object(`${p}.checkpoints`, f.checkpoints, ["dir", "savepointsDir", "intervalSeconds", "minPauseSeconds", "timeoutSeconds", "tolerableFailures", "retained"]) ?? {};
    const intervalSeconds = c.integer(`${p}.checkpoints.intervalSeconds`, cp.intervalSeconds, 1, 3600);
    const timeoutSeconds = c.integer(`${p}.checkpoints.timeoutSeconds`, cp.timeoutSeconds, 10, 86400);
    const minPauseSeconds = c.integer(`${p}.checkpoints.minPauseSeconds`, cp.minPauseSeconds, 0, 3600);
    if (minPauseSeconds > intervalSeconds) c.fail(`${p}.checkpoints.minPauseSeconds`, minPauseSeconds, `at most flink.checkpoints.intervalSeconds (${intervalSeconds})`);
    const rs = c.object(`${p}.restart`, f.restart, ["initialBackoffSeconds", "maxBackoffSeconds"]) ?? {};
    const initialBackoffSeconds = c.integer(`${p}.restart.initialBackoffSeconds`, rs.initialBackoffSeconds, 1, 600);
    const maxBackoffSeconds = c.integer(`${p}.restart.maxBackoffSeconds`, rs.maxBackoffSeconds, 1, 86400);
    if (maxBackoffSeconds < initialBackoffSeconds) c.fail(`${p}.restart.maxBackoffSeconds`, maxBackoffSeconds, `at least flink.restart.initialBackoffSeconds (${initialBackoffSeconds})`);
    return {
        enabled,
        ...(f.image !== undefined ? { image: c.string(`${p}.image`, f.image, IMAGE_REF, "a prebuilt image of images/flink") } : {}),
        jobManagers,
        taskManagers: c.integer(`${p}.taskManagers`, f.taskManagers, 1, 200),
        slotsPerTaskManager: c.integer(`${p}.slotsPerTaskManager`, f.slotsPerTaskManager, 1, 64),
        jobManager: processSize(c, `${p}.jobManager`, f.jobManager, FLINK_MIN_PROCESS_MB.jobManager),
        taskManager: processSize(c, `${p}.taskManager`, f.taskManager, FLINK_MIN_PROCESS_MB.taskManager),
        highAvailability: { enabled: haEnabled, storageDir },
        checkpoints: {
            // "Checkpoints on a PVC" is the seed's defect: refused with the key named.
            dir: stateUri(c, `${p}.checkpoints.dir`, cp.dir, buckets, "every TaskManager writes its part of a checkpoint there and any JobManager restores from it"),
            savepointsDir: stateUri(c, `${p}.checkpoints.savepointsDir`, cp.savepointsDir, buckets, "savepoints outlive the cluster"),
            intervalSeconds,
            minPauseSeconds,
            timeoutSeconds,
            tolerableFailures: c.integer(`${p}.checkpoints.tolerableFailures`, cp.tolerableFailures, 0, 100),
            retained: c.integer(`${p}.checkpoints.retained`, cp.retained, 1, 100),
        },
        stateBackend: c.oneOf(`${p}.stateBackend`, f.stateBackend, ["rocksdb", "hashmap"] as const),
        restart: { initialBackoffSeconds, maxBackoffSeconds },
    };
}
