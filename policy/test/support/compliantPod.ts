// A pod template that passes every rule of the pack, shared by the unit tests and the fixture
// programs (so it imports nothing: the programs load it beside the repository's Pulumi SDK).

export interface PodTemplate {
    metadata?: Record<string, any>;
    spec: Record<string, any>;
}

export const DIGEST = "sha256:" + "a".repeat(64);

/** Restricted security context, resources, probes, an image pinned by digest, no service-account token. */
export function compliantPod(labels: Record<string, string> = { app: "web" }): PodTemplate {
    const probe = { httpGet: { path: "/health", port: 8080 } };
    return {
        metadata: { labels },
        spec: {
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
                {
                    name: "web",
                    image: `registry.example.com/web:1.2.3@${DIGEST}`,
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
                    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "256Mi" } },
                    livenessProbe: probe,
                    readinessProbe: probe,
                },
            ],
        },
    };
}

