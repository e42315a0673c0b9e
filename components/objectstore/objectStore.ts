// SeaweedFS behind its S3 API in the storage tier. topology single (dev): one `weed server` pod
// with every role on one volume. topology distributed: raft masters (StatefulSet), volume servers
// (a StatefulSet per zone whose servers report the zone as their rack, so placement 010 puts the
// copies of a volume in different zones), stateless filers on the platform PostgreSQL, and S3
// gateways behind the `s3` Service. Identities come from identities.ts, the command lines from
// seaweedfsCommands.ts; this file only turns them into Kubernetes objects.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SeaweedfsSettings, StorageSettings } from "../../config/types";
import { HEADLESS_SERVICE_REASON, skipAwait } from "../meta/awaits";
import { fileDigest } from "../meta/digest";
import { selectorLabels, standardLabels } from "../meta/labels";
import { tcpPorts } from "../meta/network";
import { resourceRequirements } from "../meta/resources";
import { preferZoneSpread, spreadAcrossNodes } from "../meta/scheduling";
import { restrictedContainerSecurity, restrictedPodSecurity, scratchVolume } from "../meta/security";
import { KEEP_VOLUMES, dataVolumeClaim } from "../meta/storage";
import { PlatformSecret } from "../secrets/platformSecret";
import { SealingKey } from "../secrets/sealedSecret";
import { EgressRule } from "./grants";
import { IdentityGrants, identityActions, renderS3Identities } from "./identities";
import { FilerStore, Listen, SEAWEEDFS_PATHS, SEAWEEDFS_PORTS, bucketInitScript, filerArgs, gatewayArgs, grpcPort, masterArgs, renderFilerToml, serverArgs, volumeArgs } from "./seaweedfsCommands";

/** The image's seaweed user: it runs as 1000 when not started as root (its entrypoint chowns only as root). */
const SEAWEEDFS_UID = 1000;

/** Kubernetes names of the store's objects. */
export const SEAWEEDFS_NAMES = {
    /** The S3 endpoint every client uses: s3.<namespace>.svc:8333. */
    s3Service: "s3",
    server: "seaweedfs",
    master: "seaweedfs-master",
    volume: "seaweedfs-volume",
    filer: "seaweedfs-filer",
    gateway: "seaweedfs-s3",
    identities: "seaweedfs-s3-identities",
} as const;

export type SeaweedfsRole = "server" | "master" | "volume" | "filer" | "gateway" | "bucket-init";

/** The PostgreSQL database of the filers' metadata. */
export interface FilerDatabase {
    readonly host: pulumi.Input<string>;
    readonly port: number;
    readonly database: string;
    readonly owner: string;
    readonly password: pulumi.Output<string>;
}

export interface ObjectStoreArgs {
    /** Namespace of the storage tier. */
    readonly namespace: pulumi.Input<string>;
    /** Topology, placement, sizing. */
    readonly settings: SeaweedfsSettings;
    /** Pinned SeaweedFS image. */
    readonly image: pulumi.Input<string>;
    /** Buckets the bucket-init Job makes sure exist. */
    readonly buckets: readonly string[];
    /** Every identity and its grants (config's and the services'). */
    readonly identities: readonly IdentityGrants[];
    /** The filers' database (topology distributed). */
    readonly filerDatabase?: FilerDatabase;
    /** Where the filers may connect for their database (topology distributed). */
    readonly filerEgress: readonly EgressRule[];
    /** Required anti-affinity (HA stacks) instead of preferred. */
    readonly strictSpread: boolean;
    /** Protect the volumes' StatefulSets from `pulumi destroy` and replacement. */
    readonly protect: boolean;
    /** The sealed-secrets controller's key. */
    readonly sealingKey: SealingKey;
}

/** The keys of one identity. */
export interface IdentityKeys {
    readonly accessKeyId: pulumi.Output<string>;
    readonly secretAccessKey: pulumi.Output<string>;
}

/** A volume StatefulSet: all volume servers, or those of one zone. */
export interface VolumeGroup {
    readonly name: string;
    readonly replicas: number;
    /** The rack its servers report (the zone, or rack1). */
    readonly rack: string;
    /** The zone its pods must run in. */
    readonly zone?: string;
}

/** The volume StatefulSets of a distributed store: one per zone, or one. */
export function volumeGroups(settings: SeaweedfsSettings): VolumeGroup[] {
    if (settings.zones.length === 0) return [{ name: SEAWEEDFS_NAMES.volume, replicas: settings.volumeServers, rack: "rack1" }];
    return settings.zones.map((zone) => ({
        name: `${SEAWEEDFS_NAMES.volume}-${zone.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`,
        replicas: settings.volumeServers / settings.zones.length,
        rack: zone,
        zone,
    }));
}

/** host:port of every master, as each advertises itself (its stable name under the headless Service). */
export function masterPeers(settings: SeaweedfsSettings): string[] {
    if (settings.topology === "single") return [`${SEAWEEDFS_NAMES.server}-0.${SEAWEEDFS_NAMES.server}:${SEAWEEDFS_PORTS.master}`];
    return Array.from({ length: settings.masters }, (_, i) => `${SEAWEEDFS_NAMES.master}-${i}.${SEAWEEDFS_NAMES.master}:${SEAWEEDFS_PORTS.master}`);
}

/** Labels of one role's pods (the gateway's, or the single server's, are the S3 endpoint). */
export function seaweedfsPodLabels(role: SeaweedfsRole): Record<string, string> {
    return { ...selectorLabels({ name: "seaweedfs", instance: "objectstore" }), "app.kubernetes.io/component": role };
}

/** Label of a volume server's StatefulSet (its zone's), so that each selects only its own pods. */
export const VOLUME_GROUP_LABEL = "data-platform/volume-group";

/** Labels of every pod of the store (internal traffic, metrics). */
export const SEAWEEDFS_ALL_PODS = selectorLabels({ name: "seaweedfs", instance: "objectstore" });

const advertised = (service: string): Listen["ip"] => `$(POD_NAME).${service}`;
const listen = (ip: string, port: number): Listen => ({ ip, bind: "0.0.0.0", port, metricsPort: SEAWEEDFS_PORTS.metrics });
const identitiesFile = `${SEAWEEDFS_PATHS.s3ConfigDir}/${SEAWEEDFS_PATHS.s3ConfigFile}`;


interface Build {
    readonly name: string;
    readonly args: ObjectStoreArgs;
    readonly version: string;
    readonly identitiesSecret: pulumi.Output<string>;
    readonly identitiesDigest: pulumi.Output<string>;
}

/** SeaweedFS with its buckets and identities; `keys` are each identity's credentials, for the grants. */
export class ObjectStore extends pulumi.ComponentResource {
    /** Credentials by identity name. */
    readonly keys: ReadonlyMap<string, IdentityKeys>;

    constructor(name: string, args: ObjectStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:ObjectStore", name, {}, opts);
        const version = args.settings.image.replace(/^.*:/, "").replace(/@.*$/, "");
        const { keys, secretName, file } = this.identities(name, args, version);
        this.keys = keys;
        const b: Build = { name, args, version, identitiesSecret: secretName, identitiesDigest: fileDigest(file) };
        const ready = args.settings.topology === "single" ? this.single(b) : this.distributed(b);
        this.bucketInit(b, ready);
        this.networkPolicies(b);
        this.registerOutputs({ identities: [...keys.keys()] });
    }

    private labels(b: Build, role: SeaweedfsRole): Record<string, string> {
        return { ...standardLabels({ name: "seaweedfs", instance: "objectstore", component: role, version: b.version }), ...seaweedfsPodLabels(role) };
    }

    /** Identities: generated keys, the gateways' identities file, and a credentials Secret for each identity of config. */
    private identities(name: string, args: ObjectStoreArgs, version: string): { keys: Map<string, IdentityKeys>; secretName: pulumi.Output<string>; file: pulumi.Output<string> } {
        const child = { parent: this };
        const labels = standardLabels({ name: "seaweedfs", instance: "objectstore", component: "gateway", version });
        const keys = new Map<string, IdentityKeys>();
        for (const identity of args.identities) {
            keys.set(identity.name, {
                // A password, not a RandomString: the key id stays secret in the state too.
                accessKeyId: new random.RandomPassword(`${name}-${identity.name}-access-key`, { length: 20, special: false, lower: false }, child).result,
                secretAccessKey: new random.RandomPassword(`${name}-${identity.name}-secret-key`, { length: 40, special: false }, child).result,
            });
        }
        // People and tools get their keys from a Secret of the store's namespace.
        for (const identity of args.identities.filter((i) => i.fromConfig)) {
            const key = keys.get(identity.name)!;
            new PlatformSecret(
                `${name}-${identity.name}-credentials`,
                { namespace: args.namespace, secretName: `s3-${identity.name}`, labels, sealingKey: args.sealingKey, data: { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey } },
                child,
            );
        }
        const keyed = args.identities.map((i) => pulumi.all([keys.get(i.name)!.accessKeyId, keys.get(i.name)!.secretAccessKey]).apply(([accessKey, secretKey]) => ({ name: i.name, accessKey, secretKey, actions: identityActions(i) })));
        const file = pulumi.all(keyed).apply(renderS3Identities);
        const secret = new PlatformSecret(
            `${name}-identities`,
            { namespace: args.namespace, secretName: SEAWEEDFS_NAMES.identities, labels, sealingKey: args.sealingKey, data: { [SEAWEEDFS_PATHS.s3ConfigFile]: file } },
            child,
        );
        return { keys, secretName: secret.secretName, file };
    }

    /** A container of the SeaweedFS image running `weed` with args; its data, config and /tmp are its only writable paths. */
    private container(b: Build, role: SeaweedfsRole, args: string[], ports: Record<string, number>, probes: Record<string, unknown>, mounts: Record<string, unknown>[], resources: SeaweedfsSettings["resources"]["server"]) {
        return {
            name: role === "gateway" ? "s3" : role,
            image: b.args.image,
            command: ["/usr/bin/weed"],
            args,
            env: [
                { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
            ],
            ports: Object.entries({ ...ports, metrics: SEAWEEDFS_PORTS.metrics }).map(([portName, containerPort]) => ({ name: portName, containerPort })),
            ...probes,
            resources: resourceRequirements(resources),
            securityContext: restrictedContainerSecurity(SEAWEEDFS_UID),
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...mounts],
        };
    }

    /** A pod template of one role: restricted, no API token, spread by role. */
    private podTemplate(b: Build, role: SeaweedfsRole, container: Record<string, unknown>, volumes: Record<string, unknown>[], annotations: Record<string, pulumi.Input<string>>, placement: { spread: boolean; zone?: string; group?: Record<string, string> }) {
        const podLabels = seaweedfsPodLabels(role);
        return {
            metadata: { labels: { ...this.labels(b, role), ...placement.group }, annotations },
            spec: {
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                securityContext: restrictedPodSecurity(SEAWEEDFS_UID),
                terminationGracePeriodSeconds: 30,
                ...(placement.spread
                    ? {
                          affinity: {
                              ...spreadAcrossNodes(podLabels, b.args.strictSpread),
                              ...(placement.zone
                                  ? { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: [placement.zone] }] }] } } }
                                  : {}),
                          },
                          ...(placement.zone ? {} : { topologySpreadConstraints: preferZoneSpread(podLabels) }),
                      }
                    : {}),
                containers: [container],
                volumes: [scratchVolume("tmp", "1Gi"), ...volumes],
            },
        };
    }

    private headlessService(b: Build, resourceName: string, serviceName: string, role: SeaweedfsRole, ports: Record<string, number>, group: Record<string, string> = {}): k8s.core.v1.Service {
        return new k8s.core.v1.Service(
            resourceName,
            {
                metadata: { name: serviceName, namespace: b.args.namespace, labels: this.labels(b, role), annotations: skipAwait(HEADLESS_SERVICE_REASON) },
                spec: {
                    clusterIP: "None",
                    // Raft peers and volume servers find each other by name before they are ready.
                    publishNotReadyAddresses: true,
                    selector: { ...seaweedfsPodLabels(role), ...group },
                    ports: Object.entries(ports).map(([portName, port]) => ({ name: portName, port, targetPort: port })),
                },
            },
            { parent: this },
        );
    }

    private statefulSet(b: Build, resourceName: string, setName: string, role: SeaweedfsRole, replicas: number, headless: k8s.core.v1.Service, template: Record<string, unknown>, storage: StorageSettings, group: Record<string, string> = {}): k8s.apps.v1.StatefulSet {
        return new k8s.apps.v1.StatefulSet(
            resourceName,
            {
                metadata: { name: setName, namespace: b.args.namespace, labels: this.labels(b, role) },
                spec: {
                    serviceName: headless.metadata.name,
                    replicas,
                    // Raft masters must all start to elect a leader; volume servers do not depend on each other.
                    podManagementPolicy: "Parallel",
                    // Each StatefulSet selects its own pods (volume servers of one zone), never another's.
                    selector: { matchLabels: { ...seaweedfsPodLabels(role), ...group } },
                    persistentVolumeClaimRetentionPolicy: KEEP_VOLUMES,
                    template,
                    volumeClaimTemplates: [dataVolumeClaim(this.labels(b, role), storage)],
                },
            },
            { parent: this, protect: b.args.protect },
        );
    }

    private disruptionBudget(b: Build, role: SeaweedfsRole): void {
        // One pod of a role may be down at a time: masters keep their quorum, copies stay readable.
        new k8s.policy.v1.PodDisruptionBudget(
            `${b.name}-${role}-pdb`,
            { metadata: { name: `seaweedfs-${role}`, namespace: b.args.namespace, labels: this.labels(b, role) }, spec: { maxUnavailable: 1, selector: { matchLabels: seaweedfsPodLabels(role) } } },
            { parent: this },
        );
    }

    private s3Service(b: Build, role: SeaweedfsRole): k8s.core.v1.Service {
        return new k8s.core.v1.Service(
            `${b.name}-s3`,
            {
                metadata: { name: SEAWEEDFS_NAMES.s3Service, namespace: b.args.namespace, labels: this.labels(b, role) },
                spec: { selector: seaweedfsPodLabels(role), ports: [{ name: "s3", port: SEAWEEDFS_PORTS.s3, targetPort: "s3" }] },
            },
            { parent: this },
        );
    }

    private identitiesVolume(b: Build) {
        return { name: "identities", secret: { secretName: b.identitiesSecret, defaultMode: 0o440 } };
    }

    /** topology single: one `weed server` pod, the filer's leveldb on its volume. */
    private single(b: Build): pulumi.Resource[] {
        const { name, args } = b;
        const s = args.settings;
        const filerToml = renderFilerToml({ kind: "leveldb", dir: `${SEAWEEDFS_PATHS.data}/filerldb2` });
        const config = new k8s.core.v1.ConfigMap(
            `${name}-filer-config`,
            { metadata: { name: `${SEAWEEDFS_NAMES.server}-filer`, namespace: args.namespace, labels: this.labels(b, "server") }, data: { "filer.toml": filerToml } },
            { parent: this },
        );
        const ports = { master: SEAWEEDFS_PORTS.master, "master-grpc": grpcPort(SEAWEEDFS_PORTS.master), volume: SEAWEEDFS_PORTS.volume, "volume-grpc": grpcPort(SEAWEEDFS_PORTS.volume), filer: SEAWEEDFS_PORTS.filer, "filer-grpc": grpcPort(SEAWEEDFS_PORTS.filer), s3: SEAWEEDFS_PORTS.s3 };
        const headless = this.headlessService(b, `${name}-server-headless`, SEAWEEDFS_NAMES.server, "server", ports);
        const container = this.container(
            b,
            "server",
            serverArgs(s, { ip: advertised(SEAWEEDFS_NAMES.server), bind: "0.0.0.0", metricsPort: SEAWEEDFS_PORTS.metrics }, { master: SEAWEEDFS_PORTS.master, volume: SEAWEEDFS_PORTS.volume, filer: SEAWEEDFS_PORTS.filer, s3: SEAWEEDFS_PORTS.s3 }, SEAWEEDFS_PATHS.data, identitiesFile),
            ports,
            {
                startupProbe: { tcpSocket: { port: "s3" }, periodSeconds: 5, failureThreshold: 60 },
                readinessProbe: { httpGet: { path: "/healthz", port: "s3" }, periodSeconds: 10 },
                livenessProbe: { tcpSocket: { port: "master" }, periodSeconds: 20, failureThreshold: 3 },
            },
            [
                { name: "data", mountPath: SEAWEEDFS_PATHS.data },
                { name: "filer-config", mountPath: SEAWEEDFS_PATHS.configDir, readOnly: true },
                { name: "identities", mountPath: SEAWEEDFS_PATHS.s3ConfigDir, readOnly: true },
            ],
            s.resources.server,
        );
        const template = this.podTemplate(
            b,
            "server",
            container,
            [{ name: "filer-config", configMap: { name: config.metadata.name } }, this.identitiesVolume(b)],
            // A new identity reaches the gateway by a restart (it reads its file at start).
            { "data-platform/identities": b.identitiesDigest },
            { spread: false },
        );
        const set = this.statefulSet(b, `${name}-server`, SEAWEEDFS_NAMES.server, "server", 1, headless, template, s.storage);
        this.s3Service(b, "server");
        return [set];
    }

    /** topology distributed: masters, volume servers, filers and gateways, each with its Service and budget. */
    private distributed(b: Build): pulumi.Resource[] {
        const { name, args } = b;
        const s = args.settings;
        const masters = masterPeers(s);
        const dataMount = { name: "data", mountPath: SEAWEEDFS_PATHS.data };

        // Masters: raft quorum on their own volumes.
        const masterPorts = { master: SEAWEEDFS_PORTS.master, "master-grpc": grpcPort(SEAWEEDFS_PORTS.master) };
        const masterHeadless = this.headlessService(b, `${name}-master-headless`, SEAWEEDFS_NAMES.master, "master", masterPorts);
        const master = this.container(
            b,
            "master",
            masterArgs(s, listen(advertised(SEAWEEDFS_NAMES.master), SEAWEEDFS_PORTS.master), SEAWEEDFS_PATHS.data, masters),
            masterPorts,
            {
                startupProbe: { tcpSocket: { port: "master" }, periodSeconds: 5, failureThreshold: 60 },
                // Ready once the quorum has a leader.
                readinessProbe: { httpGet: { path: "/cluster/healthz", port: "master" }, periodSeconds: 10 },
                livenessProbe: { httpGet: { path: "/healthz", port: "master" }, periodSeconds: 20, failureThreshold: 3 },
            },
            [dataMount],
            s.resources.master,
        );
        const masterSet = this.statefulSet(b, `${name}-master`, SEAWEEDFS_NAMES.master, "master", s.masters, masterHeadless, this.podTemplate(b, "master", master, [], {}, { spread: true }), s.masterStorage);
        this.disruptionBudget(b, "master");

        // Volume servers: one StatefulSet per zone, each server reporting its zone as its rack.
        const volumePorts = { volume: SEAWEEDFS_PORTS.volume, "volume-grpc": grpcPort(SEAWEEDFS_PORTS.volume) };
        const volumeSets = volumeGroups(s).map((group) => {
            const set = { [VOLUME_GROUP_LABEL]: group.name };
            const headless = this.headlessService(b, `${name}-${group.name.replace(/^seaweedfs-/, "")}-headless`, group.name, "volume", volumePorts, set);
            const container = this.container(
                b,
                "volume",
                volumeArgs(s, listen(advertised(group.name), SEAWEEDFS_PORTS.volume), SEAWEEDFS_PATHS.data, masters, group.rack),
                volumePorts,
                {
                    startupProbe: { tcpSocket: { port: "volume" }, periodSeconds: 5, failureThreshold: 60 },
                    // Not ready while it cannot heartbeat to a master; alive as long as it listens.
                    readinessProbe: { httpGet: { path: "/healthz", port: "volume" }, periodSeconds: 10 },
                    livenessProbe: { tcpSocket: { port: "volume" }, periodSeconds: 20, failureThreshold: 3 },
                },
                [dataMount],
                s.resources.volume,
            );
            const template = this.podTemplate(b, "volume", container, [], {}, { spread: true, zone: group.zone, group: set });
            return this.statefulSet(b, `${name}-${group.name.replace(/^seaweedfs-/, "")}`, group.name, "volume", group.replicas, headless, template, s.storage, set);
        });
        this.disruptionBudget(b, "volume");

        // Filers: stateless, their metadata in PostgreSQL (filer.toml with the password is a Secret).
        const db = args.filerDatabase;
        if (!db) throw new pulumi.RunError("a distributed object store needs the filers' database");
        const filerToml = pulumi
            .all([db.host, db.password])
            .apply(([host, password]) => renderFilerToml({ kind: "postgres", host, port: db.port, database: db.database, username: db.owner, password } satisfies FilerStore));
        const filerConfig = new PlatformSecret(
            `${name}-filer-config`,
            { namespace: args.namespace, secretName: `${SEAWEEDFS_NAMES.filer}-config`, labels: this.labels(b, "filer"), sealingKey: args.sealingKey, data: { "filer.toml": filerToml } },
            { parent: this },
        );
        const filerPorts = { filer: SEAWEEDFS_PORTS.filer, "filer-grpc": grpcPort(SEAWEEDFS_PORTS.filer) };
        const filer = this.container(
            b,
            "filer",
            filerArgs(s, listen("$(POD_IP)", SEAWEEDFS_PORTS.filer), masters),
            filerPorts,
            {
                startupProbe: { tcpSocket: { port: "filer" }, periodSeconds: 5, failureThreshold: 60 },
                // Its health check reads the store: not ready while PostgreSQL is out of reach.
                readinessProbe: { httpGet: { path: "/healthz", port: "filer" }, periodSeconds: 10 },
                livenessProbe: { tcpSocket: { port: "filer" }, periodSeconds: 20, failureThreshold: 3 },
            },
            [{ name: "filer-config", mountPath: SEAWEEDFS_PATHS.configDir, readOnly: true }],
            s.resources.filer,
        );
        const filers = this.deployment(
            b,
            "filer",
            SEAWEEDFS_NAMES.filer,
            s.filers,
            this.podTemplate(b, "filer", filer, [{ name: "filer-config", secret: { secretName: filerConfig.secretName, defaultMode: 0o440 } }], { "data-platform/filer-config": fileDigest(filerToml) }, { spread: true }),
            [masterSet, ...volumeSets],
        );
        new k8s.core.v1.Service(
            `${name}-filer-service`,
            {
                metadata: { name: SEAWEEDFS_NAMES.filer, namespace: args.namespace, labels: this.labels(b, "filer") },
                spec: { selector: seaweedfsPodLabels("filer"), ports: Object.entries(filerPorts).map(([portName, port]) => ({ name: portName, port, targetPort: port })) },
            },
            { parent: this },
        );
        this.disruptionBudget(b, "filer");

        // S3 gateways behind the s3 Service.
        const gateway = this.container(
            b,
            "gateway",
            gatewayArgs(listen("$(POD_IP)", SEAWEEDFS_PORTS.s3), [`${SEAWEEDFS_NAMES.filer}:${SEAWEEDFS_PORTS.filer}`], identitiesFile),
            { s3: SEAWEEDFS_PORTS.s3 },
            {
                startupProbe: { tcpSocket: { port: "s3" }, periodSeconds: 5, failureThreshold: 60 },
                readinessProbe: { httpGet: { path: "/healthz", port: "s3" }, periodSeconds: 10 },
                livenessProbe: { httpGet: { path: "/healthz", port: "s3" }, periodSeconds: 20, failureThreshold: 3 },
            },
            [{ name: "identities", mountPath: SEAWEEDFS_PATHS.s3ConfigDir, readOnly: true }],
            s.resources.gateway,
        );
        const gateways = this.deployment(
            b,
            "gateway",
            SEAWEEDFS_NAMES.gateway,
            s.gateways,
            // A new identity reaches the gateways by a rolling restart (they read their file at start).
            this.podTemplate(b, "gateway", gateway, [this.identitiesVolume(b)], { "data-platform/identities": b.identitiesDigest }, { spread: true }),
            [filers],
        );
        this.s3Service(b, "gateway");
        this.disruptionBudget(b, "gateway");
        return [gateways, filers];
    }

    private deployment(b: Build, role: SeaweedfsRole, deploymentName: string, replicas: number, template: Record<string, unknown>, dependsOn: pulumi.Resource[]): k8s.apps.v1.Deployment {
        return new k8s.apps.v1.Deployment(
            `${b.name}-${role}`,
            {
                metadata: { name: deploymentName, namespace: b.args.namespace, labels: this.labels(b, role) },
                spec: {
                    replicas,
                    selector: { matchLabels: seaweedfsPodLabels(role) },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template,
                },
            },
            { parent: this, dependsOn },
        );
    }

    /** The bucket-init Job: creates missing buckets through the filer (no S3 identity), never deletes one. */
    private bucketInit(b: Build, ready: pulumi.Resource[]): void {
        const { name, args } = b;
        const single = args.settings.topology === "single";
        const master = single ? `${SEAWEEDFS_NAMES.server}:${SEAWEEDFS_PORTS.master}` : `${SEAWEEDFS_NAMES.master}:${SEAWEEDFS_PORTS.master}`;
        const filer = single ? `${SEAWEEDFS_NAMES.server}:${SEAWEEDFS_PORTS.filer}` : `${SEAWEEDFS_NAMES.filer}:${SEAWEEDFS_PORTS.filer}`;
        const script = bucketInitScript(args.buckets, master, filer);
        const labels = this.labels(b, "bucket-init");
        new k8s.batch.v1.Job(
            `${name}-buckets`,
            {
                metadata: { namespace: args.namespace, labels, annotations: { "data-platform/buckets": args.buckets.join(",") } },
                spec: {
                    backoffLimit: 10,
                    activeDeadlineSeconds: 1800,
                    template: {
                        metadata: { labels },
                        spec: {
                            restartPolicy: "OnFailure",
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            securityContext: restrictedPodSecurity(SEAWEEDFS_UID),
                            containers: [
                                {
                                    name: "buckets",
                                    image: args.image,
                                    command: ["/bin/sh", "-c", script],
                                    // weed shell keeps its history in $HOME.
                                    env: [{ name: "HOME", value: "/tmp" }],
                                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                                    securityContext: restrictedContainerSecurity(SEAWEEDFS_UID),
                                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                },
                            ],
                            volumes: [scratchVolume("tmp")],
                        },
                    },
                },
            },
            { parent: this, dependsOn: ready },
        );
    }

    /** Network: the roles talk to each other on SeaweedFS' ports; filers reach their database. */
    private networkPolicies(b: Build): void {
        const { name, args } = b;
        const ports = [SEAWEEDFS_PORTS.master, SEAWEEDFS_PORTS.volume, SEAWEEDFS_PORTS.filer, SEAWEEDFS_PORTS.s3].flatMap((p) => [p, grpcPort(p)]);
        const self = [{ podSelector: { matchLabels: SEAWEEDFS_ALL_PODS } }];
        const labels = standardLabels({ name: "seaweedfs", instance: "objectstore", version: b.version });
        new k8s.networking.v1.NetworkPolicy(
            `${name}-internal-policy`,
            {
                metadata: { name: "seaweedfs-internal", namespace: args.namespace, labels },
                spec: {
                    podSelector: { matchLabels: SEAWEEDFS_ALL_PODS },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [{ from: self, ports: tcpPorts(...ports) }],
                    egress: [{ to: self, ports: tcpPorts(...ports) }],
                },
            },
            { parent: this },
        );
        if (args.filerEgress.length > 0) {
            new k8s.networking.v1.NetworkPolicy(
                `${name}-filer-policy`,
                {
                    metadata: { name: SEAWEEDFS_NAMES.filer, namespace: args.namespace, labels },
                    spec: { podSelector: { matchLabels: seaweedfsPodLabels("filer") }, policyTypes: ["Egress"], egress: args.filerEgress.map((r) => ({ to: [...r.to], ports: [...r.ports] })) },
                },
                { parent: this },
            );
        }
    }
}
