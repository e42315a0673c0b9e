import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EdgeSettings, InstallMode } from "../../config/types";
import { TIER_LABEL, standardLabels } from "../meta/labels";
import { PeerSelector } from "../web/networkPolicies";
import { apiServerEgress, tcpPorts } from "../meta/network";
import { PublishedBackends, ingressControllerEgress } from "./routes";

/** Ports of Traefik's entry points inside its pods. */
export const TRAEFIK_PORTS = { web: 8000, websecure: 8443, metrics: 9100 } as const;

/** Labels the Traefik chart gives its pods (NetworkPolicies select them by these). */
export const TRAEFIK_POD_LABELS = { "app.kubernetes.io/name": "traefik" } as const;

export interface IngressControllerArgs {
    /** Namespace of the edge tier. */
    readonly namespace: pulumi.Input<string>;
    /** The class name, Service type, NodePorts, replicas. */
    readonly settings: EdgeSettings;
    /** chart: Traefik; existing: the cluster's class; none: no controller (its NetworkPolicy stays, a test cluster simulates it). */
    readonly install: InstallMode;
    /** Traefik chart version (https://traefik.github.io/charts). */
    readonly chartVersion: string;
    /** Addresses of the Kubernetes API server (Traefik watches Ingresses). */
    readonly apiServerCidrs: readonly string[];
    /** Everything the platform publishes: Traefik may reach these backends and solver pods, nothing else. */
    readonly published: PublishedBackends;
}

/**
 * The platform's entry point. Traefik (ingress-nginx is retired) from its upstream chart serves
 * standard Ingress objects of its class; or, by config, the cluster's own controller is used and
 * nothing is installed.
 */
export class IngressController extends pulumi.ComponentResource {
    readonly className: string;
    /** The controller's pods, for NetworkPolicies that let it reach backends. */
    readonly peer: PeerSelector;

    constructor(name: string, args: IngressControllerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:edge:IngressController", name, {}, opts);
        const s = args.settings;
        this.className = s.ingressClassName;
        if (args.install === "existing") {
            // An unknown controller may run anywhere: backends accept it from any namespace.
            this.peer = { namespaceSelector: {} };
            this.registerOutputs({ className: this.className });
            return;
        }
        const podLabels = { ...TRAEFIK_POD_LABELS };
        this.peer = { namespaceSelector: { matchLabels: { [TIER_LABEL]: "edge" } }, podSelector: { matchLabels: podLabels } };
        if (args.install === "chart") traefikChart(`${name}-chart`, args, { parent: this });
        new k8s.networking.v1.NetworkPolicy(
            `${name}-policy`,
            {
                metadata: { name: "traefik", namespace: args.namespace, labels: standardLabels({ name: "traefik", instance: "traefik" }) },
                spec: {
                    podSelector: { matchLabels: podLabels },
                    policyTypes: ["Ingress", "Egress"],
                    // Anyone may connect to the entry points: this is the edge.
                    ingress: [{ ports: tcpPorts(TRAEFIK_PORTS.web, TRAEFIK_PORTS.websecure) }],
                    // Exactly the backends of the platform's Ingresses and the ACME solvers, and the API (Ingress watch).
                    egress: [...ingressControllerEgress(args.published), apiServerEgress(args.apiServerCidrs)],
                },
            },
            { parent: this },
        );
        this.registerOutputs({ className: this.className });
    }
}

/**
 * The Traefik chart's values for the edge settings (chart >= 40: `service.spec.*` and
 * `ports.<entry point>.http.redirections`, checked against the chart's values.schema.json).
 */
export function traefikValues(s: EdgeSettings) {
    const nodePort = (port: number) => (s.serviceType === "NodePort" ? { nodePort: port } : {});
    return {
        deployment: { replicas: s.replicas },
        podDisruptionBudget: s.replicas > 1 ? { enabled: true, maxUnavailable: 1 } : { enabled: false },
        ingressClass: { enabled: true, isDefaultClass: false, name: s.ingressClassName },
        providers: {
            kubernetesIngress: {
                enabled: true,
                // Ingresses report an address (Pulumi waits for it): a LoadBalancer's own, copied by
                // Traefik, or behind NodePorts the address the stack names.
                ...(s.serviceType === "LoadBalancer" ? { publishedService: { enabled: true } } : { publishedService: { enabled: false }, ingressEndpoint: { ...s.ingressEndpoint } }),
            },
            // Only standard Ingress objects: no Traefik CRDs to review or secure.
            kubernetesCRD: { enabled: false },
        },
        service: {
            spec: {
                type: s.serviceType,
                // The edge quota is derived from this (config/edge.ts): no node ports unless they are needed.
                ...(s.serviceType === "LoadBalancer" ? { allocateLoadBalancerNodePorts: s.allocateLoadBalancerNodePorts } : {}),
            },
        },
        ports: {
            web: { ...nodePort(s.nodePorts.http), http: { redirections: { entryPoint: { to: "websecure", scheme: "https", permanent: true } } } },
            websecure: { ...nodePort(s.nodePorts.https) },
        },
        api: { dashboard: false },
        global: { checkNewVersion: false, sendAnonymousUsage: false },
        resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "1", memory: "256Mi" } },
    };
}

/** Traefik from its upstream chart, serving Ingresses of the edge's class. */
function traefikChart(name: string, args: IngressControllerArgs, opts: pulumi.ComponentResourceOptions): k8s.helm.v4.Chart {
    return new k8s.helm.v4.Chart(
        name,
        {
            name: "traefik",
            chart: "traefik",
            version: args.chartVersion,
            namespace: args.namespace,
            repositoryOpts: { repo: "https://traefik.github.io/charts" },
            // The chart ships 26 CRDs of Traefik's own (IngressRoute, Middleware, Hub): the
            // platform serves standard Ingress objects only, so none is installed.
            skipCrds: true,
            values: traefikValues(args.settings),
        },
        opts,
    );
}
