// Kafka Connect in distributed mode in the streaming tier: stateless workers (a Deployment: their
// configuration, offsets and statuses live in Kafka topics named after the group), the REST API on
// 8083 inside the cluster only, and the connectors of the stack config applied by a Job. Connector
// credentials are files of a sealed Secret, which Kafka's FileConfigProvider reads inside the
// worker: the ConfigMaps, the Job's requests and Connect's config topic carry references only.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseQuantity } from "../../config/quantity";
import { ConnectSettings } from "../../config/types";
import { fileDigest } from "../meta/digest";
import { selectorLabels, standardLabels } from "../meta/labels";
import { tcpPorts } from "../meta/network";
import { resourceRequirements } from "../meta/resources";
import { replicaPlacement } from "../meta/scheduling";
import { restrictedContainerSecurity, restrictedPodSecurity, scratchVolume } from "../meta/security";
import { EgressRule } from "../objectstore/grants";
import { heapOptions } from "../kafka/topology";
import { PlatformSecret } from "../secrets/platformSecret";
import { SealingKey } from "../secrets/sealedSecret";
import { PeerSelector } from "../web/networkPolicies";
import { connectorFiles } from "./connectorConfig";
import { propertiesText } from "../kafka/brokerProperties";
import { CONNECT_PATHS, CONNECT_PORTS, CONNECT_UID, renderWorkerProperties } from "./workerProperties";

/** Kubernetes names of Connect's objects. */
export const CONNECT_NAMES = {
    /** The Deployment, its Service (REST in the cluster), PDB and NetworkPolicy. */
    workers: "connect",
    config: "connect-config",
    connectors: "connect-connectors",
    credentials: "connect-credentials",
    /** The connectors Job's NetworkPolicy. */
    connectorsJob: "connect-connectors",
} as const;

/** Labels of the worker pods (what the REST Service, the PDB and the policies select). */
export const CONNECT_POD_LABELS = selectorLabels({ name: "kafka-connect", instance: CONNECT_NAMES.workers });
/** Labels of the connectors Job's pods: the only pods besides the workers that reach the REST API. */
export const CONNECTORS_JOB_LABELS = { ...selectorLabels({ name: "kafka-connect", instance: CONNECT_NAMES.connectorsJob }), "data-platform/job": "connect-connectors" };

/** What a capture connector's worker needs to log in to PostgreSQL: its password, as the connector's credentials file. */
export interface ConnectorCredentials {
    readonly connector: string;
    readonly password: pulumi.Input<string>;
}

export interface KafkaConnectArgs {
    /** Namespace of the streaming tier (Kafka's). */
    readonly namespace: pulumi.Input<string>;
    readonly settings: ConnectSettings;
    /** The image built from images/connect (apache/kafka with the Debezium plugin). */
    readonly image: pulumi.Input<string>;
    /** The brokers' client listener. */
    readonly bootstrapServers: pulumi.Input<string>;
    /** The brokers' durability: the internal and the connectors' topics are created with it. */
    readonly kafka: { readonly replicationFactor: number; readonly minInsyncReplicas: number };
    /** With client TLS: the Secret holding the platform CA (`ca.crt`) in this namespace. */
    readonly kafkaCaSecret?: pulumi.Input<string>;
    /** Each connector's configuration object (PUT /connectors/<name>/config), rendered. */
    readonly connectors: pulumi.Input<Readonly<Record<string, Readonly<Record<string, string>>>>>;
    /** Connectors' credentials files (capture connectors' PostgreSQL passwords). */
    readonly credentials: readonly ConnectorCredentials[];
    /** Where the workers may connect beyond each other: the brokers, PostgreSQL. */
    readonly egress: readonly EgressRule[];
    /** Prometheus' pods, let in on the metrics port. */
    readonly metricsPeer: PeerSelector;
    /** Required anti-affinity (HA stacks) instead of preferred. */
    readonly strictSpread: boolean;
    readonly sealingKey: SealingKey;
}

export class KafkaConnect extends pulumi.ComponentResource {
    /** The REST API as clients in the cluster reach it. */
    readonly restEndpoint: pulumi.Output<string>;
    /** connect-distributed.properties as every worker starts with it (before the pod IP is filled in). */
    readonly workerProperties: pulumi.Output<string>;

    constructor(name: string, args: KafkaConnectArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:streaming:KafkaConnect", name, {}, opts);
        const s = args.settings;
        const labels = standardLabels({ name: "kafka-connect", instance: CONNECT_NAMES.workers, component: "change-data-capture", version: s.debeziumVersion });
        this.workerProperties = pulumi.output(args.bootstrapServers).apply((bootstrapServers) =>
            propertiesText(
                renderWorkerProperties({
                    bootstrapServers,
                    groupId: s.groupId,
                    kafka: args.kafka,
                    truststore: args.kafkaCaSecret ? CONNECT_PATHS.truststore : undefined,
                    // connect-start fills in the pod's own address: other workers forward REST requests to it.
                    advertisedHost: "@POD_IP@",
                    restPort: CONNECT_PORTS.rest,
                    pluginPath: CONNECT_PATHS.plugins,
                }),
            ),
        );
        const config = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            { metadata: { name: CONNECT_NAMES.config, namespace: args.namespace, labels }, data: { "connect-distributed.properties": this.workerProperties } },
            { parent: this },
        );
        const credentials = new PlatformSecret(
            `${name}-credentials`,
            {
                namespace: args.namespace,
                secretName: CONNECT_NAMES.credentials,
                labels,
                sealingKey: args.sealingKey,
                // One properties file per connector; an empty marker keeps the Secret (and the mount) when none has credentials.
                data: { ...Object.fromEntries(args.credentials.map((c) => [`${c.connector}.properties`, pulumi.interpolate`password=${c.password}\n`])), README: "Credentials of Kafka Connect's connectors: <connector>.properties, read by FileConfigProvider.\n" },
            },
            { parent: this },
        );
        const workers = this.deployment(name, args, labels, { config: config.metadata.name, credentials: credentials.secretName, digest: fileDigest(this.workerProperties) });
        new k8s.core.v1.Service(
            `${name}-service`,
            { metadata: { name: CONNECT_NAMES.workers, namespace: args.namespace, labels }, spec: { selector: CONNECT_POD_LABELS, ports: [{ name: "rest", port: CONNECT_PORTS.rest, targetPort: "rest" }] } },
            { parent: this },
        );
        if (s.replicas > 1) {
            new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: { name: CONNECT_NAMES.workers, namespace: args.namespace, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: CONNECT_POD_LABELS } } }, { parent: this });
        }
        this.restEndpoint = pulumi.interpolate`http://${CONNECT_NAMES.workers}.${args.namespace}:${CONNECT_PORTS.rest}`;
        this.connectorsJob(name, args, labels, workers);
        this.networkPolicies(name, args, labels);
        this.registerOutputs({ restEndpoint: this.restEndpoint, workerProperties: this.workerProperties });
    }

    /** The workers: the image's connect-start with the rendered properties, credentials and the platform CA as read-only files. */
    private deployment(name: string, args: KafkaConnectArgs, labels: Record<string, string>, files: { config: pulumi.Output<string>; credentials: pulumi.Output<string>; digest: pulumi.Output<string> }): k8s.apps.v1.Deployment {
        const s = args.settings;
        return new k8s.apps.v1.Deployment(
            `${name}-workers`,
            {
                metadata: { name: CONNECT_NAMES.workers, namespace: args.namespace, labels },
                spec: {
                    replicas: s.replicas,
                    selector: { matchLabels: CONNECT_POD_LABELS },
                    // One worker at a time, a new one ready before an old one leaves: tasks move once per step.
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: {
                        metadata: { labels: { ...labels, ...CONNECT_POD_LABELS }, annotations: { "data-platform/config": files.digest } },
                        spec: {
                            automountServiceAccountToken: false,
                            // A Service named kafka would inject KAFKA_PORT, which the image's scripts read as a property.
                            enableServiceLinks: false,
                            // A stopping worker hands its tasks over and commits their offsets.
                            terminationGracePeriodSeconds: 60,
                            securityContext: restrictedPodSecurity(CONNECT_UID),
                            ...replicaPlacement(CONNECT_POD_LABELS, s.replicas, args.strictSpread),
                            containers: [
                                {
                                    name: "connect",
                                    image: args.image,
                                    env: [
                                        { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
                                        { name: "CONNECT_PROPERTIES", value: `${CONNECT_PATHS.config}/connect-distributed.properties` },
                                        { name: "KAFKA_HEAP_OPTS", value: heapOptions(s.resources, parseQuantity) },
                                        { name: "KAFKA_OPTS", value: `-javaagent:/opt/jmx-exporter/jmx_prometheus_javaagent.jar=${CONNECT_PORTS.metrics}:/opt/jmx-exporter/connect.yaml` },
                                        { name: "LOG_DIR", value: "/tmp/connect-logs" },
                                    ],
                                    ports: [
                                        { name: "rest", containerPort: CONNECT_PORTS.rest },
                                        { name: "metrics", containerPort: CONNECT_PORTS.metrics },
                                    ],
                                    // /health answers 200 once the worker has joined its group and read the config topic (KIP-1017).
                                    startupProbe: { httpGet: { path: "/health", port: "rest" }, periodSeconds: 5, failureThreshold: 60 },
                                    readinessProbe: { httpGet: { path: "/health", port: "rest" }, periodSeconds: 10, failureThreshold: 3 },
                                    livenessProbe: { httpGet: { path: "/health", port: "rest" }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
                                    resources: resourceRequirements(s.resources),
                                    securityContext: restrictedContainerSecurity(CONNECT_UID),
                                    volumeMounts: [
                                        { name: "config", mountPath: CONNECT_PATHS.config, readOnly: true },
                                        { name: "credentials", mountPath: CONNECT_PATHS.secrets, readOnly: true },
                                        ...s.credentialSecrets.map((secret) => ({ name: `secret-${secret}`, mountPath: `${CONNECT_PATHS.credentialSecrets}/${secret}`, readOnly: true })),
                                        ...(args.kafkaCaSecret ? [{ name: "kafka-ca", mountPath: CONNECT_PATHS.truststoreDir, readOnly: true }] : []),
                                        // The runtime properties and the logs (the root file system is read-only).
                                        { name: "tmp", mountPath: "/tmp" },
                                    ],
                                },
                            ],
                            volumes: [
                                { name: "config", configMap: { name: files.config } },
                                { name: "credentials", secret: { secretName: files.credentials, defaultMode: 0o440 } },
                                ...s.credentialSecrets.map((secret) => ({ name: `secret-${secret}`, secret: { secretName: secret, defaultMode: 0o440 } })),
                                // Only the CA of the brokers' certificate Secret: the brokers' key stays unmounted.
                                ...(args.kafkaCaSecret ? [{ name: "kafka-ca", secret: { secretName: args.kafkaCaSecret, items: [{ key: "ca.crt", path: "ca.crt" }] } }] : []),
                                scratchVolume("tmp", "1Gi"),
                            ],
                        },
                    },
                },
            },
            { parent: this },
        );
    }

    /**
     * The connectors Job (images/connect/bin/connect-apply-connectors): PUTs each connector's
     * configuration where it differs and deletes only the connectors the config marks for deletion.
     * Its pod template carries the connectors' digest, so a change replaces the Job and runs it again.
     */
    private connectorsJob(name: string, args: KafkaConnectArgs, labels: Record<string, string>, workers: k8s.apps.v1.Deployment): void {
        const files = pulumi.output(args.connectors).apply((connectors) => connectorFiles(args.settings.connectors, connectors));
        const map = new k8s.core.v1.ConfigMap(`${name}-connectors`, { metadata: { name: CONNECT_NAMES.connectors, namespace: args.namespace, labels }, data: files }, { parent: this });
        const digest = fileDigest(files.apply((f) => JSON.stringify(f)));
        new k8s.batch.v1.Job(
            `${name}-connectors`,
            {
                metadata: { namespace: args.namespace, labels: { ...labels, "app.kubernetes.io/component": "maintenance" } },
                spec: {
                    backoffLimit: 6,
                    activeDeadlineSeconds: 1800,
                    template: {
                        metadata: { labels: { ...labels, "app.kubernetes.io/component": "maintenance", ...CONNECTORS_JOB_LABELS }, annotations: { "data-platform/connectors": digest } },
                        spec: {
                            restartPolicy: "OnFailure",
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            securityContext: restrictedPodSecurity(CONNECT_UID),
                            containers: [
                                {
                                    name: "connectors",
                                    image: args.image,
                                    command: ["connect-apply-connectors", "/etc/connect-connectors"],
                                    env: [
                                        { name: "CONNECT_URL", value: `http://${CONNECT_NAMES.workers}:${CONNECT_PORTS.rest}` },
                                        { name: "APPLY_TIMEOUT", value: "600" },
                                    ],
                                    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
                                    securityContext: restrictedContainerSecurity(CONNECT_UID),
                                    volumeMounts: [
                                        { name: "connectors", mountPath: "/etc/connect-connectors", readOnly: true },
                                        { name: "tmp", mountPath: "/tmp" },
                                    ],
                                },
                            ],
                            volumes: [{ name: "connectors", configMap: { name: map.metadata.name } }, scratchVolume("tmp", "16Mi")],
                        },
                    },
                },
            },
            { parent: this, dependsOn: [workers] },
        );
    }

    /** Workers talk to each other (REST forwarding), the Job and Prometheus come in; out to the brokers and PostgreSQL. */
    private networkPolicies(name: string, args: KafkaConnectArgs, labels: Record<string, string>): void {
        const workers = [{ podSelector: { matchLabels: CONNECT_POD_LABELS } }];
        new k8s.networking.v1.NetworkPolicy(
            `${name}-policy`,
            {
                metadata: { name: CONNECT_NAMES.workers, namespace: args.namespace, labels },
                spec: {
                    podSelector: { matchLabels: CONNECT_POD_LABELS },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [
                        { from: [...workers, { podSelector: { matchLabels: CONNECTORS_JOB_LABELS } }], ports: tcpPorts(CONNECT_PORTS.rest) },
                        { from: [args.metricsPeer], ports: tcpPorts(CONNECT_PORTS.metrics) },
                    ],
                    egress: [{ to: workers, ports: tcpPorts(CONNECT_PORTS.rest) }, ...args.egress.map((r) => ({ to: [...r.to], ports: [...r.ports] }))],
                },
            },
            { parent: this },
        );
        new k8s.networking.v1.NetworkPolicy(
            `${name}-connectors-policy`,
            {
                metadata: { name: CONNECT_NAMES.connectorsJob, namespace: args.namespace, labels },
                spec: { podSelector: { matchLabels: CONNECTORS_JOB_LABELS }, policyTypes: ["Ingress", "Egress"], egress: [{ to: workers, ports: tcpPorts(CONNECT_PORTS.rest) }] },
            },
            { parent: this },
        );
    }
}
