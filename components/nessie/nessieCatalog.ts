// The Nessie catalog in the engines tier: the Iceberg REST catalog (/iceberg) every engine uses,
// its version store on the platform PostgreSQL (JDBC2, database nessie) and its warehouse in the
// object store, written with Nessie's own identity. Replicas keep their caches coherent through
// the headless nessie-mgmt Service. Properties come from nessieProperties.ts; this file only
// turns them into Kubernetes objects.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { nessieHeapMB } from "../../config/nessie";
import { NessieSettings } from "../../config/types";
import { HEADLESS_SERVICE_REASON, skipAwait } from "../meta/awaits";
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
import { NESSIE_PATHS, NESSIE_PORTS, nessieJvmOptions, renderNessieProperties, renderNessieSecrets } from "./nessieProperties";

/** The image's nessie user and group (ubi9 openjdk runtime). */
const NESSIE_UID = 10000;
const NESSIE_GID = 10001;

/** Kubernetes names of the catalog's objects. */
export const NESSIE_NAMES = {
    /** The API every client uses: nessie.<engines namespace>.svc:19120. */
    service: "nessie",
    /** Headless, every replica's address (ready or not): where cache invalidations go. */
    management: "nessie-mgmt",
    config: "nessie-config",
    secrets: "nessie-secrets",
} as const;

/** Labels of Nessie's pods. */
export const NESSIE_POD_LABELS = selectorLabels({ name: "nessie", instance: "nessie" });

export interface NessieCatalogArgs {
    /** Namespace of the engines tier. */
    readonly namespace: pulumi.Input<string>;
    readonly settings: NessieSettings;
    /** Pinned Nessie image. */
    readonly image: pulumi.Input<string>;
    /** The version store's database (its grant). */
    readonly database: { readonly host: pulumi.Input<string>; readonly port: number; readonly name: string; readonly user: string; readonly password: pulumi.Output<string> };
    /** The object store: endpoint, region, addressing and Nessie's keys on the warehouse bucket. */
    readonly objectStore: { readonly endpoint: string; readonly region: string; readonly pathStyle: boolean; readonly accessKeyId: pulumi.Output<string>; readonly secretAccessKey: pulumi.Output<string> };
    /** The platform realm whose tokens the API requires (absent: no realm in the stack, no authentication). */
    readonly authentication?: { readonly realmUrl: pulumi.Input<string>; readonly issuer: string; readonly audience: string };
    /** Where Nessie may connect: its database, the object store and Keycloak. */
    readonly egress: readonly EgressRule[];
    /** Prometheus' pods, let in on the management port. */
    readonly metricsPeer: PeerSelector;
    /** Required anti-affinity (HA stacks) instead of preferred. */
    readonly strictSpread: boolean;
    readonly sealingKey: SealingKey;
}


export class NessieCatalog extends pulumi.ComponentResource {
    /** The API as clients in the cluster reach it. */
    readonly endpoint: pulumi.Output<string>;

    constructor(name: string, args: NessieCatalogArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:NessieCatalog", name, {}, opts);
        const version = args.settings.image.replace(/^.*:/, "").replace(/@.*$/, "");
        const labels = { ...standardLabels({ name: "nessie", instance: "nessie", component: "catalog", version }), ...NESSIE_POD_LABELS };
        const files = this.files(name, args, labels);
        this.deployment(name, args, labels, files);
        this.services(name, args, labels);
        if (args.settings.replicas > 1) {
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-pdb`,
                { metadata: { name: "nessie", namespace: args.namespace, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: NESSIE_POD_LABELS } } },
                { parent: this },
            );
        }
        this.networkPolicy(name, args, labels);
        this.endpoint = pulumi.interpolate`http://${NESSIE_NAMES.service}.${args.namespace}.svc.cluster.local:${NESSIE_PORTS.http}`;
        this.registerOutputs({ endpoint: this.endpoint });
    }

    /** application.properties (ConfigMap) and secrets.properties (sealed Secret), with their digests. */
    private files(name: string, args: NessieCatalogArgs, labels: Record<string, string>) {
        const s = args.settings;
        const properties = pulumi.all([args.database.host, args.authentication?.realmUrl]).apply(([host, realmUrl]) =>
            renderNessieProperties({
                database: { host, port: args.database.port, name: args.database.name, user: args.database.user },
                s3: { endpoint: args.objectStore.endpoint, region: args.objectStore.region, pathStyle: args.objectStore.pathStyle },
                warehouse: s.warehouse,
                cacheCapacityMB: s.cacheCapacityMB,
                // The headless Service's short name: it resolves in the pods' own namespace.
                peers: s.replicas > 1 ? NESSIE_NAMES.management : undefined,
                secretsFile: `${NESSIE_PATHS.secretsDir}/${NESSIE_PATHS.secretsFile}`,
                authentication: args.authentication && realmUrl ? { realmUrl, issuer: args.authentication.issuer, audience: args.authentication.audience } : undefined,
            }),
        );
        const config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: { name: NESSIE_NAMES.config, namespace: args.namespace, labels }, data: { [NESSIE_PATHS.configFile]: properties } }, { parent: this });
        // One token for all replicas; each checks it on the invalidations it receives.
        const token = new random.RandomPassword(`${name}-invalidation-token`, { length: 32, special: false }, { parent: this }).result;
        const secrets = pulumi
            .all([args.database.password, args.objectStore.accessKeyId, args.objectStore.secretAccessKey, token])
            .apply(([databasePassword, accessKeyId, secretAccessKey, invalidationToken]) => renderNessieSecrets({ databasePassword, accessKeyId, secretAccessKey, invalidationToken }));
        const secret = new PlatformSecret(
            `${name}-secrets`,
            { namespace: args.namespace, secretName: NESSIE_NAMES.secrets, labels, sealingKey: args.sealingKey, data: { [NESSIE_PATHS.secretsFile]: pulumi.secret(secrets) } },
            { parent: this },
        );
        return { config, secretName: secret.secretName, digest: pulumi.interpolate`${fileDigest(properties)}-${fileDigest(secrets)}` };
    }

    private deployment(name: string, args: NessieCatalogArgs, labels: Record<string, string>, files: { config: k8s.core.v1.ConfigMap; secretName: pulumi.Output<string>; digest: pulumi.Output<string> }): void {
        const s = args.settings;
        const management = { port: "management" };
        const container = {
            name: "nessie",
            image: args.image,
            env: [{ name: "JAVA_OPTS_APPEND", value: nessieJvmOptions(nessieHeapMB(s.resources.limits.memory)) }],
            ports: [
                { name: "http", containerPort: NESSIE_PORTS.http },
                { name: "management", containerPort: NESSIE_PORTS.management },
            ],
            // A cold JVM takes 10-40 s; readiness checks the database and the warehouse bucket.
            startupProbe: { httpGet: { path: "/q/health/started", ...management }, periodSeconds: 5, failureThreshold: 60 },
            readinessProbe: { httpGet: { path: "/q/health/ready", ...management }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
            livenessProbe: { httpGet: { path: "/q/health/live", ...management }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
            resources: resourceRequirements(s.resources),
            securityContext: restrictedContainerSecurity(),
            volumeMounts: [
                { name: "tmp", mountPath: "/tmp" },
                { name: "config", mountPath: NESSIE_PATHS.configDir, readOnly: true },
                { name: "secrets", mountPath: NESSIE_PATHS.secretsDir, readOnly: true },
            ],
        };
        new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: { name: "nessie", namespace: args.namespace, labels },
                spec: {
                    replicas: s.replicas,
                    selector: { matchLabels: NESSIE_POD_LABELS },
                    // Never below the replicas the catalog has: one more starts before one stops.
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: {
                        // A changed file rolls the pods (Quarkus reads its configuration at start).
                        metadata: { labels, annotations: { "data-platform/config": files.digest } },
                        spec: {
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            securityContext: restrictedPodSecurity(NESSIE_UID, NESSIE_GID),
                            terminationGracePeriodSeconds: 30,
                            ...replicaPlacement(NESSIE_POD_LABELS, s.replicas, args.strictSpread),
                            containers: [container],
                            volumes: [
                                // hsperfdata, vert.x's cache and native libraries (brotli, zstd) are written under /tmp only.
                                scratchVolume("tmp", "256Mi"),
                                { name: "config", configMap: { name: files.config.metadata.name } },
                                { name: "secrets", secret: { secretName: files.secretName, defaultMode: 0o440 } },
                            ],
                        },
                    },
                },
            },
            { parent: this },
        );
    }

    private services(name: string, args: NessieCatalogArgs, labels: Record<string, string>): void {
        new k8s.core.v1.Service(
            `${name}-service`,
            { metadata: { name: NESSIE_NAMES.service, namespace: args.namespace, labels }, spec: { selector: NESSIE_POD_LABELS, ports: [{ name: "http", port: NESSIE_PORTS.http, targetPort: "http" }] } },
            { parent: this },
        );
        if (args.settings.replicas > 1) {
            new k8s.core.v1.Service(
                `${name}-management`,
                {
                    metadata: { name: NESSIE_NAMES.management, namespace: args.namespace, labels, annotations: skipAwait(HEADLESS_SERVICE_REASON) },
                    spec: {
                        clusterIP: "None",
                        // A starting replica must hear the others' invalidations before it is ready.
                        publishNotReadyAddresses: true,
                        selector: NESSIE_POD_LABELS,
                        ports: [{ name: "management", port: NESSIE_PORTS.management, targetPort: "management" }],
                    },
                },
                { parent: this },
            );
        }
    }

    /** Out to the database and the object store; in from Prometheus, and between replicas on the management port. */
    private networkPolicy(name: string, args: NessieCatalogArgs, labels: Record<string, string>): void {
        const replicas = args.settings.replicas > 1 ? [{ podSelector: { matchLabels: NESSIE_POD_LABELS } }] : [];
        new k8s.networking.v1.NetworkPolicy(
            `${name}-policy`,
            {
                metadata: { name: "nessie", namespace: args.namespace, labels },
                spec: {
                    podSelector: { matchLabels: NESSIE_POD_LABELS },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [{ from: [args.metricsPeer, ...replicas], ports: tcpPorts(NESSIE_PORTS.management) }],
                    egress: [...args.egress.map((r) => ({ to: [...r.to], ports: [...r.ports] })), ...(replicas.length ? [{ to: replicas, ports: tcpPorts(NESSIE_PORTS.management) }] : [])],
                },
            },
            { parent: this },
        );
    }
}
