// Trino in the engines tier: one coordinator (the trino Service: client protocol, Web UI,
// discovery) and a Deployment of workers that announce themselves to it, every node with the etc/
// files of trinoProperties.ts (a ConfigMap per role) and the lakehouse catalog's S3 keys and the
// internal shared secret from a sealed Secret. Workers shut down gracefully: a preStop asks each
// to drain and waits for it, within a termination grace period sized for it.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { trinoMemory, trinoQueryMaxMemoryMB } from "../../config/trino";
import { TrinoNodeSettings, TrinoSettings } from "../../config/types";
import { fileDigest } from "../meta/digest";
import { selectorLabels, standardLabels } from "../meta/labels";
import { tcpPorts } from "../meta/network";
import { resourceRequirements } from "../meta/resources";
import { replicaPlacement } from "../meta/scheduling";
import { restrictedContainerSecurity, restrictedPodSecurity, scratchVolume } from "../meta/security";
import { EgressRule } from "../objectstore/grants";
import { PlatformSecret } from "../secrets/platformSecret";
import { SealingKey } from "../secrets/sealedSecret";
import { PeerSelector } from "../web/networkPolicies";
import { TRINO_AUTH_ENV, TRINO_HTTPS_PORT, TRINO_TLS } from "./trinoAuthentication";
import { keystoreCertificateSpec, serviceDnsNames } from "../edge/certificates";
import { LakehouseCatalogRendering, TRINO_ENV, TRINO_PATHS, TRINO_PORT, TrinoRole, renderTrinoEtc, trinoEnvironment, workerPreStop } from "./trinoProperties";

/** The image's trino user (USER trino is a name: the kubelet needs the number for runAsNonRoot). */
const TRINO_UID = 1000;

/** Kubernetes names of Trino's objects. */
export const TRINO_NAMES = {
    /** The coordinator: trino.<engines namespace>.svc:8080. */
    service: "trino",
    coordinator: "trino-coordinator",
    worker: "trino-worker",
    secrets: "trino-secrets",
    /** The coordinator's HTTPS keystore (cert-manager) and its password. */
    tls: "trino-tls",
    keystorePassword: "trino-keystore-password",
} as const;

/** Labels of every Trino pod (coordinator and workers talk to each other). */
export const TRINO_LABELS = { "app.kubernetes.io/name": "trino" } as const;
/** Labels of one role's pods. */
export const trinoPodLabels = (role: TrinoRole) => selectorLabels({ name: "trino", instance: TRINO_NAMES[role] });

export interface TrinoClusterArgs {
    /** Namespace of the engines tier. */
    readonly namespace: pulumi.Input<string>;
    readonly settings: TrinoSettings;
    /** The stack's environment (node.environment). */
    readonly environment: string;
    /** Pinned Trino image. */
    readonly image: pulumi.Input<string>;
    /** The lakehouse catalog: Nessie's Iceberg REST endpoint, the warehouse and the object store. */
    readonly catalog: pulumi.Input<LakehouseCatalogRendering>;
    /** Trino's own keys on the warehouse bucket. */
    readonly s3Keys: { readonly accessKeyId: pulumi.Output<string>; readonly secretAccessKey: pulumi.Output<string> };
    /** The coordinator's sign-in through the platform realm, when the stack has one: its client and the CA its HTTPS certificate comes from. */
    readonly authentication?: {
        readonly issuer: string;
        readonly internalRealmUrl: pulumi.Output<string>;
        readonly clientId: string;
        readonly clientSecret: pulumi.Output<string>;
        readonly tlsIssuer: { readonly name: string; readonly ready: pulumi.Resource[] };
    };
    /** The catalog client's `<id>:<secret>`, when Nessie requires tokens (the catalog's `oauth2` says where to use it). */
    readonly catalogCredential?: pulumi.Output<string>;
    /** Where Trino may connect beyond its own nodes: Nessie, Keycloak and the object store. */
    readonly egress: readonly EgressRule[];
    /** Prometheus' pods, let in on the HTTP port (/metrics), and on the coordinator's HTTPS port when users sign in. */
    readonly metricsPeer: PeerSelector;
    /** The ingress controller's pods, let in to the coordinator when it is published. */
    readonly ingressPeer?: PeerSelector;
    /** Required anti-affinity of workers (HA stacks) instead of preferred. */
    readonly strictSpread: boolean;
    readonly sealingKey: SealingKey;
}

export class TrinoCluster extends pulumi.ComponentResource {
    /** The coordinator as clients in the cluster reach it. */
    readonly endpoint: pulumi.Output<string>;

    constructor(name: string, args: TrinoClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:TrinoCluster", name, {}, opts);
        const s = args.settings;
        const discoveryUri = pulumi.interpolate`http://${TRINO_NAMES.service}.${args.namespace}.svc.cluster.local:${TRINO_PORT}`;
        const tls = args.authentication && this.certificate(name, args);
        const secrets = this.secrets(name, args, tls?.password);
        this.node(name, "coordinator", s.coordinator, 1, args, discoveryUri, secrets);
        if (s.workers > 0) this.node(name, "worker", s.worker, s.workers, args, discoveryUri, secrets);
        const labels = this.labels("coordinator", args);
        new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { name: TRINO_NAMES.service, namespace: args.namespace, labels },
                spec: { selector: trinoPodLabels("coordinator"), ports: [{ name: "http", port: TRINO_PORT, targetPort: "http" }, ...(tls ? [{ name: "https", port: TRINO_HTTPS_PORT, targetPort: "https" }] : [])] },
            },
            { parent: this },
        );
        if (s.workers > 1) {
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-workers-pdb`,
                { metadata: { name: TRINO_NAMES.worker, namespace: args.namespace, labels: this.labels("worker", args) }, spec: { maxUnavailable: 1, selector: { matchLabels: trinoPodLabels("worker") } } },
                { parent: this },
            );
        }
        this.networkPolicy(name, args);
        this.endpoint = discoveryUri;
        this.registerOutputs({ endpoint: this.endpoint });
    }

    private labels(role: TrinoRole, args: TrinoClusterArgs): Record<string, string> {
        const version = args.settings.image.replace(/^.*:/, "").replace(/@.*$/, "");
        return { ...standardLabels({ name: "trino", instance: TRINO_NAMES[role], component: `query-${role}`, version }), ...trinoPodLabels(role) };
    }

    /** The coordinator's HTTPS certificate from the platform CA, valid for the Service's names, as a PKCS#12 keystore with a generated password. */
    private certificate(name: string, args: TrinoClusterArgs): { password: pulumi.Output<string> } {
        const labels = this.labels("coordinator", args);
        const password = new random.RandomPassword(`${name}-keystore-password`, { length: 32, special: false }, { parent: this }).result;
        const passwordSecret = new PlatformSecret(
            `${name}-keystore-password`,
            { namespace: args.namespace, secretName: TRINO_NAMES.keystorePassword, labels, sealingKey: args.sealingKey, data: { password } },
            { parent: this },
        );
        new k8s.apiextensions.CustomResource(
            `${name}-tls`,
            {
                apiVersion: "cert-manager.io/v1",
                kind: "Certificate",
                metadata: { name: TRINO_NAMES.tls, namespace: args.namespace, labels },
                spec: pulumi.output(args.namespace).apply((ns) =>
                    keystoreCertificateSpec({ secretName: TRINO_NAMES.tls, issuer: args.authentication!.tlsIssuer.name, dnsNames: serviceDnsNames(TRINO_NAMES.service, ns), passwordSecret: TRINO_NAMES.keystorePassword }),
                ),
            },
            { parent: this, dependsOn: [...args.authentication!.tlsIssuer.ready, passwordSecret] },
        );
        return { password };
    }

    /** The catalog's S3 keys and client credential, the nodes' shared secret, and the coordinator's OAuth2 client secret and keystore password, sealed: the variables the files name. */
    private secrets(name: string, args: TrinoClusterArgs, keystorePassword?: pulumi.Output<string>): { name: pulumi.Output<string>; variables: string[] } {
        const shared = new random.RandomPassword(`${name}-shared-secret`, { length: 48, special: false }, { parent: this }).result;
        const data: Record<string, pulumi.Output<string>> = {
            [TRINO_ENV.accessKey]: args.s3Keys.accessKeyId,
            [TRINO_ENV.secretKey]: args.s3Keys.secretAccessKey,
            [TRINO_ENV.sharedSecret]: shared,
            ...(args.catalogCredential ? { [TRINO_ENV.catalogCredential]: args.catalogCredential } : {}),
            ...(args.authentication && keystorePassword ? { [TRINO_AUTH_ENV.clientSecret]: args.authentication.clientSecret, [TRINO_AUTH_ENV.keystorePassword]: keystorePassword } : {}),
        };
        const secret = new PlatformSecret(
            `${name}-secrets`,
            {
                namespace: args.namespace,
                secretName: TRINO_NAMES.secrets,
                labels: this.labels("coordinator", args),
                sealingKey: args.sealingKey,
                data,
            },
            { parent: this },
        );
        return { name: secret.secretName, variables: Object.keys(data) };
    }

    /** One role: its etc/ ConfigMap and Deployment. */
    private node(name: string, role: TrinoRole, node: TrinoNodeSettings, replicas: number, args: TrinoClusterArgs, discoveryUri: pulumi.Output<string>, secrets: { name: pulumi.Output<string>; variables: string[] }): void {
        const s = args.settings;
        const labels = this.labels(role, args);
        const podLabels = trinoPodLabels(role);
        const auth = role === "coordinator" ? args.authentication : undefined;
        const files = pulumi.all([args.catalog, discoveryUri, auth?.internalRealmUrl]).apply(([catalog, discovery, internalRealmUrl]) =>
            renderTrinoEtc(
                {
                    role,
                    environment: trinoEnvironment(args.environment),
                    memory: trinoMemory(node),
                    queryMaxMemoryMB: trinoQueryMaxMemoryMB(s),
                    coordinatorSchedules: s.coordinatorSchedules,
                    // The coordinator announces itself to its own discovery service.
                    discoveryUri: role === "coordinator" ? `http://localhost:${TRINO_PORT}` : discovery,
                    shutdownGracePeriodSeconds: s.shutdown.gracePeriodSeconds,
                    authentication: auth && internalRealmUrl ? { issuer: auth.issuer, internalRealmUrl, clientId: auth.clientId, keystorePath: `${TRINO_TLS.dir}/${TRINO_TLS.keystore}` } : undefined,
                },
                catalog,
            ),
        );
        // ConfigMap keys cannot hold "/": catalog/lakehouse.properties is mounted by its path.
        const keyOf = (file: string) => file.replace(/\//g, "_");
        const config = new k8s.core.v1.ConfigMap(
            `${name}-${role}-config`,
            { metadata: { name: `${TRINO_NAMES[role]}-etc`, namespace: args.namespace, labels }, data: files.apply((f) => Object.fromEntries(Object.entries(f).map(([file, text]) => [keyOf(file), text]))) },
            { parent: this },
        );
        const worker = role === "worker";
        // The coordinator's sign-in secrets stay on the coordinator.
        const authVariables: string[] = Object.values(TRINO_AUTH_ENV);
        const variables = auth ? secrets.variables : secrets.variables.filter((v) => !authVariables.includes(v));
        const env = variables.map((variable) => ({ name: variable, valueFrom: { secretKeyRef: { name: secrets.name, key: variable } } }));
        const container = {
            name: "trino",
            image: args.image,
            env,
            ports: [{ name: "http", containerPort: TRINO_PORT }, ...(auth ? [{ name: "https", containerPort: TRINO_HTTPS_PORT }] : [])],
            // The image's health-check reads /v1/info until "starting": false.
            startupProbe: { exec: { command: ["/usr/lib/trino/bin/health-check"] }, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 60 },
            readinessProbe: { exec: { command: ["/usr/lib/trino/bin/health-check"] }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
            livenessProbe: { httpGet: { path: "/v1/info", port: "http" }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
            ...(worker ? { lifecycle: { preStop: { exec: { command: ["/bin/sh", "-c", workerPreStop()] } } } } : {}),
            resources: resourceRequirements(node.resources),
            securityContext: restrictedContainerSecurity(),
            volumeMounts: [
                { name: "etc", mountPath: TRINO_PATHS.etc, readOnly: true },
                { name: "data", mountPath: TRINO_PATHS.data },
                { name: "tmp", mountPath: "/tmp" },
                ...(auth ? [{ name: "tls", mountPath: TRINO_TLS.dir, readOnly: true }] : []),
            ],
        };
        const items = files.apply((f) => Object.keys(f).map((file) => ({ key: keyOf(file), path: file })));
        new k8s.apps.v1.Deployment(
            `${name}-${role}`,
            {
                metadata: { name: TRINO_NAMES[role], namespace: args.namespace, labels },
                spec: {
                    replicas,
                    selector: { matchLabels: podLabels },
                    // One coordinator at a time: two would split the workers between them.
                    strategy: worker ? { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } : { type: "Recreate" },
                    template: {
                        // A changed file rolls the pods (Trino reads etc/ at start).
                        metadata: { labels, annotations: { "data-platform/config": fileDigest(files.apply((f) => JSON.stringify(f))) } },
                        spec: {
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            securityContext: restrictedPodSecurity(TRINO_UID),
                            // A worker: announced as shutting down for a grace period, its tasks finish, another grace period.
                            terminationGracePeriodSeconds: worker ? 2 * s.shutdown.gracePeriodSeconds + s.shutdown.drainSeconds : 30,
                            ...(worker ? replicaPlacement(podLabels, replicas, args.strictSpread) : {}),
                            containers: [container],
                            volumes: [
                                { name: "etc", configMap: { name: config.metadata.name, items } },
                                // node.data-dir (the launcher's var/, spill) and /tmp (Iceberg's S3 writes stage parts there).
                                scratchVolume("data", "2Gi"),
                                scratchVolume("tmp", "2Gi"),
                                ...(auth ? [{ name: "tls", secret: { secretName: TRINO_NAMES.tls, items: [{ key: TRINO_TLS.keystore, path: TRINO_TLS.keystore }] } }] : []),
                            ],
                        },
                    },
                },
            },
            { parent: this },
        );
    }

    /** Between Trino's nodes; in from Prometheus (8080, and 8443 with a login); out to Nessie, Keycloak and the object store. */
    private networkPolicy(name: string, args: TrinoClusterArgs): void {
        const nodes = [{ podSelector: { matchLabels: { ...TRINO_LABELS } } }];
        new k8s.networking.v1.NetworkPolicy(
            `${name}-policy`,
            {
                metadata: { name: "trino", namespace: args.namespace, labels: this.labels("coordinator", args) },
                spec: {
                    podSelector: { matchLabels: { ...TRINO_LABELS } },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [
                        { from: [...nodes, args.metricsPeer], ports: tcpPorts(TRINO_PORT) },
                        // The coordinator's HTTPS (Prometheus signs in there when users authenticate).
                        ...(args.authentication ? [{ from: [args.metricsPeer], ports: tcpPorts(TRINO_HTTPS_PORT) }] : []),
                    ],
                    egress: [{ to: nodes, ports: tcpPorts(TRINO_PORT) }, ...args.egress.map((r) => ({ to: [...r.to], ports: [...r.ports] }))],
                },
            },
            { parent: this },
        );
        if (args.ingressPeer) {
            // Published: the ingress controller reaches the coordinator only.
            new k8s.networking.v1.NetworkPolicy(
                `${name}-from-ingress`,
                {
                    metadata: { name: "trino-from-ingress", namespace: args.namespace, labels: this.labels("coordinator", args) },
                    spec: { podSelector: { matchLabels: trinoPodLabels("coordinator") }, policyTypes: ["Ingress"], ingress: [{ from: [args.ingressPeer], ports: tcpPorts(TRINO_PORT) }] },
                },
                { parent: this },
            );
        }
    }
}
