// A NetworkPolicy evaluator over rendered objects: may a pod open a TCP connection to another pod
// on a port? The semantics of the API (networking.k8s.io/v1): a pod selected by no policy of a
// direction is open in that direction; once selected, only what some selecting policy's rules
// allow passes, and a connection needs both the sender's egress and the receiver's ingress.

/** A pod by where it runs and its labels. */
export interface PodRef {
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
}

/** A destination outside the cluster's pods, by address (matched by ipBlock peers only). */
export interface AddressRef {
    readonly address: "internet";
}

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined;

export function selects(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
    if (!selector) return false;
    const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    return (
        byLabels &&
        (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) =>
            operator === "In" ? values.includes(labels[key]) : operator === "NotIn" ? !values.includes(labels[key]) : operator === "Exists" ? key in labels : operator === "DoesNotExist" ? !(key in labels) : false,
        )
    );
}

export class NetworkModel {
    private readonly policies: any[];
    private readonly namespaceLabels = new Map<string, Record<string, string>>();

    constructor(objects: readonly any[]) {
        this.policies = objects.filter((o) => o.kind === "NetworkPolicy");
        for (const ns of objects.filter((o) => o.kind === "Namespace")) {
            // The API server labels every namespace with its name.
            this.namespaceLabels.set(ns.metadata.name, { ...ns.metadata.labels, "kubernetes.io/metadata.name": ns.metadata.name });
        }
    }

    private labelsOf(namespace: string): Record<string, string> {
        return this.namespaceLabels.get(namespace) ?? { "kubernetes.io/metadata.name": namespace };
    }

    private peerMatches(peer: any, policyNamespace: string, target: PodRef | AddressRef): boolean {
        if (peer.ipBlock) return "address" in target && /\/0$/.test(peer.ipBlock.cidr);
        if ("address" in target) return false;
        const namespaceOk = peer.namespaceSelector ? selects(peer.namespaceSelector, this.labelsOf(target.namespace)) : target.namespace === policyNamespace;
        const podOk = peer.podSelector ? selects(peer.podSelector, target.labels) : true;
        return namespaceOk && podOk;
    }

    private static portMatches(rule: any, port: number): boolean {
        const ports: any[] = rule.ports ?? [];
        return ports.length === 0 || ports.some((p) => (p.protocol ?? "TCP") === "TCP" && (p.port === undefined || p.port === port || (p.endPort !== undefined && port >= p.port && port <= p.endPort)));
    }

    /** Whether `pod`'s policies of one direction let the connection through, and which policies selected it. */
    private direction(pod: PodRef, type: "Ingress" | "Egress", peer: PodRef | AddressRef, port: number): boolean {
        const selecting = this.policies.filter((p) => p.metadata.namespace === pod.namespace && (p.spec.policyTypes ?? ["Ingress"]).includes(type) && selects(p.spec.podSelector, pod.labels));
        if (selecting.length === 0) return true;
        const key = type === "Ingress" ? "from" : "to";
        return selecting.some((p) =>
            (p.spec[type === "Ingress" ? "ingress" : "egress"] ?? []).some(
                (rule: any) => NetworkModel.portMatches(rule, port) && ((rule[key] ?? []).length === 0 || rule[key].some((peerSpec: any) => this.peerMatches(peerSpec, p.metadata.namespace, peer))),
            ),
        );
    }

    /** May `from` connect to `to` on TCP `port`? */
    allows(from: PodRef, to: PodRef | AddressRef, port: number): boolean {
        const egress = this.direction(from, "Egress", to, port);
        return "address" in to ? egress : egress && this.direction(to, "Ingress", from, port);
    }
}
