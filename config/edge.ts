// What the edge tier must admit: the ingress controller's Service is the platform's only Service
// reachable from outside, and the edge namespace's ResourceQuota is derived from it so the two can
// never disagree (a quota that is too small makes the API server refuse the Service).
import { EdgeSettings, InstallSettings } from "./types";

/** The entry points the installed controller publishes: HTTP (which redirects to HTTPS) and HTTPS. */
export const EDGE_ENTRY_POINTS = ["web", "websecure"] as const;

/** Quota counts of Services that reach outside the cluster (`services.loadbalancers`, `services.nodeports`). */
export interface ExposureQuota {
    readonly loadBalancers: number;
    readonly nodePorts: number;
}

/**
 * The quota the edge controller's Service needs. A NodePort Service takes one node port per port;
 * so does a LoadBalancer Service unless `spec.allocateLoadBalancerNodePorts` is false (the quota
 * evaluator counts its ports against `services.nodeports` then too). An existing controller runs
 * elsewhere and needs nothing here.
 */
export function edgeExposureQuota(edge: EdgeSettings, install: Pick<InstallSettings, "ingressController">): ExposureQuota {
    if (install.ingressController !== "chart") return { loadBalancers: 0, nodePorts: 0 };
    const ports = EDGE_ENTRY_POINTS.length;
    if (edge.serviceType === "NodePort") return { loadBalancers: 0, nodePorts: ports };
    return { loadBalancers: 1, nodePorts: edge.allocateLoadBalancerNodePorts ? ports : 0 };
}
