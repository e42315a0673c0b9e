// Building blocks of NetworkPolicies, shared by every component.

/** TCP ports of a NetworkPolicy rule, each once and in order (the rendered policy is stable). */
export function tcpPorts(...ports: number[]): { protocol: string; port: number }[] {
    return [...new Set(ports)].sort((a, b) => a - b).map((port) => ({ protocol: "TCP", port }));
}

/** Peers given by address ranges. */
export function ipBlocks(cidrs: readonly string[]): { ipBlock: { cidr: string } }[] {
    return cidrs.map((cidr) => ({ ipBlock: { cidr } }));
}

/** Egress to the Kubernetes API server (443 via the kubernetes Service, 6443 on the endpoints after DNAT). */
export function apiServerEgress(apiServerCidrs: readonly string[]) {
    return { to: ipBlocks(apiServerCidrs), ports: tcpPorts(443, 6443) };
}
