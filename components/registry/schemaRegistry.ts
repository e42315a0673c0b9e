// The schema registry in the streaming tier: Apicurio Registry 3 (Apache-2.0) with its storage in
// the platform's PostgreSQL (database `registry`, declared through the contract), so schemas are as
// durable as the database and restored with its backups; replicas are stateless and any may answer.
// The API (Confluent-compatible at /apis/ccompat/v7) stays inside the cluster: services that use it
// name it in `reaches`. Health and metrics are on Quarkus' management port.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SchemaRegistrySettings } from "../../config/types";
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
import { CCOMPAT_PATH, REGISTRY_PATHS, REGISTRY_PORTS, REGISTRY_UID, registryEnvironment, registrySecretsFile } from "./registryConfig";

export const REGISTRY_NAMES = { registry: "schema-registry", secrets: "schema-registry-secrets" } as const;
export const REGISTRY_POD_LABELS = selectorLabels({ name: "apicurio-registry", instance: REGISTRY_NAMES.registry });

export interface SchemaRegistryArgs {
    /** Namespace of the streaming tier. */
    readonly namespace: pulumi.Input<string>;
    readonly settings: SchemaRegistrySettings;
    /** The pinned image (mirrored when the stack builds images). */
    readonly image: pulumi.Input<string>;
    /** The registry's database and its owner's login (the `registry` grant). */
    readonly database: { readonly host: pulumi.Input<string>; readonly port: number; readonly name: string; readonly user: string; readonly password: pulumi.Input<string> };
    /** Where its pods may connect: PostgreSQL. */
    readonly egress: readonly EgressRule[];
    /** Prometheus' pods, let in on the management port. */
    readonly metricsPeer: PeerSelector;
    readonly strictSpread: boolean;
    readonly sealingKey: SealingKey;
}

export class SchemaRegistry extends pulumi.ComponentResource {
    /** The Confluent-compatible API as clients in the cluster name it. */
    readonly ccompatUrl: pulumi.Output<string>;

    constructor(name: string, args: SchemaRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:streaming:SchemaRegistry", name, {}, opts);
        const s = args.settings;
        const version = s.image.split(":").pop();
        const labels = standardLabels({ name: "apicurio-registry", instance: REGISTRY_NAMES.registry, component: "schema-registry", version });
        const secretsFile = pulumi.output(args.database.password).apply(registrySecretsFile);
        const secrets = new PlatformSecret(
            `${name}-secrets`,
            { namespace: args.namespace, secretName: REGISTRY_NAMES.secrets, labels, sealingKey: args.sealingKey, data: { "datasource.properties": secretsFile } },
            { parent: this },
        );
        const env = pulumi.output(args.database.host).apply((host) => registryEnvironment({ host, port: args.database.port, name: args.database.name, user: args.database.user }));
        const probe = (path: string) => ({ httpGet: { path, port: "management" } });
        new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: { name: REGISTRY_NAMES.registry, namespace: args.namespace, labels },
                spec: {
                    replicas: s.replicas,
                    selector: { matchLabels: REGISTRY_POD_LABELS },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: {
                        // The password's digest only: a new password rolls the replicas.
                        metadata: { labels: { ...labels, ...REGISTRY_POD_LABELS }, annotations: { "data-platform/secrets": fileDigest(secretsFile) } },
                        spec: {
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            securityContext: restrictedPodSecurity(REGISTRY_UID),
                            ...replicaPlacement(REGISTRY_POD_LABELS, s.replicas, args.strictSpread),
                            containers: [
                                {
                                    name: "registry",
                                    image: args.image,
                                    env: env.apply((e) => Object.entries(e).map(([name, value]) => ({ name, value }))),
                                    ports: [
                                        { name: "http", containerPort: REGISTRY_PORTS.http },
                                        { name: "management", containerPort: REGISTRY_PORTS.management },
                                    ],
                                    startupProbe: { ...probe("/health/started"), periodSeconds: 5, failureThreshold: 60 },
                                    readinessProbe: { ...probe("/health/ready"), periodSeconds: 10, failureThreshold: 3 },
                                    livenessProbe: { ...probe("/health/live"), periodSeconds: 20, failureThreshold: 3 },
                                    resources: resourceRequirements(s.resources),
                                    securityContext: restrictedContainerSecurity(REGISTRY_UID),
                                    volumeMounts: [
                                        { name: "secrets", mountPath: REGISTRY_PATHS.secrets, readOnly: true },
                                        // Java's and Vert.x' temporary files, the import work directory.
                                        { name: "tmp", mountPath: "/tmp" },
                                    ],
                                },
                            ],
                            volumes: [{ name: "secrets", secret: { secretName: secrets.secretName, defaultMode: 0o440 } }, scratchVolume("tmp", "256Mi")],
                        },
                    },
                },
            },
            { parent: this },
        );
        new k8s.core.v1.Service(
            `${name}-service`,
            { metadata: { name: REGISTRY_NAMES.registry, namespace: args.namespace, labels }, spec: { selector: REGISTRY_POD_LABELS, ports: [{ name: "http", port: REGISTRY_PORTS.http, targetPort: "http" }] } },
            { parent: this },
        );
        if (s.replicas > 1) {
            new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: { name: REGISTRY_NAMES.registry, namespace: args.namespace, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: REGISTRY_POD_LABELS } } }, { parent: this });
        }
        // Clients come in through the target-side policies of their `reaches`; here only Prometheus.
        new k8s.networking.v1.NetworkPolicy(
            `${name}-policy`,
            {
                metadata: { name: REGISTRY_NAMES.registry, namespace: args.namespace, labels },
                spec: {
                    podSelector: { matchLabels: REGISTRY_POD_LABELS },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [{ from: [args.metricsPeer], ports: tcpPorts(REGISTRY_PORTS.management) }],
                    egress: args.egress.map((r) => ({ to: [...r.to], ports: [...r.ports] })),
                },
            },
            { parent: this },
        );
        this.ccompatUrl = pulumi.interpolate`http://${REGISTRY_NAMES.registry}.${args.namespace}.svc.cluster.local:${REGISTRY_PORTS.http}${CCOMPAT_PATH}`;
        this.registerOutputs({ ccompatUrl: this.ccompatUrl });
    }
}
