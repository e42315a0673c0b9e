import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { keystoreCertificateSpec, serviceDnsNames } from "../edge/certificates";
import * as random from "@pulumi/random";
import { createHash } from "crypto";
import { parseQuantity } from "../../config/quantity";
import { KafkaSettings } from "../../config/types";
import { selectorLabels, standardLabels } from "../meta/labels";
import { resourceRequirements } from "../meta/resources";
import { preferZoneSpread, spreadAcrossNodes } from "../meta/scheduling";
import { KEEP_VOLUMES, dataVolumeClaim } from "../meta/storage";
import { restrictedContainerSecurity, restrictedPodSecurity, scratchVolume } from "../meta/security";
import { brokerProperties, propertiesText } from "./brokerProperties";
import { PlatformSecret } from "../secrets/platformSecret";
import { SealingKey } from "../secrets/sealedSecret";
import { topicsScript } from "./topicsScript";
import { CLIENT_TLS, NodeSet, PORTS, clusterVoters, heapOptions, nodeSets, podHost } from "./topology";
import { tcpPorts } from "../meta/network";
import { HEADLESS_SERVICE_REASON, skipAwait } from "../meta/awaits";

/** apache/kafka runs as appuser. */
const KAFKA_UID = 1000;
const DATA_MOUNT = "/var/lib/kafka/data";

export interface KafkaClusterArgs {
    /** Namespace the cluster runs in. */
    readonly namespace: pulumi.Input<string>;
    /** Prefix of the StatefulSets and Services, e.g. `kafka` (pods kafka-broker-0, ...). */
    readonly clusterName: string;
    /** Topology, durability, sizing and topics from the stack config. */
    readonly settings: KafkaSettings;
    /** Pinned Kafka image built from images/kafka (JMX exporter agent and start script). */
    readonly image: pulumi.Input<string>;
    /** Keep nodes of a set on different nodes (required anti-affinity) instead of preferring it. */
    readonly strictSpread: boolean;
    /** Protect the StatefulSets from `pulumi destroy` and replacement. */
    readonly protect: boolean;
    /** The platform CA's issuer, for the client TLS listener (settings.clientTls). */
    readonly tlsIssuer: { readonly name: string; readonly ready: pulumi.Resource[] };
    /** The sealed-secrets controller's key: the keystore password reaches the cluster sealed. */
    readonly sealingKey: SealingKey;
}

/** Kafka in KRaft mode without an operator: StatefulSets of nodes, a static quorum, topics by Job. */
export class KafkaCluster extends pulumi.ComponentResource {
    /** host:port list for clients (the bootstrap Service). */
    readonly bootstrapServers: pulumi.Output<string>;
    /** Labels selecting the broker pods. */
    readonly brokerLabels: Record<string, string>;
    readonly clusterId: pulumi.Output<string>;
    /** Ports clients (other tiers) connect to: the TLS listener when there is one. */
    readonly clientPorts: number[];
    /** host:port of the listener clients use: the TLS listener (9094) when the stack has one. */
    readonly clientBootstrapServers: pulumi.Output<string>;
    /** The Secret whose `ca.crt` is the platform CA that signed the client listener (with client TLS). */
    readonly clientCaSecret?: pulumi.Output<string>;

    constructor(name: string, args: KafkaClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:streaming:KafkaCluster", name, {}, opts);
        const { clusterName, settings, namespace } = args;
        const app = { name: "kafka", instance: clusterName, version: settings.version };
        const clusterLabels = selectorLabels(app);
        const maintenanceLabels = { ...clusterLabels, "app.kubernetes.io/component": "maintenance" };
        this.brokerLabels = kafkaBrokerLabels(clusterName);
        const child = { parent: this };
        const ns = pulumi.output(namespace);
        const sets = nodeSets(clusterName, settings);

        // Generated once and kept in the state: the log directories are formatted for it.
        const clusterId = new random.RandomId(`${name}-cluster-id`, { byteLength: 16 }, child);
        this.clusterId = clusterId.b64Url;

        // --- Client TLS: a keystore per cluster from the platform CA, valid for every broker's name.
        let tls: { secretName: pulumi.Output<string>; passwordSecret: pulumi.Output<string>; certificate: pulumi.Resource } | undefined;
        if (settings.clientTls) {
            const password = new random.RandomPassword(`${name}-keystore-password`, { length: 32, special: false }, child);
            const passwordSecret = new PlatformSecret(
                `${name}-keystore-password`,
                { namespace, secretName: `${clusterName}-keystore-password`, data: { password: password.result }, labels: standardLabels(app), sealingKey: args.sealingKey },
                child,
            );
            const certificate = new k8s.apiextensions.CustomResource(
                `${name}-tls`,
                {
                    apiVersion: "cert-manager.io/v1",
                    kind: "Certificate",
                    metadata: { name: `${clusterName}-tls`, namespace, labels: standardLabels(app) },
                    spec: ns.apply((namespaceName) => clientCertificateSpec(clusterName, sets, namespaceName, args.tlsIssuer.name, `${clusterName}-keystore-password`)),
                },
                { parent: this, dependsOn: [...args.tlsIssuer.ready, passwordSecret] },
            );
            tls = { secretName: pulumi.output(`${clusterName}-tls`), passwordSecret: passwordSecret.secretName, certificate };
        }

        const statefulSets = sets.map((set) => this.nodeSet(name, set, args, clusterId.b64Url, ns, tls));

        const bootstrapName = `${clusterName}-bootstrap`;
        new k8s.core.v1.Service(
            `${name}-bootstrap`,
            {
                metadata: { name: bootstrapName, namespace, labels: standardLabels({ ...app, component: "broker" }) },
                spec: {
                    selector: this.brokerLabels,
                    ports: [
                        { name: "kafka", port: PORTS.internal, targetPort: "kafka" },
                        ...(tls ? [{ name: "kafka-tls", port: PORTS.client, targetPort: "kafka-tls" }] : []),
                    ],
                },
            },
            child,
        );
        this.bootstrapServers = pulumi.interpolate`${bootstrapName}.${ns}.svc.cluster.local:${PORTS.internal}`;
        this.clientPorts = kafkaClientPorts(settings);
        this.clientBootstrapServers = pulumi.interpolate`${bootstrapName}.${ns}.svc.cluster.local:${this.clientPorts[0]}`;
        this.clientCaSecret = tls?.secretName;

        // --- Topics: created and updated by a Job that waits for the cluster.
        const script = topicsScript(settings.topics, settings.replicationFactor);
        new k8s.batch.v1.Job(
            `${name}-topics`,
            {
                metadata: {
                    namespace,
                    labels: standardLabels({ ...app, component: "maintenance" }),
                    annotations: { "data-platform/topics": createHash("sha256").update(script).digest("hex").slice(0, 16) },
                },
                spec: {
                    backoffLimit: 10,
                    activeDeadlineSeconds: 1800,
                    template: {
                        metadata: { labels: { ...standardLabels({ ...app, component: "maintenance" }), ...maintenanceLabels } },
                        spec: {
                            restartPolicy: "OnFailure",
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            securityContext: restrictedPodSecurity(KAFKA_UID),
                            containers: [
                                {
                                    name: "topics",
                                    image: args.image,
                                    command: ["bash", "-c", script],
                                    env: [
                                        { name: "BOOTSTRAP_SERVERS", value: this.bootstrapServers },
                                        { name: "KAFKA_HEAP_OPTS", value: "-Xms128m -Xmx256m" },
                                        { name: "LOG_DIR", value: "/tmp/logs" },
                                    ],
                                    resources: { requests: { cpu: "50m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
                                    securityContext: restrictedContainerSecurity(KAFKA_UID),
                                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                },
                            ],
                            volumes: [scratchVolume("tmp")],
                        },
                    },
                },
            },
            { parent: this, dependsOn: statefulSets },
        );

        // --- Network: nodes talk to each other on both listeners; the topics Job to the brokers.
        const nodes = [{ podSelector: { matchLabels: { ...clusterLabels, "data-platform/kafka-node": "true" } } }];
        new k8s.networking.v1.NetworkPolicy(
            `${name}-nodes-policy`,
            {
                metadata: { name: `${clusterName}-nodes`, namespace, labels: standardLabels(app) },
                spec: {
                    podSelector: { matchLabels: { ...clusterLabels, "data-platform/kafka-node": "true" } },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [
                        { from: nodes, ports: tcpPorts(PORTS.internal, PORTS.controller) },
                        { from: [{ podSelector: { matchLabels: maintenanceLabels } }], ports: tcpPorts(PORTS.internal) },
                    ],
                    egress: [{ to: nodes, ports: tcpPorts(PORTS.internal, PORTS.controller) }],
                },
            },
            child,
        );
        new k8s.networking.v1.NetworkPolicy(
            `${name}-maintenance-policy`,
            {
                metadata: { name: `${clusterName}-maintenance`, namespace, labels: standardLabels(app) },
                spec: {
                    podSelector: { matchLabels: maintenanceLabels },
                    policyTypes: ["Ingress", "Egress"],
                    egress: [{ to: [{ podSelector: { matchLabels: this.brokerLabels } }], ports: tcpPorts(PORTS.internal) }],
                },
            },
            child,
        );

        this.registerOutputs({ bootstrapServers: this.bootstrapServers, clusterId: this.clusterId });
    }

    /** One set of nodes: its properties, headless Service, StatefulSet and disruption budget. */
    private nodeSet(
        name: string,
        set: NodeSet,
        args: KafkaClusterArgs,
        clusterId: pulumi.Output<string>,
        ns: pulumi.Output<string>,
        tls: { secretName: pulumi.Output<string>; passwordSecret: pulumi.Output<string>; certificate: pulumi.Resource } | undefined,
    ): k8s.apps.v1.StatefulSet {
        const { clusterName, settings, namespace } = args;
        const app = { name: "kafka", instance: clusterName, version: settings.version, component: set.role };
        const setLabels = { ...selectorLabels(app), "app.kubernetes.io/component": set.role };
        const podLabels = {
            ...standardLabels(app),
            ...setLabels,
            "data-platform/kafka-node": "true",
            "data-platform/kafka-broker": String(set.role !== "controller"),
        };
        const resourceName = `${name}-${set.role}`;
        const child = { parent: this };
        const sets = nodeSets(clusterName, settings);
        const isBroker = set.role !== "controller";
        const brokerTls = isBroker ? tls : undefined;

        const properties = ns.apply((namespaceName) =>
            propertiesText(
                brokerProperties(
                    set.role,
                    {
                        // Filled in by the image's kafka-start from the pod's name.
                        nodeId: "@NODE_ID@",
                        advertisedHost: `@POD_NAME@.${set.headlessService}.${namespaceName}.svc.cluster.local`,
                        internalPort: PORTS.internal,
                        controllerPort: PORTS.controller,
                        logDir: `${DATA_MOUNT}/logs`,
                    },
                    clusterVoters(sets, namespaceName),
                    settings,
                    brokerTls
                        ? { port: PORTS.client, keystorePath: `${CLIENT_TLS.mountPath}/${CLIENT_TLS.keystore}`, passwordDir: CLIENT_TLS.passwordDir }
                        : undefined,
                ),
            ),
        );
        const config = new k8s.core.v1.ConfigMap(
            `${resourceName}-config`,
            { metadata: { name: `${set.statefulSet}-config`, namespace, labels: standardLabels(app) }, data: { "server.properties": properties } },
            child,
        );
        const headless = new k8s.core.v1.Service(
            `${resourceName}-headless`,
            {
                metadata: { name: set.headlessService, namespace, labels: standardLabels(app), annotations: skipAwait(HEADLESS_SERVICE_REASON) },
                spec: {
                    clusterIP: "None",
                    // Nodes must resolve each other before they are ready, or the quorum never forms.
                    publishNotReadyAddresses: true,
                    selector: setLabels,
                    ports: [
                        ...(isBroker ? [{ name: "kafka", port: PORTS.internal, targetPort: "kafka" }] : []),
                        ...(brokerTls ? [{ name: "kafka-tls", port: PORTS.client, targetPort: "kafka-tls" }] : []),
                        ...(set.role !== "broker" ? [{ name: "controller", port: PORTS.controller, targetPort: "controller" }] : []),
                    ],
                },
            },
            child,
        );
        const probePort = isBroker ? "kafka" : "controller";
        const statefulSet = new k8s.apps.v1.StatefulSet(
            `${resourceName}-statefulset`,
            {
                metadata: { name: set.statefulSet, namespace, labels: standardLabels(app) },
                spec: {
                    serviceName: headless.metadata.name,
                    replicas: set.replicas,
                    // All nodes start at once: a controller quorum cannot form one pod at a time.
                    podManagementPolicy: "Parallel",
                    selector: { matchLabels: setLabels },
                    persistentVolumeClaimRetentionPolicy: KEEP_VOLUMES,
                    template: {
                        metadata: {
                            labels: podLabels,
                            annotations: {
                                "data-platform/server-properties": properties.apply((p) => createHash("sha256").update(p).digest("hex").slice(0, 16)),
                            },
                        },
                        spec: {
                            automountServiceAccountToken: false,
                            // A Service named kafka would inject KAFKA_PORT and friends into the environment.
                            enableServiceLinks: false,
                            terminationGracePeriodSeconds: 120,
                            securityContext: restrictedPodSecurity(KAFKA_UID),
                            affinity: spreadAcrossNodes(setLabels, args.strictSpread),
                            topologySpreadConstraints: preferZoneSpread(setLabels),
                            containers: [
                                {
                                    name: "kafka",
                                    image: args.image,
                                    ports: [
                                        ...(isBroker ? [{ name: "kafka", containerPort: PORTS.internal }] : []),
                                        ...(brokerTls ? [{ name: "kafka-tls", containerPort: PORTS.client }] : []),
                                        ...(set.role !== "broker" ? [{ name: "controller", containerPort: PORTS.controller }] : []),
                                        { name: "metrics", containerPort: PORTS.metrics },
                                    ],
                                    env: [
                                        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                                        { name: "NODE_ID_OFFSET", value: String(set.nodeIdOffset) },
                                        { name: "CLUSTER_ID", value: clusterId },
                                        { name: "KAFKA_HEAP_OPTS", value: heapOptions(set.resources, parseQuantity) },
                                        { name: "KAFKA_OPTS", value: `-javaagent:/opt/jmx-exporter/jmx_prometheus_javaagent.jar=${PORTS.metrics}:/opt/jmx-exporter/kafka.yaml` },
                                        { name: "LOG_DIR", value: "/tmp/logs" },
                                    ],
                                    resources: resourceRequirements(set.resources),
                                    securityContext: restrictedContainerSecurity(KAFKA_UID),
                                    startupProbe: { tcpSocket: { port: probePort }, periodSeconds: 5, failureThreshold: 60 },
                                    readinessProbe: { tcpSocket: { port: probePort }, periodSeconds: 10, failureThreshold: 3 },
                                    livenessProbe: { tcpSocket: { port: probePort }, periodSeconds: 20, failureThreshold: 6 },
                                    volumeMounts: [
                                        { name: "data", mountPath: DATA_MOUNT },
                                        { name: "config", mountPath: "/etc/kafka/platform", readOnly: true },
                                        { name: "tmp", mountPath: "/tmp" },
                                        ...(brokerTls
                                            ? [
                                                  { name: "tls", mountPath: CLIENT_TLS.mountPath, readOnly: true },
                                                  { name: "keystore-password", mountPath: CLIENT_TLS.passwordDir, readOnly: true },
                                              ]
                                            : []),
                                    ],
                                },
                            ],
                            volumes: [
                                { name: "config", configMap: { name: config.metadata.name } },
                                scratchVolume("tmp", "1Gi"),
                                ...(brokerTls
                                    ? [
                                          { name: "tls", secret: { secretName: brokerTls.secretName, items: [{ key: CLIENT_TLS.keystore, path: CLIENT_TLS.keystore }] } },
                                          // Read by the broker's DirectoryConfigProvider (server.properties names the file, not the value).
                                          { name: "keystore-password", secret: { secretName: brokerTls.passwordSecret, items: [{ key: "password", path: "password" }], defaultMode: 0o440 } },
                                      ]
                                    : []),
                            ],
                        },
                    },
                    volumeClaimTemplates: [dataVolumeClaim(setLabels, set.storage)],
                },
            },
            { parent: this, protect: args.protect, dependsOn: brokerTls ? [brokerTls.certificate] : [] },
        );
        new k8s.policy.v1.PodDisruptionBudget(
            `${resourceName}-pdb`,
            { metadata: { name: set.statefulSet, namespace, labels: standardLabels(app) }, spec: { maxUnavailable: 1, selector: { matchLabels: setLabels } } },
            child,
        );
        return statefulSet;
    }
}

/** Labels that select a cluster's broker pods (what clients connect to). */
export function kafkaBrokerLabels(clusterName: string): Record<string, string> {
    return { ...selectorLabels({ name: "kafka", instance: clusterName }), "data-platform/kafka-broker": "true" };
}

/** Ports clients (other tiers) connect to: the TLS listener when the stack has one. */
export function kafkaClientPorts(settings: Pick<KafkaSettings, "clientTls">): number[] {
    return settings.clientTls ? [PORTS.client] : [PORTS.internal];
}

/** The client listener's certificate: every broker's stable name and the bootstrap Service, as a PKCS#12 keystore. */
export function clientCertificateSpec(cluster: string, sets: readonly NodeSet[], namespace: string, issuer: string, passwordSecret: string) {
    const brokerSets = sets.filter((s) => s.role !== "controller");
    return keystoreCertificateSpec({
        secretName: `${cluster}-tls`,
        issuer,
        dnsNames: [...brokerSets.flatMap((s) => Array.from({ length: s.replicas }, (_, i) => podHost(s, i, namespace))), ...serviceDnsNames(`${cluster}-bootstrap`, namespace)],
        passwordSecret,
    });
}
