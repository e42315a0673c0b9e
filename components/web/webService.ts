import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { WebServiceSettings } from "../../config/types";
import { selectorLabels, standardLabels } from "../meta/labels";
import { resourceRequirements } from "../meta/resources";
import { preferZoneSpread, spreadAcrossNodes } from "../meta/scheduling";
import { restrictedContainerSecurity, restrictedPodSecurity, scratchVolume } from "../meta/security";
import { SECRET_FILES_DIR } from "../meta/secretFiles";
import { PlatformSecret } from "../secrets/platformSecret";
import { SealingKey } from "../secrets/sealedSecret";
import { PeerSelector, ServiceEndpoint, servicePolicySpec } from "./networkPolicies";

/** Web service containers run as an unprivileged user (node images: 1000). */
const APP_UID = 1000;

export type Colour = "blue" | "green";
const COLOURS: readonly Colour[] = ["blue", "green"];
export const COLOUR_LABEL = "data-platform/colour";

/** Where a web service's pods are: what its dependents' NetworkPolicies select. */
export function webServiceEndpoint(name: string, port: number, namespace: pulumi.Input<string>): ServiceEndpoint {
    return { name, namespace, podLabels: selectorLabels({ name, instance: name }), ports: [port] };
}

export interface WebServiceArgs {
    /** Namespace of the apps tier. */
    readonly namespace: pulumi.Input<string>;
    /** The service as declared in the stack config. */
    readonly settings: WebServiceSettings;
    /** Pinned image the service runs (each blue-green colour may override it in settings). */
    readonly image: pulumi.Input<string>;
    /** Settings the platform computes (e.g. the OIDC issuer), beside the config's env in the settings ConfigMap. */
    readonly platformEnv?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Credentials by variable name, delivered sealed, then as files or env (settings.secrets), e.g. generated secrets, DATABASE_URL. */
    readonly secretEnv: Readonly<Record<string, pulumi.Input<string>>>;
    /** The sealed-secrets controller's key. */
    readonly sealingKey: SealingKey;
    /** The platform services this one declared in dependsOn (its egress; their side admits it through the composition). */
    readonly dependencies: readonly ServiceEndpoint[];
    /** The ingress controller's pods (allowed in on the service port). */
    readonly ingressPeer?: PeerSelector;
    /** Prometheus' pods (allowed in to scrape metrics). */
    readonly metricsPeer?: PeerSelector;
    /** Keep replicas on different nodes strictly (outside dev). */
    readonly strictSpread: boolean;
}

/**
 * A web service: Deployment(s) with probes and a restricted, read-only container, its own
 * ServiceAccount without a token, a ConfigMap for settings and a sealed Secret for credentials, a
 * Service, an HPA or fixed replicas, a PDB, and NetworkPolicies derived from its declared
 * dependencies. With blue-green, two coloured Deployments run side by side and the Service
 * selects the active colour only once that colour's Deployment is ready.
 */
export class WebService extends pulumi.ComponentResource {
    readonly serviceName: string;
    readonly port: number;
    /** This service as a dependency of others. */
    readonly endpoint: ServiceEndpoint;

    constructor(name: string, args: WebServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:web:WebService", name, {}, opts);
        const s = args.settings;
        const { namespace } = args;
        const app = { name: s.name, instance: s.name, component: "web" };
        const podLabels = selectorLabels(app);
        const labels = standardLabels(app);
        const child = { parent: this };
        this.serviceName = s.name;
        this.port = s.port;
        this.endpoint = webServiceEndpoint(s.name, s.port, namespace);

        const account = new k8s.core.v1.ServiceAccount(
            `${name}-account`,
            { metadata: { name: s.name, namespace, labels }, automountServiceAccountToken: false },
            child,
        );
        const settingsMap = new k8s.core.v1.ConfigMap(
            `${name}-settings`,
            { metadata: { name: `${s.name}-settings`, namespace, labels }, data: { PORT: String(s.port), ...s.env, ...args.platformEnv } },
            child,
        );
        const secretKeys = Object.keys(args.secretEnv).sort();
        const hasSecrets = secretKeys.length > 0;
        const secretFiles = hasSecrets && s.secrets === "files";
        const credentials = hasSecrets
            ? new PlatformSecret(`${name}-secrets`, { namespace, secretName: `${s.name}-secrets`, data: args.secretEnv, labels, sealingKey: args.sealingKey }, child)
            : undefined;

        const deployment = (colour: Colour | undefined, image: pulumi.Input<string>) => {
            const deploymentLabels = colour ? { ...podLabels, [COLOUR_LABEL]: colour } : podLabels;
            const deploymentName = colour ? `${s.name}-${colour}` : s.name;
            const probe = (path: string, failureThreshold: number) => ({ httpGet: { path, port: "http" }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold });
            const resource = new k8s.apps.v1.Deployment(
                colour ? `${name}-${colour}` : `${name}-deployment`,
                {
                    metadata: { name: deploymentName, namespace, labels: { ...labels, ...deploymentLabels } },
                    spec: {
                        // With an HPA, the HPA owns the replica count.
                        replicas: s.autoscaling ? undefined : s.replicas,
                        selector: { matchLabels: deploymentLabels },
                        // Never below the current capacity during a rollout: one new pod at a time.
                        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
                        template: {
                            metadata: { labels: { ...labels, ...deploymentLabels } },
                            spec: {
                                serviceAccountName: account.metadata.name,
                                automountServiceAccountToken: false,
                                enableServiceLinks: false,
                                securityContext: restrictedPodSecurity(APP_UID),
                                affinity: spreadAcrossNodes(deploymentLabels, args.strictSpread),
                                topologySpreadConstraints: preferZoneSpread(deploymentLabels),
                                containers: [
                                    {
                                        name: "app",
                                        image,
                                        ports: [{ name: "http", containerPort: s.port }],
                                        envFrom: [
                                            { configMapRef: { name: settingsMap.metadata.name } },
                                            ...(credentials && s.secrets === "env" ? [{ secretRef: { name: credentials.secretName } }] : []),
                                        ],
                                        // Secrets as files: each key of the Secret is a file, its path in <KEY>_FILE.
                                        env: secretFiles ? secretKeys.map((key) => ({ name: `${key}_FILE`, value: `${SECRET_FILES_DIR}/${key}` })) : undefined,
                                        resources: resourceRequirements(s.resources),
                                        securityContext: restrictedContainerSecurity(APP_UID),
                                        startupProbe: { ...probe(s.health.startup, 30), periodSeconds: 2 },
                                        livenessProbe: probe(s.health.liveness, 3),
                                        readinessProbe: probe(s.health.readiness, 2),
                                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...(secretFiles ? [{ name: "secrets", mountPath: SECRET_FILES_DIR, readOnly: true }] : [])],
                                    },
                                ],
                                volumes: [scratchVolume("tmp"), ...(secretFiles ? [{ name: "secrets", secret: { secretName: credentials!.secretName, defaultMode: 0o440 } }] : [])],
                            },
                        },
                    },
                },
                child,
            );
            if (s.autoscaling) {
                new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                    `${name}${colour ? `-${colour}` : ""}-hpa`,
                    {
                        metadata: { name: deploymentName, namespace, labels },
                        spec: {
                            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: resource.metadata.name },
                            minReplicas: s.autoscaling.min,
                            maxReplicas: s.autoscaling.max,
                            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: s.autoscaling.targetCpu } } }],
                        },
                    },
                    child,
                );
            }
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}${colour ? `-${colour}` : ""}-pdb`,
                { metadata: { name: deploymentName, namespace, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: deploymentLabels } } },
                child,
            );
            return resource;
        };

        const servicePorts = [{ name: "http", port: s.port, targetPort: "http" }];
        if (s.blueGreen) {
            const deployments = Object.fromEntries(COLOURS.map((c) => [c, deployment(c, s.blueGreen!.images[c] ?? args.image)])) as Record<Colour, k8s.apps.v1.Deployment>;
            const active = s.blueGreen.active;
            const inactive: Colour = active === "blue" ? "green" : "blue";
            // The Service switches only after the active colour's Deployment is ready: Pulumi waits
            // for that rollout before it updates the selector. The other colour keeps running for rollback.
            new k8s.core.v1.Service(
                `${name}-service`,
                {
                    metadata: { name: s.name, namespace, labels, annotations: { [COLOUR_LABEL]: active } },
                    spec: { selector: { ...podLabels, [COLOUR_LABEL]: active }, ports: servicePorts },
                },
                { parent: this, dependsOn: [deployments[active]] },
            );
            // The idle colour stays reachable inside the cluster for smoke tests before a switch.
            new k8s.core.v1.Service(
                `${name}-preview`,
                { metadata: { name: `${s.name}-preview`, namespace, labels }, spec: { selector: { ...podLabels, [COLOUR_LABEL]: inactive }, ports: servicePorts } },
                child,
            );
        } else {
            const single = deployment(undefined, args.image);
            new k8s.core.v1.Service(`${name}-service`, { metadata: { name: s.name, namespace, labels }, spec: { selector: podLabels, ports: servicePorts } }, { parent: this, dependsOn: [single] });
        }

        new k8s.networking.v1.NetworkPolicy(
            `${name}-policy`,
            { metadata: { name: s.name, namespace, labels }, spec: servicePolicySpec(this.endpoint, { ingress: args.ingressPeer, metrics: args.metricsPeer }, args.dependencies) },
            child,
        );
        this.registerOutputs({ serviceName: this.serviceName });
    }
}
