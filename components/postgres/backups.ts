// Pure builders for the backup and restore jobs of a Patroni cluster.
import * as pulumi from "@pulumi/pulumi";
import { BackupSettings, BackupTier } from "../../config/types";
import { EnvVar, fromSecret, superuserClientEnvironment } from "./environment";

export const BACKUP_TIERS: readonly BackupTier[] = ["daily", "weekly", "monthly"];

/** rclone remote name used by the scripts (configured entirely through environment variables). */
const REMOTE = "s3";

/** Port of the object store endpoint, for NetworkPolicy egress. */
export function endpointPort(endpoint: string): number {
    const url = new URL(endpoint);
    return url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
}

/** Where backups are written and with which credentials: the platform's store or an external S3. */
export interface BackupDestination {
    readonly endpoint: string;
    readonly region: string;
    readonly bucket: string;
    /** Key prefix inside the bucket. */
    readonly prefix: string;
    /** Secret (in the cluster's namespace) with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. */
    readonly credentialsSecret: pulumi.Input<string>;
}

/** Environment of backup and restore containers: the bucket through rclone. */
export function objectStoreEnvironment(destination: BackupDestination): EnvVar[] {
    const rclone = `RCLONE_CONFIG_${REMOTE.toUpperCase()}`;
    return [
        { name: "BACKUP_DEST", value: `${REMOTE}:${destination.bucket}/${destination.prefix}` },
        { name: `${rclone}_TYPE`, value: "s3" },
        { name: `${rclone}_PROVIDER`, value: "Other" },
        { name: `${rclone}_ENDPOINT`, value: destination.endpoint },
        { name: `${rclone}_REGION`, value: destination.region },
        { name: `${rclone}_ENV_AUTH`, value: "false" },
        // Buckets are made by the object store's bucket-init Job (or the provider): identities may not create them.
        { name: `${rclone}_NO_CHECK_BUCKET`, value: "true" },
        fromSecret(`${rclone}_ACCESS_KEY_ID`, destination.credentialsSecret, "AWS_ACCESS_KEY_ID"),
        fromSecret(`${rclone}_SECRET_ACCESS_KEY`, destination.credentialsSecret, "AWS_SECRET_ACCESS_KEY"),
        // The root filesystem is read-only: rclone and mktemp work under /tmp.
        { name: "HOME", value: "/tmp" },
        { name: "RCLONE_CONFIG", value: "/tmp/rclone.conf" },
    ];
}

/** A backup job's environment: the primary as superuser, the destination, the tier and its retention. */
export function backupEnvironment(tier: BackupTier, backup: Pick<BackupSettings, "retentionDays">, destination: BackupDestination, primaryHost: string, credentialsSecret: string): EnvVar[] {
    return [
        ...superuserClientEnvironment(primaryHost, credentialsSecret),
        ...objectStoreEnvironment(destination),
        { name: "BACKUP_TIER", value: tier },
        { name: "RETENTION_DAYS", value: String(backup.retentionDays[tier]) },
    ];
}

/** The restore job's environment: which backup to restore, changed per run by scripts/pg-restore. */
export function restoreEnvironment(destination: BackupDestination, primaryHost: string, credentialsSecret: string): EnvVar[] {
    return [
        ...superuserClientEnvironment(primaryHost, credentialsSecret),
        ...objectStoreEnvironment(destination),
        { name: "RESTORE_TIER", value: "daily" },
        { name: "RESTORE_STAMP", value: "latest" },
        // Empty: every database of the backup.
        { name: "RESTORE_DATABASES", value: "" },
    ];
}

/** A one-off restore Job from the suspended restore CronJob, for the chosen backup (scripts/pg-restore). */
export function restoreJob(cronJob: any, jobName: string, tier: string, stamp: string, databases: readonly string[]): any {
    if (!BACKUP_TIERS.includes(tier as BackupTier)) throw new Error(`tier must be one of ${BACKUP_TIERS.join(", ")}, got ${tier}`);
    if (stamp !== "latest" && !/^\d{8}T\d{6}Z$/.test(stamp)) throw new Error(`stamp must be "latest" or like 20260101T021500Z, got ${stamp}`);
    const spec = JSON.parse(JSON.stringify(cronJob.spec.jobTemplate.spec));
    const choice: Record<string, string> = { RESTORE_TIER: tier, RESTORE_STAMP: stamp, RESTORE_DATABASES: databases.join(" ") };
    for (const container of spec.template.spec.containers) {
        container.env = (container.env ?? []).map((e: EnvVar) => (e.name in choice ? { name: e.name, value: choice[e.name] } : e));
    }
    return {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: jobName, namespace: cronJob.metadata.namespace, labels: cronJob.metadata.labels },
        spec,
    };
}
