// A Flink 1.20 session cluster in the engines tier: JobManagers (one leader; with Kubernetes HA the
// others stand by and take over through leader election on ConfigMaps) and TaskManagers, all with
// the config.yaml of flinkConf.ts. The image's entrypoint edits conf/config.yaml in place, so an
// init container copies the image's conf/ and the rendered file into an emptyDir that the Flink
// container mounts as conf/ (the root file system stays read-only). State (checkpoints,
// savepoints, HA metadata) lives on the object store; the S3 keys come from a sealed Secret as the
// environment S3A's credential chain reads. REST and Web UI stay inside the cluster.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { FlinkSettings, ResourceSettings } from "../../config/types";
import { fileDigest } from "../meta/digest";
import { selectorLabels, standardLabels } from "../meta/labels";
import { apiServerEgress, tcpPorts } from "../meta/network";
import { resourceRequirements } from "../meta/resources";
import { replicaPlacement } from "../meta/scheduling";
import { restrictedContainerSecurity, restrictedPodSecurity, scratchVolume } from "../meta/security";
import { CatalogOAuth2, CATALOG_CREDENTIAL_ENV, catalogVariables } from "../nessie/nessieProperties";
import { EgressRule } from "../objectstore/grants";
import { PlatformSecret } from "../secrets/platformSecret";
import { SealingKey } from "../secrets/sealedSecret";
import { PeerSelector } from "../web/networkPolicies";
import { FLINK_PATHS, FLINK_PORTS, FLINK_UID, FLINK_VERSION, FlinkS3Rendering, flinkConf, renderFlinkConf } from "./flinkConf";

export type FlinkRole = "jobmanager" | "taskmanager";

/** Kubernetes names of Flink's objects. */
export const FLINK_NAMES = {
    /** kubernetes.cluster-id: prefixes the HA ConfigMaps (flink-cluster-config-map, …). */
    clusterId: "flink",
    /** The JobManagers' Service: RPC and blob for TaskManagers without HA, REST for clients in the cluster. */
    service: "flink-jobmanager",
    jobmanager: "flink-jobmanager",
    taskmanager: "flink-taskmanager",
    config: "flink-config",
    s3: "flink-s3",
    /** The catalog client's credential (when Nessie requires tokens). */
    catalog: "flink-catalog",
    policy: "flink",
} as const;

/** Labels of every Flink pod. */
export const FLINK_LABELS = { "app.kubernetes.io/name": "flink" } as const;
export const flinkPodLabels = (role: FlinkRole) => selectorLabels({ name: "flink", instance: FLINK_NAMES[role] });

/**
 * What each role's ServiceAccount may do with Kubernetes HA (none without it): the JobManagers
 * elect a leader and keep job metadata in ConfigMaps and clean them up; the TaskManagers only
 * watch the leader's address in them.
 */
export const FLINK_RBAC = {
    jobmanager: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["create", "get", "list", "watch", "update", "patch", "delete"] }],
    taskmanager: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
} as const;

/** The ports each role listens on. */
export const FLINK_ROLE_PORTS: Record<FlinkRole, Record<string, number>> = {
    jobmanager: { rpc: FLINK_PORTS.rpc, blob: FLINK_PORTS.blob, rest: FLINK_PORTS.rest, metrics: FLINK_PORTS.metrics },
    taskmanager: { "task-rpc": FLINK_PORTS.taskRpc, data: FLINK_PORTS.data, metrics: FLINK_PORTS.metrics },
};

export interface FlinkClusterArgs {
    /** Namespace of the engines tier. */
    readonly namespace: pulumi.Input<string>;
    readonly settings: FlinkSettings;
    /** The image built from images/flink. */
    readonly image: pulumi.Input<string>;
    /** Where the object store answers for Flink's state. */
    readonly s3: pulumi.Input<FlinkS3Rendering>;
    /** Flink's own keys on its state bucket (and the warehouse, for jobs that write Iceberg tables). */
    readonly s3Keys: { readonly accessKeyId: pulumi.Output<string>; readonly secretAccessKey: pulumi.Output<string> };
    /** The lakehouse catalog, given to jobs as variables (catalogVariables). */
    readonly catalog: pulumi.Input<{ readonly uri: string; readonly warehouse: string; readonly oauth2?: CatalogOAuth2 }>;
    /** The catalog client's `<id>:<secret>` (CATALOG_CREDENTIAL_ENV of every pod), when Nessie requires tokens. */
    readonly catalogCredential?: pulumi.Output<string>;
    /** Where Flink may connect beyond its own pods: the object store, Nessie and Keycloak. */
    readonly egress: readonly EgressRule[];
    /** Addresses of the API server (Kubernetes HA). */
    readonly apiServerCidrs: readonly string[];
    /** Prometheus' pods, let in on the reporter's port. */
    readonly metricsPeer: PeerSelector;
    /** Required anti-affinity (HA stacks) instead of preferred. */
    readonly strictSpread: boolean;
    readonly sealingKey: SealingKey;
}

export class FlinkCluster extends pulumi.ComponentResource {
    /** The REST endpoint as clients in the cluster reach it (flink run -m …). */
    readonly restEndpoint: pulumi.Output<string>;
    /** config.yaml as every pod starts with it. */
    readonly conf: pulumi.Output<string>;

    constructor(name: string, args: FlinkClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:FlinkCluster", name, {}, opts);
        const s = args.settings;
        const ha = s.highAvailability.enabled;
        this.conf = pulumi.all([args.namespace, args.s3]).apply(([namespace, s3]) => renderFlinkConf(flinkConf({ settings: s, clusterId: FLINK_NAMES.clusterId, namespace, s3 })));
        const secret = new PlatformSecret(
            `${name}-s3`,
            {
                namespace: args.namespace,
                secretName: FLINK_NAMES.s3,
                labels: this.labels("jobmanager"),
                sealingKey: args.sealingKey,
                data: { AWS_ACCESS_KEY_ID: args.s3Keys.accessKeyId, AWS_SECRET_ACCESS_KEY: args.s3Keys.secretAccessKey },
            },
            { parent: this },
        );
        const catalogSecret =
            args.catalogCredential &&
            new PlatformSecret(
                `${name}-catalog`,
                { namespace: args.namespace, secretName: FLINK_NAMES.catalog, labels: this.labels("jobmanager"), sealingKey: args.sealingKey, data: { [CATALOG_CREDENTIAL_ENV]: args.catalogCredential } },
                { parent: this },
            );
        const config = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            { metadata: { name: FLINK_NAMES.config, namespace: args.namespace, labels: this.labels("jobmanager") }, data: { "config.yaml": this.conf } },
            { parent: this },
        );
        if (ha) for (const role of ["jobmanager", "taskmanager"] as const) this.account(name, role, args);
        // The variables are known before the values: the catalog signs in exactly when there is a credential.
        const catalog = pulumi.output(args.catalog).apply((c) => catalogVariables(c));
        const catalogEnv = Object.keys(catalogVariables({ uri: "", warehouse: "", oauth2: args.catalogCredential ? { tokenEndpoint: "", scope: "" } : undefined })).map((name) => ({ name, value: catalog.apply((v) => v[name]) }));
        const credentialEnv = catalogSecret ? [{ name: CATALOG_CREDENTIAL_ENV, valueFrom: { secretKeyRef: { name: catalogSecret.secretName, key: CATALOG_CREDENTIAL_ENV } } }] : [];
        const pods = { configMap: config.metadata.name, secret: secret.secretName, digest: fileDigest(this.conf), catalogEnv: [...credentialEnv, ...catalogEnv] };
        this.deployment(name, "jobmanager", s.jobManagers, s.jobManager, args, pods);
        this.deployment(name, "taskmanager", s.taskManagers, s.taskManager, args, pods);
        const jm = FLINK_ROLE_PORTS.jobmanager;
        new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { name: FLINK_NAMES.service, namespace: args.namespace, labels: this.labels("jobmanager") },
                spec: { selector: flinkPodLabels("jobmanager"), ports: ["rpc", "blob", "rest"].map((port) => ({ name: port, port: jm[port], targetPort: port })) },
            },
            { parent: this },
        );
        this.networkPolicy(name, args);
        this.restEndpoint = pulumi.interpolate`http://${FLINK_NAMES.service}.${args.namespace}.svc.cluster.local:${FLINK_PORTS.rest}`;
        this.registerOutputs({ restEndpoint: this.restEndpoint, conf: this.conf });
    }

    private labels(role: FlinkRole): Record<string, string> {
        return { ...standardLabels({ name: "flink", instance: FLINK_NAMES[role], component: `stream-${role}`, version: FLINK_VERSION }), ...flinkPodLabels(role) };
    }

    /** A role's ServiceAccount bound to its Role (Kubernetes HA only). */
    private account(name: string, role: FlinkRole, args: FlinkClusterArgs): void {
        const account = FLINK_NAMES[role];
        const labels = this.labels(role);
        new k8s.core.v1.ServiceAccount(`${name}-${role}-account`, { metadata: { name: account, namespace: args.namespace, labels }, automountServiceAccountToken: false }, { parent: this });
        new k8s.rbac.v1.Role(`${name}-${role}-role`, { metadata: { name: account, namespace: args.namespace, labels }, rules: FLINK_RBAC[role].map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })) }, { parent: this });
        new k8s.rbac.v1.RoleBinding(
            `${name}-${role}-binding`,
            { metadata: { name: account, namespace: args.namespace, labels }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: account }, subjects: [{ kind: "ServiceAccount", name: account, namespace: args.namespace }] },
            { parent: this },
        );
    }

    /** A role's Deployment (and its PDB when it has more than one pod). */
    private deployment(name: string, role: FlinkRole, replicas: number, resources: ResourceSettings, args: FlinkClusterArgs, pods: { configMap: pulumi.Output<string>; secret: pulumi.Output<string>; digest: pulumi.Output<string>; catalogEnv: k8s.types.input.core.v1.EnvVar[] }): void {
        const ha = args.settings.highAvailability.enabled;
        const labels = this.labels(role);
        const podLabels = flinkPodLabels(role);
        const ports = FLINK_ROLE_PORTS[role];
        // jobmanager.rpc.address, which the entrypoint writes into config.yaml: with HA every JobManager
        // publishes its own pod address as leader; without it all find the one JobManager by its Service.
        const rpcAddress = ha ? { valueFrom: { fieldRef: { fieldPath: "status.podIP" } } } : { value: FLINK_NAMES.service };
        const rpcPort = role === "jobmanager" ? "rpc" : "task-rpc";
        new k8s.apps.v1.Deployment(
            `${name}-${role}`,
            {
                metadata: { name: FLINK_NAMES[role], namespace: args.namespace, labels },
                spec: {
                    replicas,
                    selector: { matchLabels: podLabels },
                    // Without HA a second JobManager, even briefly, would be a second cluster.
                    strategy: role === "jobmanager" && !ha ? { type: "Recreate" } : { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: {
                        // A changed config.yaml rolls the pods (Flink reads it at start).
                        metadata: { labels, annotations: { "data-platform/config": pods.digest } },
                        spec: {
                            ...(ha ? { serviceAccountName: FLINK_NAMES[role] } : {}),
                            // Kubernetes HA talks to the API with this token (a declared exception of the policy pack).
                            automountServiceAccountToken: ha,
                            enableServiceLinks: false,
                            securityContext: restrictedPodSecurity(FLINK_UID),
                            ...replicaPlacement(podLabels, replicas, args.strictSpread),
                            initContainers: [
                                {
                                    name: "conf",
                                    image: args.image,
                                    command: ["/bin/sh", "-c", `cp ${FLINK_PATHS.conf}/* /conf/ && cp /rendered/config.yaml /conf/config.yaml`],
                                    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                                    securityContext: restrictedContainerSecurity(),
                                    volumeMounts: [
                                        { name: "conf", mountPath: "/conf" },
                                        { name: "rendered", mountPath: "/rendered", readOnly: true },
                                    ],
                                },
                            ],
                            containers: [
                                {
                                    name: "flink",
                                    image: args.image,
                                    args: [role],
                                    env: [
                                        { name: "JOB_MANAGER_RPC_ADDRESS", ...rpcAddress },
                                        { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: pods.secret, key: "AWS_ACCESS_KEY_ID" } } },
                                        { name: "AWS_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: pods.secret, key: "AWS_SECRET_ACCESS_KEY" } } },
                                        ...pods.catalogEnv,
                                    ],
                                    ports: Object.entries(ports).map(([port, containerPort]) => ({ name: port, containerPort })),
                                    startupProbe: { tcpSocket: { port: rpcPort }, periodSeconds: 5, failureThreshold: 60 },
                                    livenessProbe: { tcpSocket: { port: rpcPort }, periodSeconds: 20, failureThreshold: 3 },
                                    readinessProbe: { tcpSocket: { port: role === "jobmanager" ? "rest" : "data" }, periodSeconds: 10, failureThreshold: 3 },
                                    resources: resourceRequirements(resources),
                                    securityContext: restrictedContainerSecurity(),
                                    volumeMounts: [
                                        { name: "conf", mountPath: FLINK_PATHS.conf },
                                        { name: "log", mountPath: FLINK_PATHS.log },
                                        { name: "tmp", mountPath: FLINK_PATHS.tmp },
                                    ],
                                },
                            ],
                            volumes: [
                                { name: "rendered", configMap: { name: pods.configMap, items: [{ key: "config.yaml", path: "config.yaml" }] } },
                                scratchVolume("conf", "16Mi"),
                                scratchVolume("log", "256Mi"),
                                // io.tmp.dirs: RocksDB's working state and spilled data of the TaskManagers.
                                scratchVolume("tmp", role === "taskmanager" ? "4Gi" : "512Mi"),
                            ],
                        },
                    },
                },
            },
            { parent: this },
        );
        if (replicas > 1) {
            new k8s.policy.v1.PodDisruptionBudget(`${name}-${role}-pdb`, { metadata: { name: FLINK_NAMES[role], namespace: args.namespace, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: podLabels } } }, { parent: this });
        }
    }

    /** Between Flink's pods on its ports; in from Prometheus; out to the API (HA), the object store, Nessie and Keycloak (catalog tokens). */
    private networkPolicy(name: string, args: FlinkClusterArgs): void {
        const flink = [{ podSelector: { matchLabels: { ...FLINK_LABELS } } }];
        const internal = tcpPorts(FLINK_PORTS.rpc, FLINK_PORTS.blob, FLINK_PORTS.rest, FLINK_PORTS.taskRpc, FLINK_PORTS.data);
        new k8s.networking.v1.NetworkPolicy(
            `${name}-policy`,
            {
                metadata: { name: FLINK_NAMES.policy, namespace: args.namespace, labels: this.labels("jobmanager") },
                spec: {
                    podSelector: { matchLabels: { ...FLINK_LABELS } },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [
                        { from: flink, ports: internal },
                        { from: [args.metricsPeer], ports: tcpPorts(FLINK_PORTS.metrics) },
                    ],
                    egress: [
                        { to: flink, ports: internal },
                        ...(args.settings.highAvailability.enabled ? [apiServerEgress(args.apiServerCidrs)] : []),
                        ...args.egress.map((r) => ({ to: [...r.to], ports: [...r.ports] })),
                    ],
                },
            },
            { parent: this },
        );
    }
}
