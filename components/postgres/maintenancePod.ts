// The pod of every job that works on a Patroni cluster from outside it (the databases Job, backups,
// restores): the cluster's image, one container, credentials as files read into psql's and rclone's
// variables by LOAD_SECRET_FILES inside the container's shell only.
import * as pulumi from "@pulumi/pulumi";
import { AppIdentity, standardLabels } from "../meta/labels";
import { EnvVar, LOAD_SECRET_FILES, secretEnvAsFiles } from "../meta/secretFiles";
import { restrictedContainerSecurity, restrictedPodSecurity, scratchVolume } from "../meta/security";
import { PATHS } from "./patroniConfig";

/** Patroni's member pods, and the jobs beside them, run as the postgres user of the official image. */
export const POSTGRES_UID = 999;

/** What jobs against one cluster share. */
export interface MaintenanceContext {
    readonly app: AppIdentity;
    readonly namespace: pulumi.Input<string>;
    /** Patroni scope: the primary's Service name. */
    readonly scope: string;
    /** The cluster's image (it carries psql, rclone and the backup scripts). */
    readonly image: pulumi.Input<string>;
    /** ConfigMap of the cluster's settings (mounted at PATHS.configDir). */
    readonly settingsMapName: pulumi.Input<string>;
    /** Secret of the cluster's own credentials (superuser). */
    readonly credentialsName: string;
    /** Labels of maintenance pods: the members admit them on the PostgreSQL port. */
    readonly podLabels: Readonly<Record<string, string>>;
    /** Labels of maintenance objects (Jobs, CronJobs, their policies). */
    readonly labels: Readonly<Record<string, string>>;
    /** Labels that select the member pods. */
    readonly memberLabels: Readonly<Record<string, string>>;
}

/** A maintenance pod template running `command` in bash with `env`; `extraLabels` mark a kind of job for its own NetworkPolicy. */
export function maintenancePod(context: MaintenanceContext, containerName: string, command: string, env: readonly EnvVar[], restartPolicy: string, extraLabels: Readonly<Record<string, string>> = {}) {
    const secrets = secretEnvAsFiles(env);
    return {
        metadata: { labels: { ...standardLabels({ ...context.app, component: "maintenance" }), ...context.podLabels, ...extraLabels } },
        spec: {
            restartPolicy,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurity(POSTGRES_UID),
            containers: [
                {
                    name: containerName,
                    image: context.image,
                    command: ["bash", "-ceu", `${LOAD_SECRET_FILES}\n${command}`],
                    env: secrets.env,
                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1", memory: "512Mi" } },
                    securityContext: restrictedContainerSecurity(POSTGRES_UID),
                    volumeMounts: [
                        { name: "settings", mountPath: PATHS.configDir, readOnly: true },
                        { name: "tmp", mountPath: "/tmp" },
                        ...(secrets.volumeMount ? [secrets.volumeMount] : []),
                    ],
                },
            ],
            volumes: [{ name: "settings", configMap: { name: context.settingsMapName } }, scratchVolume("tmp"), ...(secrets.volume ? [secrets.volume] : [])],
        },
    };
}
