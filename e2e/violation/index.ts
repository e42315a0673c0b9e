// A deliberate violation for the e2e run: a compliant namespace with a Deployment whose container
// runs privileged. `pulumi preview --policy-pack policy` must refuse it, naming
// pod-security-privileged. It is never deployed, and is not part of the platform's program.
import * as k8s from "@pulumi/kubernetes";

const provider = new k8s.Provider("kubernetes", {});
const labels = { app: "privileged" };
const ns = new k8s.core.v1.Namespace(
    "violation",
    { metadata: { name: "policy-violation", labels: { "pod-security.kubernetes.io/enforce": "restricted" } } },
    { provider },
);
new k8s.apps.v1.Deployment(
    "privileged",
    {
        metadata: { name: "privileged", namespace: ns.metadata.name },
        spec: {
            selector: { matchLabels: labels },
            template: {
                metadata: { labels },
                spec: {
                    containers: [
                        {
                            name: "shell",
                            image: "registry.example.com/tools/shell:1.0.0",
                            securityContext: { privileged: true },
                            resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                        },
                    ],
                },
            },
        },
    },
    { provider },
);
