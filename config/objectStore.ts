// Validation of the object store section (objectStore) and of the secret credentials of an
// external store (objectStoreCredentials): buckets, identities and their grants, SeaweedFS'
// topology and whether its replica placement fits the volume servers it has.
import * as pulumi from "@pulumi/pulumi";
import { Checker, DNS_LABEL, IMAGE_REF, cidrs, resources, storage } from "./checks";
import { parseQuantity, isQuantity } from "./quantity";
import { BucketGrantSettings, Environment, ExternalObjectStore, ObjectStoreSettings, S3Credentials, S3IdentitySettings, SeaweedfsSettings } from "./types";

/** S3 bucket names SeaweedFS serves path-style; its probe paths cannot be buckets. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const RESERVED_BUCKETS = ["status", "healthz", "readyz", "metrics"];
const ZONE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PLACEMENT = /^[0-9]{3}$/;

/** A replica placement `xyz` read digit by digit (SeaweedFS' ReplicaPlacement). */
export interface Placement {
    readonly otherDataCenters: number;
    readonly otherRacks: number;
    readonly sameRack: number;
}

export function parsePlacement(replication: string): Placement {
    return { otherDataCenters: Number(replication[0]), otherRacks: Number(replication[1]), sameRack: Number(replication[2]) };
}

/** Copies of every volume a placement keeps. */
export function placementCopies(replication: string): number {
    const p = parsePlacement(replication);
    return 1 + p.otherDataCenters + p.otherRacks + p.sameRack;
}

/**
 * Why the volume servers cannot hold a placement, or undefined when they can: the volume servers
 * are one data center, one rack per zone (one rack without zones), the same number in each rack.
 */
export function placementShortfall(replication: string, volumeServers: number, zones: number): string | undefined {
    const p = parsePlacement(replication);
    const racks = Math.max(zones, 1);
    const perRack = volumeServers / racks;
    if (p.otherDataCenters > 0) return `the volume servers are one data center (objectStore.seaweedfs.dataCenter), so the first digit must be 0`;
    if (p.otherRacks + 1 > racks) {
        return `${replication} needs ${p.otherRacks + 1} racks and the volume servers are ${racks} (one per zone of objectStore.seaweedfs.zones${zones === 0 ? ", which lists none" : ""})`;
    }
    if (p.sameRack + 1 > perRack) return `${replication} needs ${p.sameRack + 1} volume servers in a rack and each rack has ${perRack} (objectStore.seaweedfs.volumeServers ${volumeServers} over ${racks} rack${racks === 1 ? "" : "s"})`;
    return undefined;
}

function grants(c: Checker, path: string, value: unknown, buckets: readonly string[]): BucketGrantSettings[] {
    if (!Array.isArray(value) || value.length === 0) {
        c.fail(path, value, "a non-empty list of { bucket, access }: an identity with no grants can do nothing");
        return [];
    }
    return value.map((entry, i) => {
        const g = c.object(`${path}[${i}]`, entry, ["bucket", "access"]) ?? {};
        if (!buckets.includes(g.bucket as string)) c.fail(`${path}[${i}].bucket`, g.bucket, `one of objectStore.buckets: ${buckets.join(", ")}`);
        return { bucket: g.bucket as string, access: c.oneOf(`${path}[${i}].access`, g.access, ["read", "write"] as const) };
    });
}

function identities(c: Checker, value: unknown, buckets: readonly string[]): S3IdentitySettings[] {
    if (!Array.isArray(value)) {
        c.fail("objectStore.identities", value, "a list of { name, grants }");
        return [];
    }
    const names = value.map((v) => (v as { name?: unknown })?.name);
    return value.map((entry, i) => {
        const path = `objectStore.identities[${i}]`;
        const identity = c.object(path, entry, ["name", "grants"]) ?? {};
        const name = c.string(`${path}.name`, identity.name, /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/, "a DNS label of at most 40 characters");
        if (names.indexOf(identity.name) !== i) c.fail(`${path}.name`, identity.name, "a name not used by another identity");
        return { name, grants: grants(c, `${path}.grants`, identity.grants, buckets) };
    });
}

function seaweedfs(c: Checker, environment: Environment, value: unknown, stackClass: string | undefined): SeaweedfsSettings {
    const p = "objectStore.seaweedfs";
    const s = c.object(p, value, [
        "image", "topology", "masters", "volumeServers", "zones", "dataCenter", "replication", "volumeSizeLimitMB",
        "minFreeSpacePercent", "filers", "gateways", "storage", "masterStorage", "resources",
    ]) ?? {};
    const topology = c.oneOf(`${p}.topology`, s.topology, ["single", "distributed"] as const);
    if (environment !== "dev" && topology === "single") c.fail(`${p}.topology`, s.topology, `distributed when environment is ${environment} (single is one pod: no failure is survived)`);
    const single = topology === "single";
    const atLeast = environment === "dev" ? 1 : 2;
    const masters = single ? 1 : c.integer(`${p}.masters`, s.masters, 1, 9);
    // Raft needs a majority: an even count adds nothing and SeaweedFS refuses it.
    if (!single && Number.isInteger(masters) && (masters % 2 === 0 || (environment !== "dev" && masters < 3))) {
        c.fail(`${p}.masters`, s.masters, environment === "dev" ? "an odd number" : `an odd number >= 3 when environment is ${environment}`);
    }
    const volumeServers = single ? 1 : c.integer(`${p}.volumeServers`, s.volumeServers, 1, 1000);
    if (!single && environment !== "dev" && volumeServers < 3) c.fail(`${p}.volumeServers`, s.volumeServers, `at least 3 when environment is ${environment}`);
    const zoneList = Array.isArray(s.zones) ? (s.zones as unknown[]) : (c.fail(`${p}.zones`, s.zones, "a list of topology.kubernetes.io/zone values"), []);
    zoneList.forEach((z, i) => {
        c.string(`${p}.zones[${i}]`, z, ZONE, "a topology.kubernetes.io/zone label value");
        if (zoneList.indexOf(z) !== i) c.fail(`${p}.zones[${i}]`, z, "a zone not listed twice");
    });
    if (single && zoneList.length > 0) c.fail(`${p}.zones`, s.zones, "[] when topology is single (one pod)");
    if (!single && zoneList.length > 0 && Number.isInteger(volumeServers) && volumeServers % zoneList.length !== 0) {
        c.fail(`${p}.volumeServers`, s.volumeServers, `a multiple of the ${zoneList.length} zones of ${p}.zones (the same number of volume servers in each zone)`);
    }
    const replication = c.string(`${p}.replication`, s.replication, PLACEMENT, "three digits xyz such as 000, 001 or 010");
    if (PLACEMENT.test(replication) && Number.isInteger(volumeServers)) {
        const shortfall = placementShortfall(replication, volumeServers, zoneList.length);
        if (shortfall) c.fail(`${p}.replication`, s.replication, `a placement the volume servers can hold: ${shortfall}`);
        else if (environment !== "dev" && placementCopies(replication) < 2) {
            c.fail(`${p}.replication`, s.replication, `at least two copies (001 or 010) when environment is ${environment}: a lost volume server must not lose objects`);
        }
    }
    const volumeSizeLimitMB = c.integer(`${p}.volumeSizeLimitMB`, s.volumeSizeLimitMB, 64, 30000);
    const volume = storage(c, `${p}.storage`, s.storage, stackClass);
    // Every bucket is a collection that grows several volumes at once: a server needs room for many.
    const minimumVolumes = 8;
    if (isQuantity(volume.size) && Number.isInteger(volumeSizeLimitMB) && parseQuantity(volume.size) < minimumVolumes * volumeSizeLimitMB * 2 ** 20) {
        c.fail(`${p}.volumeSizeLimitMB`, s.volumeSizeLimitMB, `at most ${p}.storage.size / ${minimumVolumes} (${volume.size} holds ${minimumVolumes} volumes of at most ${Math.floor(parseQuantity(volume.size) / minimumVolumes / 2 ** 20)} MB)`);
    }
    const r = c.object(`${p}.resources`, s.resources, ["server", "master", "volume", "filer", "gateway"]) ?? {};
    const filers = single ? 1 : c.integer(`${p}.filers`, s.filers, atLeast, 20);
    const gateways = single ? 1 : c.integer(`${p}.gateways`, s.gateways, atLeast, 50);
    return {
        image: c.string(`${p}.image`, s.image, IMAGE_REF, "an image reference with a tag or digest, such as chrislusf/seaweedfs:4.53"),
        topology,
        masters,
        volumeServers,
        zones: zoneList as string[],
        dataCenter: c.string(`${p}.dataCenter`, s.dataCenter, DNS_LABEL, "a DNS label such as dc1"),
        replication,
        volumeSizeLimitMB,
        minFreeSpacePercent: c.integer(`${p}.minFreeSpacePercent`, s.minFreeSpacePercent, 1, 50),
        filers,
        gateways,
        storage: volume,
        masterStorage: storage(c, `${p}.masterStorage`, s.masterStorage, stackClass),
        resources: {
            server: resources(c, `${p}.resources.server`, r.server),
            master: resources(c, `${p}.resources.master`, r.master),
            volume: resources(c, `${p}.resources.volume`, r.volume),
            filer: resources(c, `${p}.resources.filer`, r.filer),
            gateway: resources(c, `${p}.resources.gateway`, r.gateway),
        },
    };
}

/** The secret config objectStoreCredentials: `{ "<consumer>": { accessKeyId, secretAccessKey } }`. Values never appear in messages. */
function externalCredentials(c: Checker, project: string, text: unknown): Record<string, S3Credentials> {
    const key = `${project}:objectStoreCredentials`;
    const allowed = `a JSON object { "<consumer>": { "accessKeyId": "...", "secretAccessKey": "..." } } (set with \`pulumi config set --secret objectStoreCredentials\`)`;
    if (text === undefined) {
        c.problems.push(`${key}: not set; allowed: ${allowed}, one entry per consumer, when objectStore.kind is external`);
        return {};
    }
    let parsed: unknown;
    try {
        parsed = typeof text === "string" ? JSON.parse(text) : text;
    } catch {
        parsed = undefined;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        c.problems.push(`${key}: not a JSON object (value not shown: it is secret); allowed: ${allowed}`);
        return {};
    }
    const out: Record<string, S3Credentials> = {};
    for (const [consumer, entry] of Object.entries(parsed as Record<string, unknown>)) {
        const e = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
        const missing = ["accessKeyId", "secretAccessKey"].filter((k) => typeof e[k] !== "string" || (e[k] as string).length === 0);
        if (missing.length > 0) c.problems.push(`${key}.${consumer}: ${missing.join(" and ")} missing (value not shown: it is secret); allowed: ${allowed}`);
        out[consumer] = { accessKeyId: pulumi.secret(String(e.accessKeyId ?? "")), secretAccessKey: pulumi.secret(String(e.secretAccessKey ?? "")) };
    }
    return out;
}

function external(c: Checker, project: string, value: unknown, credentials: unknown): ExternalObjectStore {
    const p = "objectStore.external";
    if (value === undefined) {
        c.fail(p, value, "{ endpoint, egressCidrs, pathStyle? } when objectStore.kind is external");
        return { endpoint: "", egressCidrs: [], pathStyle: true, credentials: {} };
    }
    const e = c.object(p, value, ["endpoint", "egressCidrs", "pathStyle"]) ?? {};
    return {
        endpoint: c.string(`${p}.endpoint`, e.endpoint, /^https?:\/\/[^\s/]+(:[0-9]+)?\/?$/, "an http(s) URL of an S3-compatible endpoint, without a path"),
        egressCidrs: cidrs(c, `${p}.egressCidrs`, e.egressCidrs),
        pathStyle: e.pathStyle === undefined ? true : c.boolean(`${p}.pathStyle`, e.pathStyle),
        credentials: externalCredentials(c, project, credentials),
    };
}

/** The objectStore section; `credentials` is the secret key objectStoreCredentials as the stack holds it. */
export function objectStore(c: Checker, project: string, environment: Environment, value: unknown, credentials: unknown, stackClass: string | undefined): ObjectStoreSettings {
    const o = c.object("objectStore", value, ["kind", "region", "buckets", "identities", "seaweedfs", "external"]) ?? {};
    const kind = c.oneOf("objectStore.kind", o.kind, ["seaweedfs", "external"] as const);
    let buckets: string[] = [];
    if (!Array.isArray(o.buckets) || o.buckets.length === 0) c.fail("objectStore.buckets", o.buckets, "a non-empty list of bucket names");
    else {
        buckets = o.buckets as string[];
        buckets.forEach((b, i) => {
            if (typeof b !== "string" || !BUCKET_NAME.test(b) || RESERVED_BUCKETS.includes(b)) c.fail(`objectStore.buckets[${i}]`, b, `an S3 bucket name (3-63 of a-z, 0-9, -) other than ${RESERVED_BUCKETS.join(", ")}`);
            if (buckets.indexOf(b) !== i) c.fail(`objectStore.buckets[${i}]`, b, "a bucket not listed twice");
        });
    }
    if (kind !== "external" && o.external !== undefined) c.fail("objectStore.external", o.external, "nothing when objectStore.kind is seaweedfs");
    if (kind !== "external" && credentials !== undefined) c.problems.push(`${project}:objectStoreCredentials: set, but objectStore.kind is ${kind}: the platform makes the credentials of its own store`);
    return {
        kind,
        region: c.string("objectStore.region", o.region, /^[a-z0-9-]+$/, "a region name such as us-east-1"),
        buckets,
        identities: identities(c, o.identities ?? [], buckets),
        seaweedfs: seaweedfs(c, environment, o.seaweedfs, stackClass),
        external: kind === "external" ? external(c, project, o.external, credentials) : undefined,
    };
}
