// NetworkPolicies of the monitoring and logging pods, and the rule every scraped namespace needs
// to let Prometheus in. Pure specs.
import { TIER_LABEL } from "../meta/labels";
import { PeerSelector } from "../web/networkPolicies";
import { apiServerEgress, ipBlocks, tcpPorts } from "../meta/network";

export const PROMETHEUS_PODS = { "app.kubernetes.io/name": "prometheus" } as const;
export const GRAFANA_PODS = { "app.kubernetes.io/name": "grafana" } as const;
export const ALERTMANAGER_PODS = { "app.kubernetes.io/name": "alertmanager" } as const;
export const LOKI_PODS = { "app.kubernetes.io/name": "loki" } as const;
export const ALLOY_PODS = { "app.kubernetes.io/name": "alloy" } as const;
export const PORTS = { grafana: 3000, loki: 3100, kubelet: 10250, nodeExporter: 9100 } as const;


/** Prometheus, from the management tier, as a NetworkPolicy peer. */
export function prometheusPeer(): PeerSelector {
    return { namespaceSelector: { matchLabels: { [TIER_LABEL]: "management" } }, podSelector: { matchLabels: { ...PROMETHEUS_PODS } } };
}

/** In a scraped namespace: Prometheus may reach the metrics ports, nothing else. */
export function allowScrapeSpec(metricsPorts: readonly number[]) {
    return { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [prometheusPeer()], ports: tcpPorts(...metricsPorts) }] };
}

/** The management tier's own policies, by name. */
export function managementPolicySpecs(args: {
    metricsPorts: readonly number[];
    apiServerCidrs: readonly string[];
    nodeCidrs: readonly string[];
    ingressPeer: PeerSelector;
    /** app.kubernetes.io/name of the tier's pods that carry NetworkPolicies of their own (Keycloak): left out of management-internal. */
    selfGuarded?: readonly string[];
}) {
    const guarded = args.selfGuarded ?? [];
    // Policies add up: a pod that management-internal selected would take any connection from the namespace, whatever its own policy says.
    const internal = guarded.length > 0 ? { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "NotIn", values: [...guarded] }] } : {};
    return {
        // The stack's components talk among themselves (Grafana -> Prometheus/Loki, Prometheus -> Alertmanager, ...).
        "management-internal": { podSelector: internal, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [{ podSelector: {} }] }], egress: [{ to: [{ podSelector: {} }] }] },
        // The operator, kube-state-metrics, Grafana's sidecars and Prometheus' discovery read the API.
        "management-api-server": { podSelector: {}, policyTypes: ["Egress"], egress: [apiServerEgress(args.apiServerCidrs)] },
        // Prometheus scrapes every tier's metrics ports, and kubelets and node-exporters on the nodes.
        "prometheus-scrape": {
            podSelector: { matchLabels: { ...PROMETHEUS_PODS } },
            policyTypes: ["Egress"],
            egress: [
                { to: [{ namespaceSelector: {} }], ports: tcpPorts(...args.metricsPorts) },
                { to: ipBlocks(args.nodeCidrs), ports: tcpPorts(PORTS.kubelet, PORTS.nodeExporter) },
            ],
        },
        "grafana-from-ingress": { podSelector: { matchLabels: { ...GRAFANA_PODS } }, policyTypes: ["Ingress"], ingress: [{ from: [args.ingressPeer], ports: tcpPorts(PORTS.grafana) }] },
        // Receivers (webhooks, Slack) are outside the cluster.
        "alertmanager-receivers": { podSelector: { matchLabels: { ...ALERTMANAGER_PODS } }, policyTypes: ["Egress"], egress: [{ ports: tcpPorts(443) }] },
        "loki-from-alloy": {
            podSelector: { matchLabels: { ...LOKI_PODS } },
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ namespaceSelector: { matchLabels: { [TIER_LABEL]: "node-agents" } }, podSelector: { matchLabels: { ...ALLOY_PODS } } }], ports: tcpPorts(PORTS.loki) }],
        },
    };
}

/** Alloy on the nodes: reads the API (pod discovery) and pushes to Loki. */
export function alloyPolicySpec(apiServerCidrs: readonly string[]) {
    return {
        podSelector: { matchLabels: { ...ALLOY_PODS } },
        policyTypes: ["Egress"],
        egress: [
            { to: [{ namespaceSelector: { matchLabels: { [TIER_LABEL]: "management" } }, podSelector: { matchLabels: { ...LOKI_PODS } } }], ports: tcpPorts(PORTS.loki) },
            apiServerEgress(apiServerCidrs),
        ],
    };
}
