// What Prometheus scrapes: one PodMonitor per metrics endpoint the platform deploys.
import { CERT_MANAGER_CONTROLLER_LABELS } from "../edge/certManager";
import { TRAEFIK_PORTS, TRAEFIK_POD_LABELS } from "../edge/ingressController";

/** A metrics endpoint of pods: selected by labels in a namespace, on a named container port. */
export interface ScrapeTarget {
    /** PodMonitor name; also the `job` label of the scraped series. */
    readonly name: string;
    readonly namespace: string;
    readonly podLabels: Readonly<Record<string, string>>;
    /** Name of the container port. */
    readonly port: string;
    /** Its number, for the NetworkPolicy that lets Prometheus in. */
    readonly portNumber: number;
    readonly path: string;
    /**
     * A user name sent with HTTP Basic auth and an empty password, for endpoints that want a user but
     * no credentials (Trino without authentication reads its X-Trino-User from Basic auth too; a
     * PodMonitor can set no other header).
     */
    readonly basicAuthUser?: string;
    /**
     * An endpoint behind the platform realm: HTTPS with a certificate of the platform CA, and a
     * bearer token of the target's own client (client credentials). The client's id and secret, and
     * the CA, are Secrets in the PodMonitors' namespace that the target's service makes.
     */
    readonly oauth2?: ScrapeOAuth2;
}

/** How Prometheus signs in to a target: the realm's token endpoint in the cluster, its client's Secret (keys clientId, clientSecret), the CA's Secret (key ca.crt) and the name the certificate is for. */
export interface ScrapeOAuth2 {
    readonly tokenUrl: string;
    readonly scopes: readonly string[];
    readonly clientSecret: string;
    readonly caSecret: string;
    readonly serverName: string;
}

/** The Secret (in the PodMonitors' namespace) holding a target's Basic auth user and empty password. */
export function scrapeAuthSecretName(target: ScrapeTarget): string {
    return `scrape-auth-${target.name}`;
}

/** The metrics endpoints of what the platform runs for every service (the services declare their own). */
export function platformScrapeTargets(args: { readonly edgeNamespace: string; readonly ingressControllerInstalled: boolean }): ScrapeTarget[] {
    const edge = args.edgeNamespace;
    return [
        { name: "cert-manager", namespace: edge, podLabels: CERT_MANAGER_CONTROLLER_LABELS, port: "http-metrics", portNumber: 9402, path: "/metrics" },
        ...(args.ingressControllerInstalled ? [{ name: "traefik", namespace: edge, podLabels: TRAEFIK_POD_LABELS, port: "metrics", portNumber: TRAEFIK_PORTS.metrics, path: "/metrics" }] : []),
        { name: "sealed-secrets", namespace: "kube-system", podLabels: { "app.kubernetes.io/name": "sealed-secrets" }, port: "metrics", portNumber: 8081, path: "/metrics" },
    ];
}

/** The PodMonitor spec of a target. */
export function podMonitorSpec(target: ScrapeTarget) {
    return {
        selector: { matchLabels: { ...target.podLabels } },
        namespaceSelector: { matchNames: [target.namespace] },
        podMetricsEndpoints: [
            {
                port: target.port,
                path: target.path,
                interval: "30s",
                ...(target.basicAuthUser !== undefined
                    ? { basicAuth: { username: { name: scrapeAuthSecretName(target), key: "username" }, password: { name: scrapeAuthSecretName(target), key: "password" } } }
                    : {}),
                ...(target.oauth2
                    ? {
                          scheme: "https",
                          tlsConfig: { ca: { secret: { name: target.oauth2.caSecret, key: "ca.crt" } }, serverName: target.oauth2.serverName },
                          oauth2: {
                              clientId: { secret: { name: target.oauth2.clientSecret, key: "clientId" } },
                              clientSecret: { name: target.oauth2.clientSecret, key: "clientSecret" },
                              tokenUrl: target.oauth2.tokenUrl,
                              scopes: [...target.oauth2.scopes],
                          },
                      }
                    : {}),
            },
        ],
    };
}
