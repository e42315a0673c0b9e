// What a consumer of object storage gets through the contract: a bucket, the S3 endpoint and its
// own identity's keys, and where its pods may connect. Consumers seal the keys into a Secret of
// their own namespace (bucketCredentialsData); clients bring these static keys to S3 themselves
// (Nessie vends none: SeaweedFS has no STS), so every engine is its own identity.
import * as pulumi from "@pulumi/pulumi";
import { BucketAccess, ObjectStoreSettings } from "../../config/types";
import { endpointPort } from "../postgres/backups";
import { ipBlocks, tcpPorts } from "../meta/network";
import { OBJECT_STORE_SERVICE } from "./identities";

/** An egress rule of a NetworkPolicy. */
export interface EgressRule {
    readonly to: readonly object[];
    readonly ports: readonly { protocol: string; port: number }[];
}

/** A bucket granted to one identity. */
export interface BucketGrant {
    readonly bucket: string;
    readonly access: BucketAccess;
    readonly identity: string;
    /** S3 endpoint URL (path-style when pathStyle). */
    readonly endpoint: string;
    readonly region: string;
    readonly pathStyle: boolean;
    readonly accessKeyId: pulumi.Output<string>;
    readonly secretAccessKey: pulumi.Output<string>;
    /** Where the consumer's pods may connect for it (its own NetworkPolicy's egress). */
    readonly egress: readonly EgressRule[];
}

/** The keys of a grant as the AWS SDKs, rclone and Iceberg's S3FileIO read them (sealed into the consumer's Secret). */
export function bucketCredentialsData(grant: BucketGrant): Record<string, pulumi.Input<string>> {
    return { AWS_ACCESS_KEY_ID: grant.accessKeyId, AWS_SECRET_ACCESS_KEY: grant.secretAccessKey };
}

/** The services a consumer of object storage connects to: SeaweedFS' gateways, or none for an external store (egress by address). */
export function objectStoreReaches(store: Pick<ObjectStoreSettings, "kind">): string[] {
    return store.kind === "seaweedfs" ? [OBJECT_STORE_SERVICE] : [];
}

/** Egress of consumers to an external store: its addresses, on its endpoint's port only. */
export function externalStoreEgress(endpoint: string, egressCidrs: readonly string[]): EgressRule {
    return { to: ipBlocks(egressCidrs), ports: tcpPorts(endpointPort(endpoint)) };
}
