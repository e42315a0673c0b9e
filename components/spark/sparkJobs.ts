// Spark in native Kubernetes mode, without an operator: spark-submit runs in cluster mode in a pod
// of a Job (or a CronJob's Job), creates the driver pod, and the driver creates its executors.
// This component provides what that needs: spark-defaults.conf and the driver and executor pod
// templates (a ConfigMap mounted into the submitting pod), Spark's S3 keys (sealed), a
// ServiceAccount and Role for the submitters and one for the drivers with exactly the verbs each
// uses, the NetworkPolicy of every Spark pod, and one Job or CronJob per configured job.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { SparkJobSettings, SparkSettings } from "../../config/types";
import { skipAwait } from "../meta/awaits";
import { standardLabels } from "../meta/labels";
import { apiServerEgress, tcpPorts } from "../meta/network";
import { restrictedContainerSecurity, restrictedPodSecurity, scratchVolume } from "../meta/security";
import { EgressRule } from "../objectstore/grants";
import { PlatformSecret } from "../secrets/platformSecret";
import { SealingKey } from "../secrets/sealedSecret";
import { PeerSelector } from "../web/networkPolicies";
import { SPARK_PATHS, SPARK_UI_PORT, SPARK_UID, SparkDefaultsRendering, podTemplate, renderSparkDefaults, sparkDefaults } from "./sparkDefaults";
import { sparkResourceConf } from "./sparkResources";
import { CATALOG_CREDENTIAL_ENV } from "../nessie/nessieProperties";

/** Kubernetes names of Spark's objects. */
export const SPARK_NAMES = {
    conf: "spark-conf",
    s3: "spark-s3",
    /** The catalog client's credential (drivers only: executors never call the catalog). */
    catalog: "spark-catalog",
    /** Runs spark-submit: creates the driver pod, its ConfigMaps and Service, and watches it. */
    submitter: "spark-submit",
    /** The drivers: create and delete executors and their ConfigMaps, Services and volumes. */
    driver: "spark-driver",
    /** The NetworkPolicy of every Spark pod. */
    policy: "spark",
} as const;

/** Labels of every Spark pod: submitters, drivers (Spark adds spark-role=driver) and executors. */
export const SPARK_LABELS = { "app.kubernetes.io/name": "spark" } as const;

/** The ports drivers and executors talk on (Spark's Kubernetes defaults): driver RPC and block managers. */
export const SPARK_PORTS = { driverRpc: 7078, blockManager: 7079, ui: SPARK_UI_PORT } as const;

/** What each ServiceAccount may do in the engines namespace (Spark 3.5's submission client and executor allocator). */
export const SPARK_RBAC = {
    submitter: [
        { apiGroups: [""], resources: ["pods"], verbs: ["create", "get", "list", "watch", "delete"] },
        { apiGroups: [""], resources: ["configmaps", "services"], verbs: ["create", "get", "patch", "update", "delete"] },
    ],
    driver: [
        { apiGroups: [""], resources: ["pods"], verbs: ["create", "get", "list", "watch", "delete", "deletecollection", "patch"] },
        { apiGroups: [""], resources: ["configmaps", "services", "persistentvolumeclaims"], verbs: ["create", "get", "list", "delete", "deletecollection"] },
    ],
} as const;

/** The Kubernetes name of a job's Job or CronJob. */
export const sparkJobName = (job: Pick<SparkJobSettings, "name">) => `spark-${job.name}`;

export interface SparkJobsArgs {
    /** Namespace of the engines tier. */
    readonly namespace: pulumi.Input<string>;
    readonly settings: SparkSettings;
    /** The image built from images/spark. */
    readonly image: pulumi.Input<string>;
    /** The lakehouse catalog: Nessie's Iceberg REST endpoint, the warehouse and the object store. */
    readonly catalog: pulumi.Input<SparkDefaultsRendering["catalog"]>;
    /** Spark's own keys on the warehouse bucket. */
    readonly s3Keys: { readonly accessKeyId: pulumi.Output<string>; readonly secretAccessKey: pulumi.Output<string> };
    /** The catalog client's `<id>:<secret>`, when Nessie requires tokens (the catalog's `oauth2` says where to use it). */
    readonly catalogCredential?: pulumi.Output<string>;
    /** Where Spark pods may connect beyond each other: Nessie, Keycloak and the object store. */
    readonly egress: readonly EgressRule[];
    /** Addresses of the API server (submitters and drivers call it). */
    readonly apiServerCidrs: readonly string[];
    /** Prometheus' pods, let in on the drivers' UI port (/metrics/prometheus). */
    readonly metricsPeer: PeerSelector;
    readonly sealingKey: SealingKey;
}

export class SparkJobs extends pulumi.ComponentResource {
    /** spark-defaults.conf as the submitting pods mount it. */
    readonly defaults: pulumi.Output<string>;

    constructor(name: string, args: SparkJobsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:SparkJobs", name, {}, opts);
        const s = args.settings;
        const labels = standardLabels({ name: "spark", instance: "spark", component: "batch", version: s.version });
        new PlatformSecret(
            `${name}-s3`,
            { namespace: args.namespace, secretName: SPARK_NAMES.s3, labels, sealingKey: args.sealingKey, data: { AWS_ACCESS_KEY_ID: args.s3Keys.accessKeyId, AWS_SECRET_ACCESS_KEY: args.s3Keys.secretAccessKey } },
            { parent: this },
        );
        if (args.catalogCredential) {
            new PlatformSecret(
                `${name}-catalog`,
                { namespace: args.namespace, secretName: SPARK_NAMES.catalog, labels, sealingKey: args.sealingKey, data: { [CATALOG_CREDENTIAL_ENV]: args.catalogCredential } },
                { parent: this },
            );
        }
        const catalogSecret = args.catalogCredential ? SPARK_NAMES.catalog : undefined;
        this.defaults = pulumi.all([args.namespace, args.image, args.catalog]).apply(([namespace, image, catalog]) =>
            renderSparkDefaults(sparkDefaults({ master: "k8s://https://kubernetes.default.svc", namespace, image, driverServiceAccount: SPARK_NAMES.driver, s3Secret: SPARK_NAMES.s3, catalog, catalogSecret })),
        );
        const podLabels = (role: "driver" | "executor") => ({ ...SPARK_LABELS, "app.kubernetes.io/part-of": labels["app.kubernetes.io/part-of"], "app.kubernetes.io/component": role });
        const template = (role: "driver" | "executor") => yaml.dump(podTemplate({ role, labels: podLabels(role), resources: role === "driver" ? s.driver : s.executor, tolerations: s.tolerations }), { noRefs: true, lineWidth: -1 });
        const conf = new k8s.core.v1.ConfigMap(
            `${name}-conf`,
            { metadata: { name: SPARK_NAMES.conf, namespace: args.namespace, labels }, data: { "spark-defaults.conf": this.defaults, "driver.yaml": template("driver"), "executor.yaml": template("executor") } },
            { parent: this },
        );
        this.accounts(name, args, labels);
        this.networkPolicy(name, args, labels);
        for (const job of s.jobs) this.job(name, job, args, labels, conf);
        this.registerOutputs({ defaults: this.defaults });
    }

    /** The submitters' and the drivers' ServiceAccounts, each bound to its Role. */
    private accounts(name: string, args: SparkJobsArgs, labels: Record<string, string>): void {
        for (const role of ["submitter", "driver"] as const) {
            const account = SPARK_NAMES[role];
            new k8s.core.v1.ServiceAccount(`${name}-${role}`, { metadata: { name: account, namespace: args.namespace, labels }, automountServiceAccountToken: false }, { parent: this });
            new k8s.rbac.v1.Role(`${name}-${role}-role`, { metadata: { name: account, namespace: args.namespace, labels }, rules: SPARK_RBAC[role].map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })) }, { parent: this });
            new k8s.rbac.v1.RoleBinding(
                `${name}-${role}-binding`,
                {
                    metadata: { name: account, namespace: args.namespace, labels },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: account },
                    subjects: [{ kind: "ServiceAccount", name: account, namespace: args.namespace }],
                },
                { parent: this },
            );
        }
    }

    /** Spark pods talk to each other on any port (drivers and executors pick some); submitters and drivers call the API; Prometheus reads drivers' UI. */
    private networkPolicy(name: string, args: SparkJobsArgs, labels: Record<string, string>): void {
        const spark = [{ podSelector: { matchLabels: { ...SPARK_LABELS } } }];
        new k8s.networking.v1.NetworkPolicy(
            `${name}-policy`,
            {
                metadata: { name: SPARK_NAMES.policy, namespace: args.namespace, labels },
                spec: {
                    podSelector: { matchLabels: { ...SPARK_LABELS } },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [{ from: spark }, { from: [args.metricsPeer], ports: tcpPorts(SPARK_PORTS.ui) }],
                    egress: [{ to: spark }, apiServerEgress(args.apiServerCidrs), ...args.egress.map((r) => ({ to: [...r.to], ports: [...r.ports] }))],
                },
            },
            { parent: this },
        );
    }

    /** One configured job: a pod that runs spark-submit in cluster mode, once (Job) or on its schedule (CronJob). */
    private job(name: string, job: SparkJobSettings, args: SparkJobsArgs, labels: Record<string, string>, conf: k8s.core.v1.ConfigMap): void {
        const jobLabels = { ...labels, ...SPARK_LABELS, "app.kubernetes.io/component": "submit", "data-platform/spark-job": job.name };
        const submit = [
            "/opt/spark/bin/spark-submit",
            "--name",
            job.name,
            ...(job.mainClass ? ["--class", job.mainClass] : []),
            ...sparkSubmitConf(job).flatMap(([k, v]) => ["--conf", `${k}=${v}`]),
            job.application,
            ...job.args,
        ];
        const pod = {
            metadata: { labels: jobLabels },
            spec: {
                serviceAccountName: SPARK_NAMES.submitter,
                // spark-submit creates the driver pod through the API with this token (a declared exception of the policy pack).
                automountServiceAccountToken: true,
                enableServiceLinks: false,
                restartPolicy: "Never",
                securityContext: restrictedPodSecurity(SPARK_UID),
                ...(args.settings.tolerations.length > 0 ? { tolerations: args.settings.tolerations.map((t) => ({ ...t })) } : {}),
                containers: [
                    {
                        name: "spark-submit",
                        image: args.image,
                        // The image's entrypoint runs any command that is not "driver" or "executor" as it is.
                        args: submit,
                        env: [{ name: "SPARK_CONF_DIR", value: SPARK_PATHS.conf }],
                        resources: { requests: { cpu: "100m", memory: "384Mi" }, limits: { cpu: "1", memory: "768Mi" } },
                        securityContext: restrictedContainerSecurity(),
                        volumeMounts: [
                            { name: "conf", mountPath: `${SPARK_PATHS.conf}/spark-defaults.conf`, subPath: "spark-defaults.conf", readOnly: true },
                            { name: "conf", mountPath: SPARK_PATHS.templates, readOnly: true },
                            { name: "tmp", mountPath: "/tmp" },
                        ],
                    },
                ],
                volumes: [
                    { name: "conf", configMap: { name: conf.metadata.name, items: ["spark-defaults.conf", "driver.yaml", "executor.yaml"].map((f) => ({ key: f, path: f })) } },
                    scratchVolume("tmp", "512Mi"),
                ],
            },
        };
        // A failed submission is for a person to look at: no retries that would start a second driver.
        const jobSpec = { backoffLimit: 0, ttlSecondsAfterFinished: 7 * 86400, template: pod };
        const metadata = { name: sparkJobName(job), namespace: args.namespace, labels: jobLabels };
        if (job.schedule) {
            new k8s.batch.v1.CronJob(
                `${name}-${job.name}`,
                { metadata, spec: { schedule: job.schedule, concurrencyPolicy: "Forbid", successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3, jobTemplate: { spec: jobSpec } } },
                { parent: this },
            );
        } else {
            new k8s.batch.v1.Job(
                `${name}-${job.name}`,
                { metadata: { ...metadata, annotations: skipAwait("a Spark application runs for as long as its data takes; its Job's outcome is watched, not awaited") }, spec: jobSpec },
                { parent: this },
            );
        }
    }
}

/** A job's own --conf: its executors and the resources of its driver and executors. */
export function sparkSubmitConf(job: SparkJobSettings): [string, string][] {
    return [["spark.executor.instances", String(job.executors)], ...sparkResourceConf("driver", job.driver), ...sparkResourceConf("executor", job.executor)];
}
