// Validation of the Nessie section (nessie): image, replicas, warehouse and the JVM's memory,
// whose heap is a fixed share of the container's memory limit and must hold the objects cache.
import { Checker, IMAGE_REF, resources } from "./checks";
import { parseQuantity } from "./quantity";
import { Environment, NessieSettings } from "./types";

/** Share of the container's memory limit given to the JVM heap (-Xmx); the rest is metaspace, threads, buffers. */
const HEAP_SHARE = 0.6;

/** The JVM heap of a Nessie container (MiB), from its memory limit. */
export function nessieHeapMB(limitsMemory: string): number {
    return Math.floor((parseQuantity(limitsMemory) / 2 ** 20) * HEAP_SHARE);
}

const PREFIX = /^[a-z0-9]([-a-z0-9_]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9_]*[a-z0-9])?)*$/;

export function nessie(c: Checker, environment: Environment, value: unknown, buckets: readonly string[]): NessieSettings {
    const p = "nessie";
    const n = c.object(p, value, ["enabled", "image", "replicas", "warehouse", "cacheCapacityMB", "resources"]) ?? {};
    const w = c.object(`${p}.warehouse`, n.warehouse, ["bucket", "prefix"]) ?? {};
    const bucket = c.string(`${p}.warehouse.bucket`, w.bucket, /^\S+$/, "a bucket name");
    if (!buckets.includes(bucket)) c.fail(`${p}.warehouse.bucket`, w.bucket, `one of objectStore.buckets: ${buckets.join(", ")}`);
    const replicas = c.integer(`${p}.replicas`, n.replicas, 1, 10);
    // Every engine's catalog: one pod would stop them all for each restart.
    if (environment !== "dev" && replicas < 2) c.fail(`${p}.replicas`, n.replicas, `at least 2 when environment is ${environment}`);
    const settings: NessieSettings = {
        enabled: c.boolean(`${p}.enabled`, n.enabled),
        image: c.string(`${p}.image`, n.image, IMAGE_REF, "an image reference with a tag or digest, e.g. ghcr.io/projectnessie/nessie:0.99.0"),
        replicas,
        warehouse: { bucket, prefix: c.string(`${p}.warehouse.prefix`, w.prefix, PREFIX, "a key prefix of lower-case path segments, e.g. warehouse") },
        cacheCapacityMB: c.integer(`${p}.cacheCapacityMB`, n.cacheCapacityMB, 0, 65536),
        resources: resources(c, `${p}.resources`, n.resources),
    };
    const heap = nessieHeapMB(settings.resources.limits.memory);
    if (settings.cacheCapacityMB > heap / 2) {
        c.fail(`${p}.cacheCapacityMB`, n.cacheCapacityMB, `at most ${Math.floor(heap / 2)}: half of the JVM heap (${heap} MiB, ${HEAP_SHARE * 100}% of nessie.resources.limits.memory ${settings.resources.limits.memory})`);
    }
    return settings;
}
