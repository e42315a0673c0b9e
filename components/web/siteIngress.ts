import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { standardLabels } from "../meta/labels";
import { acmeSolverPolicySpec } from "../edge/routes";
import { PeerSelector } from "./networkPolicies";

/** One path of a host, served by a Service of the apps namespace. */
export interface Route {
    readonly host: string;
    readonly path: string;
    readonly serviceName: string;
    readonly servicePort: number;
}

/** The host a route is published on: a bare label lives under the stack's domain. */
export function routeHost(host: string, domain: string): string {
    return host.includes(".") ? host : `${host}.${domain}`;
}

/** Ingress rules per host, longest path first; prefixes are passed on to backends unchanged. */
export function ingressRules(routes: readonly Route[]): Map<string, { path: string; pathType: string; backend: { service: { name: string; port: { number: number } } } }[]> {
    const byHost = new Map<string, Route[]>();
    for (const r of routes) byHost.set(r.host, [...(byHost.get(r.host) ?? []), r]);
    const rules = new Map<string, { path: string; pathType: string; backend: { service: { name: string; port: { number: number } } } }[]>();
    for (const [host, list] of [...byHost.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        const paths = new Set<string>();
        for (const r of list) {
            if (paths.has(r.path)) throw new Error(`two services claim https://${host}${r.path}`);
            paths.add(r.path);
        }
        rules.set(
            host,
            [...list]
                .sort((a, b) => b.path.length - a.path.length)
                .map((r) => ({ path: r.path, pathType: "Prefix", backend: { service: { name: r.serviceName, port: { number: r.servicePort } } } })),
        );
    }
    return rules;
}

/** Secret name of a host's certificate. */
export function tlsSecretName(host: string): string {
    return `${host.replace(/\./g, "-")}-tls`;
}

/** A route with the namespace of its Service: a host's Ingress lives beside its backends. */
export interface NamespacedRoute extends Route {
    readonly namespace: pulumi.Input<string>;
}

export interface SiteIngressArgs {
    /** Every published path of every service (the paths of one host share a namespace). */
    readonly routes: readonly NamespacedRoute[];
    /** IngressClass of the platform's controller. */
    readonly ingressClassName: string;
    /** ClusterIssuer that signs the hosts' certificates. */
    readonly clusterIssuer: string;
    /** Whether the issuer solves ACME HTTP-01 challenges (its solver pods need the controller in). */
    readonly acme: boolean;
    /** The ingress controller's pods. */
    readonly ingressPeer: PeerSelector;
    /** Certificates can only be requested once cert-manager and its issuer are ready. */
    readonly issuerReady: pulumi.Resource[];
    /** Namespaces whose solver policy another component makes (monitoring, beside Grafana's Ingress): one policy of that name per namespace. */
    readonly acmeSolversElsewhere?: readonly pulumi.Input<string>[];
}

/**
 * One Ingress per host with TLS from cert-manager: e.g. `/api` to a backend and `/` to a frontend
 * on the same host and certificate, paths passed through without stripping the prefix.
 */
export class SiteIngress extends pulumi.ComponentResource {
    readonly hosts: string[];

    constructor(name: string, args: SiteIngressArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:web:SiteIngress", name, {}, opts);
        const rules = ingressRules(args.routes);
        this.hosts = [...rules.keys()];
        const namespaces = new Map<string, pulumi.Input<string>>();
        for (const r of args.routes) {
            const other = namespaces.get(r.host);
            if (other !== undefined && other !== r.namespace) throw new Error(`https://${r.host} has backends in two namespaces: an Ingress can only send to Services of its own`);
            namespaces.set(r.host, r.namespace);
        }
        for (const [host, paths] of rules) {
            new k8s.networking.v1.Ingress(
                `${name}-${host}`,
                {
                    metadata: {
                        name: host.replace(/\./g, "-"),
                        namespace: namespaces.get(host)!,
                        labels: standardLabels({ name: "site", instance: host, component: "ingress" }),
                        annotations: { "cert-manager.io/cluster-issuer": args.clusterIssuer },
                    },
                    spec: {
                        ingressClassName: args.ingressClassName,
                        tls: [{ hosts: [host], secretName: tlsSecretName(host) }],
                        rules: [{ host, http: { paths } }],
                    },
                },
                { parent: this, dependsOn: args.issuerReady },
            );
        }
        if (args.acme) {
            // cert-manager's HTTP-01 solver pods answer the challenge behind the controller, beside each host's Ingress.
            [...new Set(namespaces.values())].filter((namespace) => !(args.acmeSolversElsewhere ?? []).includes(namespace)).forEach((namespace, i) => {
                new k8s.networking.v1.NetworkPolicy(
                    i === 0 ? `${name}-acme-solver` : `${name}-acme-solver-${i}`,
                    { metadata: { name: "acme-http01-solver", namespace }, spec: acmeSolverPolicySpec(args.ingressPeer) },
                    { parent: this },
                );
            });
        }
        this.registerOutputs({ hosts: this.hosts });
    }
}
