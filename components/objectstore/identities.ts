// S3 identities: one per consumer, with only the actions its grants need, rendered into SeaweedFS'
// identities file (s3.json). Consumers are the platform's services (through the contract's bucket
// needs) and the identities of config. Pure, tested without mocks, and what the real gateway of the
// e2e run is started with.
import { ConfigError } from "../../config/errors";
import { BucketAccess, BucketGrantSettings, S3IdentitySettings } from "../../config/types";
import { Need } from "../../platform/contract";

/** The platform service that grants buckets. */
export const OBJECT_STORE_SERVICE = "objectstore";

/** A need for `bucket` with `access`, by the consumer `identity` (its own credentials). */
export function bucketNeed(identity: string, bucket: string, access: BucketAccess): Need {
    return { kind: "bucket", from: OBJECT_STORE_SERVICE, name: bucket, detail: { identity, access } };
}

/** An identity and every bucket it may use. */
export interface IdentityGrants {
    readonly name: string;
    /** Where it comes from, for messages: a service's need or a config entry. */
    readonly origin: string;
    /** An identity of config (people and tools): its credentials are delivered as s3-<name> in the store's namespace. */
    readonly fromConfig: boolean;
    readonly grants: readonly BucketGrantSettings[];
}

/**
 * SeaweedFS actions of a grant, scoped to the bucket. read: GetObject/HeadObject/HeadBucket (Read)
 * and ListObjects (List). write adds Write: PutObject, DeleteObject(s) and multipart uploads. No
 * identity gets Admin (bucket creation, lifecycle) or DeleteBucket: buckets are the bucket-init
 * Job's, which works through the filer and needs no S3 identity.
 */
export function grantActions(grant: BucketGrantSettings): string[] {
    const actions = grant.access === "write" ? ["Read", "List", "Write"] : ["Read", "List"];
    return actions.map((a) => `${a}:${grant.bucket}`);
}

/** Every action of an identity, each once, sorted (the rendered file is stable). */
export function identityActions(identity: Pick<IdentityGrants, "grants">): string[] {
    return [...new Set(identity.grants.flatMap(grantActions))].sort();
}

/**
 * The identities: config's, then one per service identity named in bucket needs (its needs merged).
 * A need for a bucket that is not configured, or a service identity named like a config one, is a
 * configuration error naming the key.
 */
export function identitiesOf(buckets: readonly string[], configured: readonly S3IdentitySettings[], needs: readonly Need[]): IdentityGrants[] {
    const problems: string[] = [];
    const identities: IdentityGrants[] = configured.map((i, at) => ({ name: i.name, origin: `objectStore.identities[${at}]`, fromConfig: true, grants: i.grants }));
    const fromServices = new Map<string, BucketGrantSettings[]>();
    for (const need of needs.filter((n) => n.kind === "bucket")) {
        const identity = need.detail?.identity;
        const access = need.detail?.access as BucketAccess | undefined;
        if (!identity || (access !== "read" && access !== "write")) throw new Error(`bucket need for ${need.name} without identity and access (use bucketNeed)`);
        if (!buckets.includes(need.name)) {
            problems.push(`data-platform:objectStore.buckets: no bucket "${need.name}" (the ${identity} identity needs it); allowed: one of ${buckets.join(", ")}, or add it`);
            continue;
        }
        const grants = fromServices.get(identity) ?? [];
        const same = grants.find((g) => g.bucket === need.name);
        if (same) grants.splice(grants.indexOf(same), 1, { bucket: need.name, access: same.access === "write" || access === "write" ? "write" : "read" });
        else grants.push({ bucket: need.name, access });
        fromServices.set(identity, grants);
    }
    for (const [name, grants] of fromServices) {
        const clash = configured.findIndex((i) => i.name === name);
        if (clash >= 0) problems.push(`data-platform:objectStore.identities[${clash}].name: got "${name}"; allowed: a name no service of the platform uses (${name} is a service's identity)`);
        else identities.push({ name, origin: `the ${name} service`, fromConfig: false, grants });
    }
    if (problems.length > 0) throw new ConfigError("", problems);
    return identities;
}

/** An identity with its keys, as the gateway reads it. */
export interface KeyedIdentity {
    readonly name: string;
    readonly accessKey: string;
    readonly secretKey: string;
    readonly actions: readonly string[];
}

/**
 * SeaweedFS' identities file (S3ApiConfiguration as JSON). A gateway given a file authenticates
 * every request, even when the file lists nobody (then it denies everyone); only a gateway without
 * any file lets everyone in as Admin, which is why every gateway gets one.
 */
export function renderS3Identities(identities: readonly KeyedIdentity[]): string {
    const file = {
        identities: identities.map((i) => ({ name: i.name, credentials: [{ accessKey: i.accessKey, secretKey: i.secretKey }], actions: [...i.actions] })),
    };
    return `${JSON.stringify(file, null, 2)}\n`;
}
