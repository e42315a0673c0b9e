// Logical backups of a Patroni cluster: daily, weekly and monthly CronJobs to an S3 bucket with
// per-tier retention, and a suspended restore CronJob that scripts/pg-restore runs as a Job. The
// destination is the platform's object store (its backups identity, sealed here) or an external S3.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BackupSettings } from "../../config/types";
import { PlatformSecret } from "../secrets/platformSecret";
import { SealingKey } from "../secrets/sealedSecret";
import { EgressRule } from "../objectstore/grants";
import { BACKUP_TIERS, BackupDestination, backupEnvironment, restoreEnvironment } from "./backups";
import { MaintenanceContext, maintenancePod } from "./maintenancePod";

/** Marks backup and restore pods, which alone may reach the bucket. */
export const BACKUP_POD_LABELS = { "data-platform/maintenance": "backup" } as const;

export interface PostgresBackupsArgs {
    /** The cluster's maintenance context: image, settings, credentials, labels. */
    readonly context: MaintenanceContext;
    /** Schedules and retention. */
    readonly settings: BackupSettings;
    /** Bucket, endpoint and the Secret of the keys. */
    readonly destination: Omit<BackupDestination, "credentialsSecret"> & { readonly credentialsSecret?: string };
    /** Keys to seal into the cluster's namespace (a granted identity); without them, destination.credentialsSecret must exist. */
    readonly credentials?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Where backup pods may connect to reach the destination. */
    readonly egress: readonly EgressRule[];
    readonly sealingKey: SealingKey;
}

export class PostgresBackups extends pulumi.ComponentResource {
    constructor(name: string, args: PostgresBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:PostgresBackups", name, {}, opts);
        const { context, settings } = args;
        const { scope, namespace, labels } = context;
        const child = { parent: this };
        const credentialsSecret: pulumi.Input<string> = args.credentials
            ? new PlatformSecret(`${name}-s3`, { namespace, secretName: `${scope}-backup-s3`, labels, sealingKey: args.sealingKey, data: args.credentials }, child).secretName
            : args.destination.credentialsSecret!;
        const destination: BackupDestination = { ...args.destination, credentialsSecret };
        const pod = (container: string, command: string, env: Parameters<typeof maintenancePod>[3]) => maintenancePod(context, container, command, env, "Never", BACKUP_POD_LABELS);

        for (const tier of BACKUP_TIERS) {
            new k8s.batch.v1.CronJob(
                `${name}-${tier}`,
                {
                    metadata: { name: `${scope}-backup-${tier}`, namespace, labels },
                    spec: {
                        schedule: settings.schedules[tier],
                        timeZone: "Etc/UTC",
                        concurrencyPolicy: "Forbid",
                        startingDeadlineSeconds: 3600,
                        successfulJobsHistoryLimit: 3,
                        failedJobsHistoryLimit: 3,
                        jobTemplate: {
                            spec: { backoffLimit: 2, activeDeadlineSeconds: 6 * 3600, template: pod("backup", "pg-backup", backupEnvironment(tier, settings, destination, scope, context.credentialsName)) },
                        },
                    },
                },
                child,
            );
        }
        new k8s.batch.v1.CronJob(
            `${name}-restore`,
            {
                metadata: {
                    name: `${scope}-restore`,
                    namespace,
                    labels,
                    annotations: { "data-platform/usage": "never scheduled: run scripts/pg-restore <tier> <stamp|latest> [database ...]" },
                },
                spec: {
                    schedule: "0 0 1 1 *",
                    suspend: true,
                    concurrencyPolicy: "Forbid",
                    jobTemplate: {
                        spec: {
                            backoffLimit: 0,
                            template: pod("restore", 'pg-restore-backup "$RESTORE_TIER" "$RESTORE_STAMP" $RESTORE_DATABASES', restoreEnvironment(destination, scope, context.credentialsName)),
                        },
                    },
                },
            },
            child,
        );
        // Backup and restore pods reach the primary (the maintenance policy) and the bucket (this one).
        new k8s.networking.v1.NetworkPolicy(
            `${name}-policy`,
            {
                metadata: { name: `${scope}-backups`, namespace, labels },
                spec: {
                    podSelector: { matchLabels: { ...context.podLabels, ...BACKUP_POD_LABELS } },
                    policyTypes: ["Egress"],
                    egress: args.egress.map((r) => ({ to: [...r.to], ports: [...r.ports] })),
                },
            },
            child,
        );
        this.registerOutputs({});
    }
}
