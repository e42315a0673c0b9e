// A driver's or executor's resources as Spark sets them: Spark writes the container's memory
// request and limit itself (spark.<role>.memory plus its overhead, at least 384 MiB) and the CPU
// request and limit from its own settings, so the config's resources become those settings here,
// with the JVM's memory chosen so that memory plus overhead is the configured limit. Pure.
import { parseQuantity } from "../../config/quantity";
import { ResourceSettings } from "../../config/types";

const MIB = 2 ** 20;
/** spark.kubernetes.memoryOverheadFactor's default for JVM jobs, and Spark's minimum overhead. */
const OVERHEAD_FACTOR = 0.1;
const MIN_OVERHEAD_MB = 384;

/** The JVM memory (MiB) whose pod memory (with overhead) fits in `limitsMemory`. */
export function sparkJvmMemoryMB(limitsMemory: string): number {
    const limit = parseQuantity(limitsMemory) / MIB;
    return Math.floor(Math.min(limit / (1 + OVERHEAD_FACTOR), limit - MIN_OVERHEAD_MB));
}

/** Whole cores Spark may run tasks on: the limit, rounded down, at least 1. */
function cores(limitsCpu: string): number {
    return Math.max(1, Math.floor(parseQuantity(limitsCpu)));
}

/** The --conf settings of one role's resources. */
export function sparkResourceConf(role: "driver" | "executor", resources: ResourceSettings): [string, string][] {
    return [
        [`spark.${role}.memory`, `${sparkJvmMemoryMB(resources.limits.memory)}m`],
        [`spark.${role}.cores`, String(cores(resources.limits.cpu))],
        [`spark.kubernetes.${role}.request.cores`, resources.requests.cpu],
        [`spark.kubernetes.${role}.limit.cores`, resources.limits.cpu],
    ];
}
