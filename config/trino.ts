// Validation of the Trino section (trino) and the memory model every Trino node is rendered with:
// the JVM heap is a share of the container's memory limit (or set explicitly, and refused when it
// leaves the JVM too little of the limit), and the query memory Trino may hand out per node is a
// fixed share of that heap, next to the headroom it keeps for everything that is not tracked.
import { Checker, IMAGE_REF, resources } from "./checks";
import { isQuantity, parseQuantity } from "./quantity";
import { Environment, TrinoNodeSettings, TrinoSettings } from "./types";

/** Default JVM heap as a share of the container's memory limit. */
const HEAP_SHARE = 0.7;
/** What the JVM needs beside its heap (metaspace, code cache, thread stacks, direct buffers), at least. */
const NON_HEAP_MIN_MB = 384;
/** memory.heap-headroom-per-node: heap Trino keeps free of query memory (untracked allocations). */
const HEADROOM_SHARE = 0.3;
/** query.max-memory-per-node; with the headroom it must fit in the heap or Trino refuses to start. */
const QUERY_SHARE = 0.5;
/** A smaller heap cannot run the Iceberg connector's writers. */
const MIN_HEAP_MB = 768;
/** The smallest memory limit whose default heap is at least MIN_HEAP_MB and leaves NON_HEAP_MIN_MB (both hold from here on). */
const MIN_DEFAULT_LIMIT_MB = Math.ceil(Math.max(MIN_HEAP_MB / HEAP_SHARE, NON_HEAP_MIN_MB / (1 - HEAP_SHARE)));
/** The first release with fs.native-s3 as the only S3 file system and the /metrics endpoint this program scrapes. */
export const TRINO_MIN_VERSION = 476;

const MIB = 2 ** 20;

/** How a Trino node's memory is laid out (MiB). */
export interface TrinoMemory {
    /** -Xmx. */
    readonly heapMB: number;
    /** query.max-memory-per-node. */
    readonly queryMaxMemoryPerNodeMB: number;
    /** memory.heap-headroom-per-node. */
    readonly heapHeadroomMB: number;
}

/** The heap (MiB) of a node: its jvmHeap, else a share of its memory limit. */
export function trinoHeapMB(node: TrinoNodeSettings): number {
    return Math.floor((node.jvmHeap !== undefined ? parseQuantity(node.jvmHeap) : parseQuantity(node.resources.limits.memory) * HEAP_SHARE) / MIB);
}

/** The largest heap (MiB) a memory limit leaves room for. */
export function trinoMaxHeapMB(limitsMemory: string): number {
    const limitMB = parseQuantity(limitsMemory) / MIB;
    return Math.floor(limitMB - Math.max(NON_HEAP_MIN_MB, limitMB * 0.15));
}

export function trinoMemory(node: TrinoNodeSettings): TrinoMemory {
    const heapMB = trinoHeapMB(node);
    return { heapMB, queryMaxMemoryPerNodeMB: Math.floor(heapMB * QUERY_SHARE), heapHeadroomMB: Math.floor(heapMB * HEADROOM_SHARE) };
}

/** Nodes that run tasks: the workers, and the coordinator when it schedules work itself. */
export function trinoTaskNodes(s: Pick<TrinoSettings, "workers" | "coordinatorSchedules">): number {
    return s.workers + (s.coordinatorSchedules ? 1 : 0);
}

/** query.max-memory (MiB): what one query may use on all the nodes that run tasks. */
export function trinoQueryMaxMemoryMB(s: TrinoSettings): number {
    const perNode = (node: TrinoNodeSettings) => trinoMemory(node).queryMaxMemoryPerNodeMB;
    return perNode(s.worker) * s.workers + (s.coordinatorSchedules ? perNode(s.coordinator) : 0);
}

/** The version of a trinodb/trino reference (its numeric tag), if it has one. */
export function trinoImageVersion(image: string): number | undefined {
    const tag = /:([0-9]+)(@sha256:[a-f0-9]{64})?$/.exec(image);
    return tag ? Number(tag[1]) : undefined;
}

function node(c: Checker, path: string, value: unknown): TrinoNodeSettings {
    const n = c.object(path, value, ["resources", "jvmHeap"]) ?? {};
    const settings: TrinoNodeSettings = {
        resources: resources(c, `${path}.resources`, n.resources),
        ...(n.jvmHeap !== undefined ? { jvmHeap: c.quantity(`${path}.jvmHeap`, n.jvmHeap, "2Gi") } : {}),
    };
    const limit = settings.resources.limits.memory;
    // An invalid quantity is reported already.
    if (!isQuantity(limit) || (settings.jvmHeap !== undefined && !isQuantity(settings.jvmHeap))) return settings;
    const heap = trinoHeapMB(settings);
    const max = trinoMaxHeapMB(limit);
    if (settings.jvmHeap === undefined) {
        // The default heap must be useful and leave the JVM its share: a limit of at least MIN_DEFAULT_LIMIT_MB.
        if (heap > max || heap < MIN_HEAP_MB) {
            c.fail(`${path}.resources.limits.memory`, limit, `at least ${MIN_DEFAULT_LIMIT_MB}Mi (the heap, ${HEAP_SHARE * 100}% of it, must be at least ${MIN_HEAP_MB} MiB and leave max(${NON_HEAP_MIN_MB} MiB, 15%) to the JVM), or set ${path}.jvmHeap`);
        }
    } else if (heap > max) {
        c.fail(`${path}.jvmHeap`, settings.jvmHeap, `a heap of at most ${max} MiB: ${path}.resources.limits.memory (${limit}) less ${Math.round(parseQuantity(limit) / MIB) - max} MiB for the JVM beside its heap (metaspace, code cache, threads, direct buffers)`);
    } else if (heap < MIN_HEAP_MB) {
        c.fail(`${path}.jvmHeap`, settings.jvmHeap, `a heap of at least ${MIN_HEAP_MB} MiB`);
    }
    return settings;
}

export function trino(c: Checker, environment: Environment, value: unknown): TrinoSettings {
    const p = "trino";
    const t = c.object(p, value, ["enabled", "image", "workers", "coordinatorSchedules", "coordinator", "worker", "shutdown", "ingress"]) ?? {};
    const image = c.string(`${p}.image`, t.image, IMAGE_REF, "an image reference with a tag or digest, e.g. trinodb/trino:476");
    const version = trinoImageVersion(image);
    if (version !== undefined && version < TRINO_MIN_VERSION) c.fail(`${p}.image`, t.image, `trinodb/trino ${TRINO_MIN_VERSION} or newer (native S3 file system, OpenMetrics /metrics)`);
    const coordinatorSchedules = c.boolean(`${p}.coordinatorSchedules`, t.coordinatorSchedules);
    // Outside dev a coordinator that runs tasks competes with them for memory and stalls every query's planning.
    if (coordinatorSchedules && environment !== "dev") c.fail(`${p}.coordinatorSchedules`, t.coordinatorSchedules, `false when environment is ${environment}`);
    const workers = c.integer(`${p}.workers`, t.workers, 0, 200);
    if (environment !== "dev" && workers < 2) c.fail(`${p}.workers`, t.workers, `at least 2 when environment is ${environment} (a worker's restart must not stop every query)`);
    else if (!coordinatorSchedules && workers < 1) c.fail(`${p}.workers`, t.workers, "at least 1 when trino.coordinatorSchedules is false (no node would run tasks)");
    const sd = c.object(`${p}.shutdown`, t.shutdown, ["gracePeriodSeconds", "drainSeconds"]) ?? {};
    // null: not published (every stack's defaults publish Trino).
    const i = t.ingress === undefined || t.ingress === null ? undefined : c.object(`${p}.ingress`, t.ingress, ["host"]);
    return {
        enabled: c.boolean(`${p}.enabled`, t.enabled),
        image,
        workers,
        coordinatorSchedules,
        coordinator: node(c, `${p}.coordinator`, t.coordinator),
        worker: node(c, `${p}.worker`, t.worker),
        shutdown: { gracePeriodSeconds: c.integer(`${p}.shutdown.gracePeriodSeconds`, sd.gracePeriodSeconds, 5, 600), drainSeconds: c.integer(`${p}.shutdown.drainSeconds`, sd.drainSeconds, 0, 86400) },
        ...(i !== undefined ? { ingress: { host: c.string(`${p}.ingress.host`, i.host, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "a DNS label under the stack's domain, or a full host name") } } : {}),
    };
}
