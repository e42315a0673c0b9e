// The paths outside traffic takes through the ingress controller, as NetworkPolicy rules: the
// controller may reach exactly the backends of the platform's Ingresses and cert-manager's HTTP-01
// solver pods, and each of those lets the controller in. Pure builders, tested without mocks.
import * as pulumi from "@pulumi/pulumi";
import { tcpPorts } from "../meta/network";
import { PeerSelector, ServiceEndpoint, endpointEgress } from "../web/networkPolicies";

/** cert-manager's HTTP-01 solver pods: it creates them (and their Ingress) in the namespace of each Ingress it answers a challenge for. */
export const ACME_SOLVER = { podLabels: { "acme.cert-manager.io/http01-solver": "true" }, port: 8089 } as const;

/** What the ingress controller forwards to: the pods behind every published Ingress, and the namespaces where ACME challenges are answered. */
export interface PublishedBackends {
    /** Pods (namespace, labels, container ports) that Ingress backends resolve to. */
    readonly backends: readonly ServiceEndpoint[];
    /** Namespaces whose Ingresses get certificates by ACME HTTP-01: solver pods appear there. */
    readonly acmeNamespaces: readonly pulumi.Input<string>[];
}

/** The solver pods of a namespace as a NetworkPolicy peer. */
export function acmeSolverPeer(namespace: pulumi.Input<string>): PeerSelector {
    return { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } }, podSelector: { matchLabels: { ...ACME_SOLVER.podLabels } } };
}

/** The ingress controller's egress to what it publishes: every backend on its ports, every solver on its port. */
export function ingressControllerEgress(published: PublishedBackends) {
    return [
        ...published.backends.map(endpointEgress),
        ...published.acmeNamespaces.map((namespace) => ({ to: [acmeSolverPeer(namespace)], ports: tcpPorts(ACME_SOLVER.port) })),
    ];
}

/** In a namespace that answers ACME challenges: the ingress controller may reach the solver pods. */
export function acmeSolverPolicySpec(ingressPeer: PeerSelector) {
    return {
        podSelector: { matchLabels: { ...ACME_SOLVER.podLabels } },
        policyTypes: ["Ingress"],
        ingress: [{ from: [ingressPeer], ports: tcpPorts(ACME_SOLVER.port) }],
    };
}
