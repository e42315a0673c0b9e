// Keycloak in the management tier: the image of images/keycloak run with `start --optimized` (a
// read-only root; data/ and /tmp are emptyDirs), replicas clustered over the database (jdbc-ping,
// JGroups between the pods), behind the ingress at https://<host> and, for consumers in the
// cluster, its Service. The `platform` realm is kept equal to its rendering by the realm sync Job
// (images/realm-sync), which runs again whenever the realm or one of its secrets changes.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { KeycloakSettings } from "../../config/types";
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
import { KEYCLOAK_ADMINS, KEYCLOAK_PATHS, KEYCLOAK_PORTS, KEYCLOAK_UID, keycloakEnvironment, keycloakSecretsFile } from "./keycloakConfig";
import { REALM_SECRET_FILES } from "./realm";

export const KEYCLOAK_NAMES = {
    server: "keycloak",
    secrets: "keycloak-secrets",
    realm: "keycloak-realm",
    realmSecrets: "keycloak-realm-secrets",
    realmSync: "keycloak-realm-sync",
} as const;
/** Keycloak's Service as consumers in the cluster call it (the dynamic backchannel hands them this address). */
export function keycloakServiceUrl(namespace: string): string {
    return `http://${KEYCLOAK_NAMES.server}.${namespace}.svc.cluster.local:${KEYCLOAK_PORTS.http}`;
}
export const KEYCLOAK_POD_LABELS = selectorLabels({ name: "keycloak", instance: KEYCLOAK_NAMES.server });
/** The realm sync Job's pods: besides the members and consumers, the only pods that call the admin API. */
export const REALM_SYNC_LABELS = { ...selectorLabels({ name: "keycloak", instance: KEYCLOAK_NAMES.realmSync }), "data-platform/job": "realm-sync" };

export interface KeycloakServerArgs {
    /** Namespace of the management tier. */
    readonly namespace: pulumi.Input<string>;
    /** Release, replicas, sizing and the realm settings of the stack. */
    readonly settings: KeycloakSettings;
    /** The image built from images/keycloak. */
    readonly image: pulumi.Input<string>;
    /** The image built from images/realm-sync. */
    readonly syncImage: pulumi.Input<string>;
    /** The public host (https://<host>): the issuer of every token. */
    readonly host: string;
    /** Its database and the owner's login (the `keycloak` grant). */
    readonly database: { readonly host: pulumi.Input<string>; readonly port: number; readonly name: string; readonly user: string; readonly password: pulumi.Input<string> };
    /** The rendered realm (no secrets: references to the sync Job's files). */
    readonly realm: pulumi.Input<string>;
    /** The clients of the realm: the component generates each one's secret (the realm names its file). */
    readonly clientIds: readonly string[];
    /** The realm's test users: the component generates each one's password. */
    readonly testUsers: readonly string[];
    /** Where its pods may connect beyond each other: PostgreSQL. */
    readonly egress: readonly EgressRule[];
    /** Prometheus' pods, let in on the management port. */
    readonly metricsPeer: PeerSelector;
    /** The ingress controller's pods, let in on the HTTP port (https://<host> is published). */
    readonly ingressPeer: PeerSelector;
    /** Keep the replicas on different nodes strictly (outside dev). */
    readonly strictSpread: boolean;
    /** The sealed-secrets controller's key: Keycloak's and the realm's secrets reach the cluster sealed. */
    readonly sealingKey: SealingKey;
}

export class KeycloakServer extends pulumi.ComponentResource {
    /** Keycloak's address in the cluster (consumers' backchannel). */
    readonly internalUrl: pulumi.Output<string>;
    /** Each client's generated secret, kept in the state; consumers get theirs through their grant. */
    readonly clientSecrets: ReadonlyMap<string, pulumi.Output<string>>;

    constructor(name: string, args: KeycloakServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:management:KeycloakServer", name, {}, opts);
        const s = args.settings;
        const labels = standardLabels({ name: "keycloak", instance: KEYCLOAK_NAMES.server, component: "identity", version: s.version });
        const child = { parent: this };
        // Generated once and kept in the state: the break-glass console login and the sync Job's admin client.
        const adminPassword = new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, child).result;
        const syncClientSecret = new random.RandomPassword(`${name}-sync-client-secret`, { length: 40, special: false }, child).result;
        this.clientSecrets = new Map(args.clientIds.map((c) => [c, new random.RandomPassword(`${name}-client-${c}`, { length: 40, special: false }, child).result]));
        // Letters of both cases and digits, so a stricter password policy (digits(1), upperCase(1), ...) still takes them.
        const passwords = args.testUsers.map((u) => [u, new random.RandomPassword(`${name}-user-${u}`, { length: 24, special: false, minUpper: 2, minLower: 2, minNumeric: 2 }, child).result] as const);
        const fileName = (file: string) => file.slice(REALM_SECRET_FILES.dir.length + 1);
        const realmSecrets: Record<string, pulumi.Input<string>> = {
            ...Object.fromEntries([...this.clientSecrets].map(([c, secret]) => [fileName(REALM_SECRET_FILES.client(c)), secret])),
            ...Object.fromEntries(passwords.map(([u, password]) => [fileName(REALM_SECRET_FILES.user(u)), password])),
        };
        const secretsFile = pulumi.all([args.database.password, adminPassword, syncClientSecret]).apply(([dbPassword, admin, sync]) => keycloakSecretsFile({ dbPassword, adminPassword: admin, syncClientSecret: sync }));
        const secrets = new PlatformSecret(
            `${name}-secrets`,
            { namespace: args.namespace, secretName: KEYCLOAK_NAMES.secrets, labels, sealingKey: args.sealingKey, data: { "keycloak.conf": secretsFile, "admin-password": adminPassword } },
            child,
        );
        const env = pulumi.output(args.database.host).apply((host) => keycloakEnvironment({ host: args.host, db: { host, port: args.database.port, name: args.database.name, user: args.database.user }, dbPoolMaxSize: 20 }));
        const server = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: { name: KEYCLOAK_NAMES.server, namespace: args.namespace, labels },
                spec: {
                    replicas: s.replicas,
                    selector: { matchLabels: KEYCLOAK_POD_LABELS },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: {
                        metadata: { labels: { ...labels, ...KEYCLOAK_POD_LABELS }, annotations: { "data-platform/secrets": fileDigest(secretsFile) } },
                        spec: {
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            // A stopping member hands its share of the caches to the others.
                            terminationGracePeriodSeconds: 60,
                            securityContext: restrictedPodSecurity(KEYCLOAK_UID),
                            ...replicaPlacement(KEYCLOAK_POD_LABELS, s.replicas, args.strictSpread),
                            containers: [
                                {
                                    name: "keycloak",
                                    image: args.image,
                                    args: ["start", "--optimized"],
                                    env: env.apply((e) => [
                                        ...Object.entries(e).map(([envName, value]) => ({ name: envName, value })),
                                        // JGroups binds the pod's address (SITE_LOCAL would miss pod networks outside the private ranges).
                                        { name: "KC_CACHE_EMBEDDED_NETWORK_BIND_ADDRESS", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
                                    ]),
                                    ports: [
                                        { name: "http", containerPort: KEYCLOAK_PORTS.http },
                                        { name: "management", containerPort: KEYCLOAK_PORTS.management },
                                        { name: "jgroups", containerPort: KEYCLOAK_PORTS.jgroups },
                                        { name: "jgroups-fd", containerPort: KEYCLOAK_PORTS.jgroupsFailureDetection },
                                    ],
                                    // Ready only once the bootstrap (schema, realm cache, cluster) is done: /health/started turns earlier.
                                    startupProbe: { httpGet: { path: "/health/started", port: "management" }, periodSeconds: 5, failureThreshold: 60 },
                                    readinessProbe: { httpGet: { path: "/health/ready", port: "management" }, periodSeconds: 10, failureThreshold: 3 },
                                    livenessProbe: { httpGet: { path: "/health/live", port: "management" }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
                                    resources: resourceRequirements(s.resources),
                                    securityContext: restrictedContainerSecurity(KEYCLOAK_UID),
                                    volumeMounts: [
                                        { name: "secrets", mountPath: KEYCLOAK_PATHS.secrets, readOnly: true },
                                        { name: "data", mountPath: KEYCLOAK_PATHS.data },
                                        { name: "tmp", mountPath: "/tmp" },
                                    ],
                                },
                            ],
                            volumes: [
                                { name: "secrets", secret: { secretName: secrets.secretName, items: [{ key: "keycloak.conf", path: "keycloak.conf" }], defaultMode: 0o440 } },
                                scratchVolume("data", "512Mi"),
                                scratchVolume("tmp", "256Mi"),
                            ],
                        },
                    },
                },
            },
            child,
        );
        new k8s.core.v1.Service(
            `${name}-service`,
            { metadata: { name: KEYCLOAK_NAMES.server, namespace: args.namespace, labels }, spec: { selector: KEYCLOAK_POD_LABELS, ports: [{ name: "http", port: KEYCLOAK_PORTS.http, targetPort: "http" }] } },
            child,
        );
        if (s.replicas > 1) {
            new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: { name: KEYCLOAK_NAMES.server, namespace: args.namespace, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: KEYCLOAK_POD_LABELS } } }, child);
        }
        this.internalUrl = pulumi.output(args.namespace).apply(keycloakServiceUrl);
        this.realmSync(name, args, labels, server, syncClientSecret, realmSecrets);
        this.networkPolicies(name, args, labels);
        this.registerOutputs({ internalUrl: this.internalUrl });
    }

    /** The realm sync Job: the rendered realm in a ConfigMap, its secrets as files, replaced whenever either changes. */
    private realmSync(name: string, args: KeycloakServerArgs, labels: Record<string, string>, server: k8s.apps.v1.Deployment, syncClientSecret: pulumi.Output<string>, realmSecrets: Record<string, pulumi.Input<string>>): void {
        const child = { parent: this };
        const realm = new k8s.core.v1.ConfigMap(`${name}-realm`, { metadata: { name: KEYCLOAK_NAMES.realm, namespace: args.namespace, labels }, data: { "realm.json": args.realm } }, child);
        const syncSecretFile = "admin-client-secret";
        const files: Record<string, pulumi.Input<string>> = { ...realmSecrets, [syncSecretFile]: syncClientSecret };
        const secrets = new PlatformSecret(`${name}-realm-secrets`, { namespace: args.namespace, secretName: KEYCLOAK_NAMES.realmSecrets, labels, sealingKey: args.sealingKey, data: files }, child);
        // Digests only: a new client secret or realm setting replaces the Job, which runs again.
        const digest = fileDigest(pulumi.all([args.realm, ...Object.entries(files).map(([k, v]) => pulumi.interpolate`${k}=${v}`)]).apply((parts) => parts.join("\n")));
        new k8s.batch.v1.Job(
            `${name}-realm-sync`,
            {
                metadata: { namespace: args.namespace, labels: { ...labels, "app.kubernetes.io/component": "maintenance" } },
                spec: {
                    backoffLimit: 6,
                    activeDeadlineSeconds: 1800,
                    template: {
                        metadata: { labels: { ...labels, "app.kubernetes.io/component": "maintenance", ...REALM_SYNC_LABELS }, annotations: { "data-platform/realm": digest } },
                        spec: {
                            restartPolicy: "OnFailure",
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            securityContext: restrictedPodSecurity(65532),
                            containers: [
                                {
                                    name: "realm-sync",
                                    image: args.syncImage,
                                    args: ["/etc/realm/realm.json"],
                                    env: [
                                        { name: "KEYCLOAK_URL", value: `http://${KEYCLOAK_NAMES.server}:${KEYCLOAK_PORTS.http}` },
                                        { name: "KEYCLOAK_CLIENT_ID", value: KEYCLOAK_ADMINS.syncClient },
                                        { name: "KEYCLOAK_CLIENT_SECRET_FILE", value: `${REALM_SECRET_FILES.dir}/${syncSecretFile}` },
                                        { name: "SYNC_TIMEOUT", value: "600" },
                                    ],
                                    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                                    securityContext: restrictedContainerSecurity(65532),
                                    volumeMounts: [
                                        { name: "realm", mountPath: "/etc/realm", readOnly: true },
                                        { name: "secrets", mountPath: REALM_SECRET_FILES.dir, readOnly: true },
                                    ],
                                },
                            ],
                            volumes: [
                                { name: "realm", configMap: { name: realm.metadata.name } },
                                { name: "secrets", secret: { secretName: secrets.secretName, defaultMode: 0o440 } },
                            ],
                        },
                    },
                },
            },
            { parent: this, dependsOn: [server] },
        );
    }

    /** Members talk JGroups to each other; the sync Job and Prometheus come in; out to PostgreSQL. */
    private networkPolicies(name: string, args: KeycloakServerArgs, labels: Record<string, string>): void {
        const members = [{ podSelector: { matchLabels: KEYCLOAK_POD_LABELS } }];
        const cluster = tcpPorts(KEYCLOAK_PORTS.jgroups, KEYCLOAK_PORTS.jgroupsFailureDetection);
        new k8s.networking.v1.NetworkPolicy(
            `${name}-policy`,
            {
                metadata: { name: KEYCLOAK_NAMES.server, namespace: args.namespace, labels },
                spec: {
                    podSelector: { matchLabels: KEYCLOAK_POD_LABELS },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [
                        { from: members, ports: cluster },
                        { from: [{ podSelector: { matchLabels: REALM_SYNC_LABELS } }, args.ingressPeer], ports: tcpPorts(KEYCLOAK_PORTS.http) },
                        { from: [args.metricsPeer], ports: tcpPorts(KEYCLOAK_PORTS.management) },
                    ],
                    egress: [{ to: members, ports: cluster }, ...args.egress.map((r) => ({ to: [...r.to], ports: [...r.ports] }))],
                },
            },
            { parent: this },
        );
        new k8s.networking.v1.NetworkPolicy(
            `${name}-realm-sync-policy`,
            {
                metadata: { name: KEYCLOAK_NAMES.realmSync, namespace: args.namespace, labels },
                spec: { podSelector: { matchLabels: REALM_SYNC_LABELS }, policyTypes: ["Ingress", "Egress"], egress: [{ to: members, ports: tcpPorts(KEYCLOAK_PORTS.http) }] },
            },
            { parent: this },
        );
    }
}
