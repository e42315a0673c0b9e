// NetworkPolicies derived from what a web service declares: who may call it (the ingress
// controller, Prometheus) and what it may call (its dependencies) — and, on each dependency's
// side, the matching ingress rule. Pure builders, tested without the Pulumi runtime.
import * as pulumi from "@pulumi/pulumi";
import { tcpPorts } from "../meta/network";

/** Pods that may open connections, for a NetworkPolicy peer. */
export interface PeerSelector {
    readonly namespaceSelector: Record<string, unknown>;
    readonly podSelector?: Record<string, unknown>;
}

/** A service others may depend on: where its pods are and which ports they serve. */
export interface ServiceEndpoint {
    readonly name: string;
    readonly namespace: pulumi.Input<string>;
    readonly podLabels: Readonly<Record<string, string>>;
    readonly ports: readonly number[];
}


/** Selects the pods of an endpoint from another namespace. */
export function endpointPeer(endpoint: ServiceEndpoint): PeerSelector {
    return {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": endpoint.namespace } },
        podSelector: { matchLabels: { ...endpoint.podLabels } },
    };
}

/** Egress to an endpoint's pods, on its ports only. */
export function endpointEgress(endpoint: ServiceEndpoint) {
    return { to: [endpointPeer(endpoint)], ports: tcpPorts(...endpoint.ports) };
}

/** The service's own policy: in from the ingress controller and Prometheus, out to its dependencies only. */
export function servicePolicySpec(self: ServiceEndpoint, callers: { ingress?: PeerSelector; metrics?: PeerSelector }, dependencies: readonly ServiceEndpoint[]) {
    const ingress = [callers.ingress, callers.metrics].filter((p): p is PeerSelector => p !== undefined).map((peer) => ({ from: [peer], ports: tcpPorts(...self.ports) }));
    return {
        podSelector: { matchLabels: { ...self.podLabels } },
        policyTypes: ["Ingress", "Egress"],
        ingress,
        egress: dependencies.map(endpointEgress),
    };
}

/** On the dependency's side: let this service's pods in, on the dependency's ports only. */
export function dependencyIngressSpec(self: ServiceEndpoint, dependency: ServiceEndpoint) {
    return {
        podSelector: { matchLabels: { ...dependency.podLabels } },
        policyTypes: ["Ingress"],
        ingress: [{ from: [endpointPeer(self)], ports: tcpPorts(...dependency.ports) }],
    };
}
