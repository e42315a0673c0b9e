import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHash } from "crypto";
import * as yaml from "js-yaml";
import { PostgresSettings } from "../../config/types";
import { selectorLabels, standardLabels } from "../meta/labels";
import { resourceRequirements } from "../meta/resources";
import { preferZoneSpread, spreadAcrossNodes } from "../meta/scheduling";
import { KEEP_VOLUMES, dataVolumeClaim } from "../meta/storage";
import { restrictedContainerSecurity, restrictedPodSecurity, scratchVolume } from "../meta/security";
import { PlatformSecret } from "../secrets/platformSecret";
import { SealingKey } from "../secrets/sealedSecret";
import { MaintenanceContext, POSTGRES_UID, maintenancePod } from "./maintenancePod";
import { secretEnvAsFiles } from "../meta/secretFiles";
import { databasesCommand, databasesSql, passwordEnv } from "./databasesSql";
import { CREDENTIAL_KEYS, fromSecret, patroniEnvironment, superuserClientEnvironment } from "./environment";
import { CONFIG_FILES, PATHS, PORTS, RESTAPI_USER, ROLES, memberConfiguration, renderPatroniConfig, renderPatroniCredentials } from "./patroniConfig";
import { ChangeCapture, dynamicConfiguration } from "./dynamicConfig";
import { CAPTURE_ROLE } from "./roles";
import { HEADLESS_SERVICE_REASON, runtimeLabelsAnnotation, skipAwait } from "../meta/awaits";
import { apiServerEgress, tcpPorts } from "../meta/network";

/** postgres_exporter's image runs as nobody. */
const EXPORTER_UID = 65534;

export interface PatroniClusterArgs {
    /** Namespace the cluster runs in. */
    readonly namespace: pulumi.Input<string>;
    /** Patroni scope: names the StatefulSet, the primary Service and Patroni's own ConfigMaps. */
    readonly scope: string;
    /** Sizing, replication, timing, databases and backups, from the stack config. */
    readonly settings: PostgresSettings;
    /** Pinned image with Patroni, PostgreSQL and the backup scripts (images/patroni). */
    readonly image: pulumi.Input<string>;
    /** Pinned postgres_exporter image. */
    readonly exporterImage: pulumi.Input<string>;
    /** Addresses of the Kubernetes API server (Patroni keeps its leader lock there). */
    readonly apiServerCidrs: readonly string[];
    /** Keep members on different nodes (required anti-affinity) instead of preferring it. */
    readonly strictSpread: boolean;
    /** Protect the stateful resources from `pulumi destroy` and replacement. */
    readonly protect: boolean;
    /** The sealed-secrets controller's key: credentials reach the cluster sealed. */
    readonly sealingKey: SealingKey;
    /** Change data capture slots and publications of the cluster's databases (none by default). */
    readonly captures?: readonly ChangeCapture[];
}

/** What the builders of one cluster share. */
interface Build {
    readonly name: string;
    readonly args: PatroniClusterArgs;
    readonly app: { readonly name: string; readonly instance: string; readonly version: string };
    /** Labels that select the member pods (without the role). */
    readonly memberLabels: Record<string, string>;
    readonly maintenanceLabels: Record<string, string>;
    /** Labels of the DCS sync Job's pods: the only maintenance pods that reach Patroni's REST API. */
    readonly dcsSyncLabels: Record<string, string>;
    readonly labels: Record<string, string>;
    /** The Secret of the cluster's own credentials. */
    readonly credentialsName: string;
}

/** Connection details of one application database. */
export interface DatabaseEndpoint {
    readonly database: string;
    readonly owner: string;
    /** Secret (in the cluster's namespace) with username, password, host, port, database, uri and jdbc-url. */
    readonly secretName: pulumi.Output<string>;
    /** The owner's password, for services in other namespaces that get their own sealed copy. */
    readonly password: pulumi.Output<string>;
}

/** How change data capture connectors log in: the capture role's password and the Secret holding it. */
export interface CaptureLogin {
    readonly user: string;
    readonly password: pulumi.Output<string>;
    /** Secret (in the cluster's namespace) with username and password. */
    readonly secretName: pulumi.Output<string>;
}

/**
 * PostgreSQL HA with Patroni on the Kubernetes DCS (ConfigMaps mode): a StatefulSet of members,
 * primary/replica Services that follow Patroni's role labels, application databases and metrics
 * (backups: PostgresBackups, on the maintenanceContext).
 */
export class PatroniCluster extends pulumi.ComponentResource {
    /** In-cluster host name of the read-write Service. */
    readonly primaryHost: pulumi.Output<string>;
    /** In-cluster host name of the read-only Service. */
    readonly replicaHost: pulumi.Output<string>;
    /** Labels that select the member pods (without the role). */
    readonly memberLabels: Record<string, string>;
    readonly databases: DatabaseEndpoint[];
    /** The change data capture role's login (when the cluster has captures). */
    readonly capture?: CaptureLogin;
    /** What jobs against this cluster (the databases Job, backups) run with. */
    readonly maintenanceContext: MaintenanceContext;

    constructor(name: string, args: PatroniClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:PatroniCluster", name, {}, opts);
        const { scope, settings, namespace } = args;
        const app = { name: "postgres", instance: scope, version: settings.version };
        const b: Build = {
            name,
            args,
            app,
            memberLabels: patroniMemberLabels(scope),
            maintenanceLabels: { ...selectorLabels(app), "app.kubernetes.io/component": "maintenance" },
            dcsSyncLabels: { ...selectorLabels(app), "app.kubernetes.io/component": "maintenance", "data-platform/job": "dcs-sync" },
            labels: standardLabels({ ...app, component: "database" }),
            credentialsName: `${scope}-credentials`,
        };
        const ns = pulumi.output(namespace);
        this.primaryHost = pulumi.interpolate`${scope}.${ns}.svc.cluster.local`;
        this.replicaHost = pulumi.interpolate`${scope}-replicas.${ns}.svc.cluster.local`;
        this.memberLabels = b.memberLabels;

        const account = this.identity(b);
        const { credentials, databases, capture } = this.credentials(b);
        this.databases = databases;
        this.capture = capture;
        const { settingsMap, memberConfigHash, dynamicJson, sql } = this.configuration(b);
        this.maintenanceContext = {
            app,
            namespace,
            scope,
            image: args.image,
            settingsMapName: settingsMap.metadata.name,
            credentialsName: b.credentialsName,
            podLabels: b.maintenanceLabels,
            labels: { ...b.labels, "app.kubernetes.io/component": "maintenance" },
            memberLabels: b.memberLabels,
        };
        const headless = this.services(b);
        const statefulSet = this.members(b, { account, credentials, settingsMap, headless, memberConfigHash });
        this.maintenance(b, { settingsMap, sql, statefulSet });
        this.dynamicConfigSync(b, { dynamicJson, statefulSet });
        this.networkPolicies(b);
        this.registerOutputs({ primaryHost: this.primaryHost, replicaHost: this.replicaHost, databases: this.databases });
    }

    /** Identity: only what the Kubernetes DCS needs, in ConfigMaps mode. */
    private identity(b: Build): k8s.core.v1.ServiceAccount {
        const { name, args, labels } = b;
        const { scope, namespace } = args;
        const child = { parent: this };
        const account = new k8s.core.v1.ServiceAccount(
            `${name}-account`,
            { metadata: { name: scope, namespace, labels }, automountServiceAccountToken: false },
            child,
        );
        const role = new k8s.rbac.v1.Role(
            `${name}-role`,
            { metadata: { name: `${scope}-patroni`, namespace, labels }, rules: patroniRbacRules() },
            child,
        );
        new k8s.rbac.v1.RoleBinding(
            `${name}-rolebinding`,
            {
                metadata: { name: `${scope}-patroni`, namespace, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }],
            },
            child,
        );
        return account;
    }

    /** Credentials: generated, delivered sealed, read by pods as files; the owners' databases' Secrets too (this.databases). */
    private credentials(b: Build): { credentials: PlatformSecret; databases: DatabaseEndpoint[]; capture?: CaptureLogin } {
        const { name, args, labels } = b;
        const { scope, settings, namespace } = args;
        const child = { parent: this };
        const stateful = { parent: this, protect: args.protect };
        const password = (role: string) => new random.RandomPassword(`${name}-${role}-password`, { length: 32, special: false }, child).result;
        const passwords = Object.fromEntries(Object.keys(CREDENTIAL_KEYS).map((role) => [role, password(role)])) as Record<keyof typeof CREDENTIAL_KEYS, pulumi.Output<string>>;
        // Patroni reads its passwords from credentials.yml in its configuration directory.
        const patroniCredentials = pulumi
            .all([passwords.superuser, passwords.replication, passwords.rewind, passwords.restapi])
            .apply(([superuser, replication, rewind, restapi]) => yaml.dump(renderPatroniCredentials({ superuser, replication, rewind, restapi }), { lineWidth: -1, noRefs: true }));
        const credentials = new PlatformSecret(
            `${name}-credentials`,
            {
                namespace,
                secretName: `${scope}-credentials`,
                labels,
                sealingKey: args.sealingKey,
                data: {
                    ...Object.fromEntries(Object.entries(CREDENTIAL_KEYS).map(([role, key]) => [key, passwords[role as keyof typeof CREDENTIAL_KEYS]])),
                    [CONFIG_FILES.credentials]: patroniCredentials,
                },
            },
            stateful,
        );
        const ownerPasswords = new Map<string, pulumi.Output<string>>();
        for (const owner of new Set(settings.databases.map((d) => d.owner))) ownerPasswords.set(owner, password(`owner-${owner}`));
        const databases = settings.databases.map((db) => {
            const pw = ownerPasswords.get(db.owner)!;
            const secret = new PlatformSecret(
                `${name}-db-${db.name}`,
                {
                    namespace,
                    secretName: `${scope}-db-${db.name}`,
                    labels,
                    sealingKey: args.sealingKey,
                    data: {
                        username: db.owner,
                        password: pw,
                        host: this.primaryHost,
                        port: String(PORTS.postgres),
                        database: db.name,
                        uri: pulumi.interpolate`postgresql://${db.owner}:${pw}@${this.primaryHost}:${PORTS.postgres}/${db.name}`,
                        "jdbc-url": pulumi.interpolate`jdbc:postgresql://${this.primaryHost}:${PORTS.postgres}/${db.name}`,
                    },
                },
                stateful,
            );
            return { database: db.name, owner: db.owner, secretName: secret.secretName, password: pw };
        });
        return { credentials, databases, capture: (args.captures ?? []).length > 0 ? this.captureLogin(b, password(CAPTURE_ROLE)) : undefined };
    }

    private captureLogin(b: Build, password: pulumi.Output<string>): CaptureLogin {
        const { name, args, labels } = b;
        const secret = new PlatformSecret(
            `${name}-capture`,
            { namespace: args.namespace, secretName: captureSecretName(args.scope), labels, sealingKey: args.sealingKey, data: { username: CAPTURE_ROLE, password } },
            { parent: this, protect: args.protect },
        );
        return { user: CAPTURE_ROLE, password, secretName: secret.secretName };
    }

    /** Configuration: Patroni's file, its dynamic configuration and the database SQL, rendered by pure functions. */
    private configuration(b: Build): { settingsMap: k8s.core.v1.ConfigMap; memberConfigHash: string; dynamicJson: string; sql: string } {
        const { name, args, memberLabels, labels } = b;
        const { scope, settings, namespace } = args;
        const captures = args.captures ?? [];
        const child = { parent: this };
        const rendered = renderPatroniConfig({ scope, podLabels: memberLabels, settings, captures });
        const patroniYaml = yaml.dump(rendered, { lineWidth: -1, noRefs: true });
        const dynamicJson = JSON.stringify(dynamicConfiguration(settings, captures), null, 2) + "\n";
        const sql = databasesSql(settings.databases, captures);
        const settingsMap = new k8s.core.v1.ConfigMap(
            `${name}-settings`,
            // Not <scope>-config: Patroni owns that name (and -leader, -sync, -failover) in the DCS.
            { metadata: { name: `${scope}-settings`, namespace, labels }, data: { [CONFIG_FILES.settings]: patroniYaml, [CONFIG_FILES.dynamic]: dynamicJson, "databases.sql": sql } },
            child,
        );
        // Members restart for what they read themselves, not for bootstrap.dcs: the DCS sync Job
        // applies a change of that with Patroni's own restarts (replicas first, then a switchover).
        const memberConfigHash = createHash("sha256").update(yaml.dump(memberConfiguration(rendered), { lineWidth: -1, noRefs: true })).digest("hex").slice(0, 16);
        return { settingsMap, memberConfigHash, dynamicJson, sql };
    }

    /** Services: the primary and replicas follow Patroni's role labels; the headless one names the members. */
    private services(b: Build): k8s.core.v1.Service {
        const { name, args, memberLabels, labels } = b;
        const { scope, namespace } = args;
        const child = { parent: this };
        const servicePorts = [{ name: "postgres", port: PORTS.postgres, targetPort: "postgres" }];
        new k8s.core.v1.Service(
            `${name}-primary`,
            { metadata: { name: scope, namespace, labels }, spec: { selector: { ...memberLabels, role: "primary" }, ports: servicePorts } },
            child,
        );
        new k8s.core.v1.Service(
            `${name}-replicas`,
            {
                metadata: {
                    name: `${scope}-replicas`,
                    namespace,
                    labels,
                    annotations: skipAwait(
                        "replicas join only after their base backup (possibly longer than the await), and a one-member cluster has none; the StatefulSet's await already waits for every member to stream",
                    ),
                },
                spec: { selector: { ...memberLabels, role: "replica" }, ports: servicePorts },
            },
            child,
        );
        const headless = new k8s.core.v1.Service(
            `${name}-members`,
            {
                metadata: {
                    name: `${scope}-members`,
                    namespace,
                    labels,
                    annotations: skipAwait(HEADLESS_SERVICE_REASON),
                },
                spec: {
                    clusterIP: "None",
                    publishNotReadyAddresses: true,
                    selector: memberLabels,
                    ports: [...servicePorts, { name: "patroni", port: PORTS.patroni, targetPort: "patroni" }],
                },
            },
            child,
        );
        return headless;
    }

    /** Members: the StatefulSet of Patroni and postgres_exporter, and its disruption budget. */
    private members(b: Build, deps: { account: k8s.core.v1.ServiceAccount; credentials: PlatformSecret; settingsMap: k8s.core.v1.ConfigMap; headless: k8s.core.v1.Service; memberConfigHash: string }): k8s.apps.v1.StatefulSet {
        const { name, args, memberLabels, labels, credentialsName } = b;
        const { scope, settings, namespace } = args;
        const child = { parent: this };
        const stateful = { parent: this, protect: args.protect };
        const { account, credentials, settingsMap, headless, memberConfigHash } = deps;
        // postgres_exporter reads its password from a file (DATA_SOURCE_PASS_FILE).
        const exporterSecrets = secretEnvAsFiles([
            { name: "DATA_SOURCE_URI", value: `localhost:${PORTS.postgres}/postgres?sslmode=disable` },
            { name: "DATA_SOURCE_USER", value: ROLES.exporter },
            fromSecret("DATA_SOURCE_PASS", credentialsName, CREDENTIAL_KEYS.exporter),
        ]);
        const statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-members`,
            {
                metadata: { name: scope, namespace, labels },
                spec: {
                    serviceName: headless.metadata.name,
                    replicas: settings.members,
                    // Members start together so that a cluster restarted as a whole can elect a leader.
                    podManagementPolicy: "Parallel",
                    selector: { matchLabels: memberLabels },
                    persistentVolumeClaimRetentionPolicy: KEEP_VOLUMES,
                    template: {
                        metadata: {
                            labels: { ...labels, ...memberLabels },
                            annotations: {
                                "data-platform/patroni-config": memberConfigHash,
                                // Patroni labels the leader role=primary and the others role=replica: the Services select those.
                                ...runtimeLabelsAnnotation({ role: settings.members > 1 ? ["primary", "replica"] : ["primary"] }),
                            },
                        },
                        spec: {
                            serviceAccountName: account.metadata.name,
                            // Patroni keeps its leader lock in the Kubernetes API: it needs its token.
                            automountServiceAccountToken: true,
                            enableServiceLinks: false,
                            terminationGracePeriodSeconds: 60,
                            securityContext: restrictedPodSecurity(POSTGRES_UID),
                            affinity: spreadAcrossNodes(memberLabels, args.strictSpread),
                            topologySpreadConstraints: preferZoneSpread(memberLabels),
                            containers: [
                                {
                                    name: "patroni",
                                    image: args.image,
                                    command: ["patroni", PATHS.configDir],
                                    ports: [
                                        { name: "postgres", containerPort: PORTS.postgres },
                                        { name: "patroni", containerPort: PORTS.patroni },
                                    ],
                                    env: patroniEnvironment(scope),
                                    resources: resourceRequirements(settings.resources),
                                    securityContext: restrictedContainerSecurity(POSTGRES_UID),
                                    // Patroni's REST API: /readiness is 200 for a running primary or a streaming replica.
                                    readinessProbe: { httpGet: { path: "/readiness", port: "patroni" }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
                                    livenessProbe: { httpGet: { path: "/liveness", port: "patroni" }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
                                    // A replica's first base backup can take long; liveness starts after it.
                                    startupProbe: { httpGet: { path: "/liveness", port: "patroni" }, periodSeconds: 10, failureThreshold: 60 },
                                    volumeMounts: [
                                        { name: "data", mountPath: PATHS.volume },
                                        { name: "settings", mountPath: "/etc/patroni", readOnly: true },
                                        { name: "run", mountPath: PATHS.socketDir },
                                        { name: "tmp", mountPath: "/tmp" },
                                    ],
                                },
                                {
                                    name: "exporter",
                                    image: args.exporterImage,
                                    ports: [{ name: "metrics", containerPort: PORTS.exporter }],
                                    env: exporterSecrets.env,
                                    volumeMounts: [exporterSecrets.volumeMount!],
                                    resources: { requests: { cpu: "25m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                                    securityContext: restrictedContainerSecurity(EXPORTER_UID),
                                    readinessProbe: { httpGet: { path: "/", port: "metrics" }, periodSeconds: 15 },
                                    livenessProbe: { httpGet: { path: "/", port: "metrics" }, periodSeconds: 30 },
                                },
                            ],
                            volumes: [
                                {
                                    name: "settings",
                                    projected: {
                                        sources: [
                                            { configMap: { name: settingsMap.metadata.name, items: [{ key: CONFIG_FILES.settings, path: CONFIG_FILES.settings }] } },
                                            // Readable by the postgres user only (fsGroup makes it group-readable for uid 999).
                                            { secret: { name: credentialsName, items: [{ key: CONFIG_FILES.credentials, path: CONFIG_FILES.credentials, mode: 0o440 }] } },
                                        ],
                                    },
                                },
                                exporterSecrets.volume!,
                                scratchVolume("run", "16Mi"),
                                scratchVolume("tmp"),
                            ],
                        },
                    },
                    volumeClaimTemplates: [dataVolumeClaim(memberLabels, settings.storage)],
                },
            },
            { ...stateful, dependsOn: [credentials] },
        );

        // One member may be down at a time (node drains, upgrades); never the quorum.
        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-pdb`,
            { metadata: { name: scope, namespace, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: memberLabels } } },
            child,
        );
        return statefulSet;
    }

    /** Maintenance: the databases Job (backups are a component of their own: PostgresBackups). */
    private maintenance(b: Build, deps: { settingsMap: k8s.core.v1.ConfigMap; sql: string; statefulSet: k8s.apps.v1.StatefulSet }): void {
        const { name, args, labels, credentialsName } = b;
        const { scope, settings, namespace } = args;
        const { sql, statefulSet } = deps;
        const owners = [ROLES.exporter, ...new Set(settings.databases.map((d) => d.owner))];
        const captures = args.captures ?? [];
        new k8s.batch.v1.Job(
            `${name}-databases`,
            {
                metadata: {
                    namespace,
                    labels: { ...labels, "app.kubernetes.io/component": "maintenance" },
                    annotations: { "data-platform/sql": createHash("sha256").update(sql).digest("hex").slice(0, 16) },
                },
                spec: {
                    backoffLimit: 10,
                    activeDeadlineSeconds: 1800,
                    template: maintenancePod(
                        this.maintenanceContext,
                        "databases",
                        databasesCommand(settings.databases, `${PATHS.configDir}/databases.sql`, captures),
                        [
                            ...superuserClientEnvironment(scope, credentialsName),
                            ...owners.map((o) =>
                                fromSecret(passwordEnv(o), o === ROLES.exporter ? credentialsName : `${scope}-db-${settings.databases.find((d) => d.owner === o)!.name}`, o === ROLES.exporter ? CREDENTIAL_KEYS.exporter : "password"),
                            ),
                            ...(captures.length > 0 ? [fromSecret(passwordEnv(CAPTURE_ROLE), captureSecretName(scope), "password")] : []),
                        ],
                        "OnFailure",
                    ),
                },
            },
            { parent: this, dependsOn: [statefulSet] },
        );
    }

    /**
     * The DCS sync Job: applies the desired dynamic configuration to the running cluster and does
     * the restarts it needs (images/patroni/bin/patroni-dcs-sync). Its pod template carries the
     * configuration's digest, so a change replaces the Job and runs it again; unchanged, it stays done.
     */
    private dynamicConfigSync(b: Build, deps: { dynamicJson: string; statefulSet: k8s.apps.v1.StatefulSet }): void {
        const { name, args, labels, credentialsName, dcsSyncLabels } = b;
        const { scope, namespace } = args;
        const digest = createHash("sha256").update(deps.dynamicJson).digest("hex").slice(0, 16);
        const timeout = 600;
        new k8s.batch.v1.Job(
            `${name}-dcs-sync`,
            {
                metadata: { namespace, labels: { ...labels, "app.kubernetes.io/component": "maintenance" } },
                spec: {
                    backoffLimit: 3,
                    // A rolling restart of every member, each allowed `timeout`, fits.
                    activeDeadlineSeconds: (args.settings.members + 2) * timeout,
                    template: maintenancePod(
                        this.maintenanceContext,
                        "dcs-sync",
                        `patroni-dcs-sync ${PATHS.configDir}/${CONFIG_FILES.dynamic}`,
                        [
                            // Any member answers (the headless Service, in the Job's own namespace); restarts go to each member's own api_url.
                            { name: "PATRONI_URL", value: `http://${scope}-members:${PORTS.patroni}` },
                            { name: "PATRONI_RESTAPI_USERNAME", value: RESTAPI_USER },
                            fromSecret("PATRONI_RESTAPI_PASSWORD", credentialsName, CREDENTIAL_KEYS.restapi),
                            { name: "SYNC_TIMEOUT", value: String(timeout) },
                            { name: "DESIRED_CONFIG_DIGEST", value: digest },
                        ],
                        "OnFailure",
                        dcsSyncLabels,
                    ),
                },
            },
            { parent: this, dependsOn: [deps.statefulSet] },
        );
    }

    /** Network: members talk to each other and to the API server; jobs to the primary and the bucket. */
    private networkPolicies(b: Build): void {
        const { name, args, memberLabels, maintenanceLabels, dcsSyncLabels, labels } = b;
        const { scope, namespace } = args;
        const child = { parent: this };
        const peers = (podLabels: Record<string, string>) => [{ podSelector: { matchLabels: podLabels } }];
        new k8s.networking.v1.NetworkPolicy(
            `${name}-members-policy`,
            {
                metadata: { name: `${scope}-members`, namespace, labels },
                spec: {
                    podSelector: { matchLabels: memberLabels },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [
                        { from: peers(memberLabels), ports: tcpPorts(PORTS.postgres, PORTS.patroni) },
                        { from: peers(maintenanceLabels), ports: tcpPorts(PORTS.postgres) },
                        { from: peers(dcsSyncLabels), ports: tcpPorts(PORTS.patroni) },
                    ],
                    egress: [
                        { to: peers(memberLabels), ports: tcpPorts(PORTS.postgres, PORTS.patroni) },
                        apiServerEgress(args.apiServerCidrs),
                    ],
                },
            },
            child,
        );
        new k8s.networking.v1.NetworkPolicy(
            `${name}-maintenance-policy`,
            {
                metadata: { name: `${scope}-maintenance`, namespace, labels },
                spec: {
                    podSelector: { matchLabels: maintenanceLabels },
                    policyTypes: ["Ingress", "Egress"],
                    // Jobs that reach further (backups) add their own policy.
                    egress: [{ to: peers(memberLabels), ports: tcpPorts(PORTS.postgres) }],
                },
            },
            child,
        );
        new k8s.networking.v1.NetworkPolicy(
            `${name}-dcs-sync-policy`,
            {
                metadata: { name: `${scope}-dcs-sync`, namespace, labels },
                spec: {
                    podSelector: { matchLabels: dcsSyncLabels },
                    policyTypes: ["Egress"],
                    // Patroni's REST API of every member: /config, /cluster, /restart, /switchover.
                    egress: [{ to: peers(memberLabels), ports: tcpPorts(PORTS.patroni) }],
                },
            },
            child,
        );
    }
}

/** The Secret of the capture role's login. */
export function captureSecretName(scope: string): string {
    return `${scope}-capture`;
}

/** Labels that select a cluster's member pods (without the role Patroni adds). */
export function patroniMemberLabels(scope: string): Record<string, string> {
    return { ...selectorLabels({ name: "postgres", instance: scope }), "app.kubernetes.io/component": "database" };
}

/** The RBAC Patroni needs for the Kubernetes DCS in ConfigMaps mode, and nothing more. */
export function patroniRbacRules() {
    return [
        { apiGroups: [""], resources: ["configmaps"], verbs: ["create", "get", "list", "patch", "update", "watch", "delete"] },
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "patch", "update", "watch"] },
    ];
}
