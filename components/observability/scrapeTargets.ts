// What Prometheus scrapes: one PodMonitor per metrics endpoint the platform deploys.
import { PORTS as KAFKA_PORTS } from "../kafka/topology";
import { PORTS as POSTGRES_PORTS } from "../postgres/patroniConfig";

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
}

/** Every metrics endpoint of the platform, by the names and labels the components give their pods. */
export function platformScrapeTargets(args: {
    readonly namespaces: { readonly storage: string; readonly streaming: string; readonly edge: string; readonly apps: string };
    readonly postgresLabels: Readonly<Record<string, string>>;
    readonly kafkaLabels: Readonly<Record<string, string>>;
    readonly webServices: readonly { readonly name: string; readonly podLabels: Readonly<Record<string, string>>; readonly port: number; readonly metricsPath: string }[];
    readonly ingressControllerInstalled: boolean;
}): ScrapeTarget[] {
    const { namespaces: ns } = args;
    return [
        { name: "patroni", namespace: ns.storage, podLabels: args.postgresLabels, port: "patroni", portNumber: POSTGRES_PORTS.patroni, path: "/metrics" },
        { name: "postgres-exporter", namespace: ns.storage, podLabels: args.postgresLabels, port: "metrics", portNumber: POSTGRES_PORTS.exporter, path: "/metrics" },
        { name: "kafka", namespace: ns.streaming, podLabels: args.kafkaLabels, port: "metrics", portNumber: KAFKA_PORTS.metrics, path: "/metrics" },
        { name: "cert-manager", namespace: ns.edge, podLabels: { "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/component": "controller" }, port: "http-metrics", portNumber: 9402, path: "/metrics" },
        ...(args.ingressControllerInstalled ? [{ name: "traefik", namespace: ns.edge, podLabels: { "app.kubernetes.io/name": "traefik" }, port: "metrics", portNumber: 9100, path: "/metrics" }] : []),
        { name: "sealed-secrets", namespace: "kube-system", podLabels: { "app.kubernetes.io/name": "sealed-secrets" }, port: "metrics", portNumber: 8081, path: "/metrics" },
        ...args.webServices.map((w) => ({ name: w.name, namespace: ns.apps, podLabels: w.podLabels, port: "http", portNumber: w.port, path: w.metricsPath })),
    ];
}

/** The PodMonitor spec of a target. */
export function podMonitorSpec(target: ScrapeTarget) {
    return {
        selector: { matchLabels: { ...target.podLabels } },
        namespaceSelector: { matchNames: [target.namespace] },
        podMetricsEndpoints: [{ port: target.port, path: target.path, interval: "30s" }],
    };
}
