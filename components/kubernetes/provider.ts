import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesSettings } from "../../config/types";

/**
 * The one Kubernetes provider of the program, passed to every component so that nothing ever
 * falls back to the ambient default provider (and so to whatever context happens to be current).
 */
export function createProvider(name: string, settings: KubernetesSettings, opts?: pulumi.CustomResourceOptions): k8s.Provider {
    return new k8s.Provider(
        name,
        {
            // Unset means the kubeconfig's current context, as kubectl does.
            context: settings.context,
            // Renders manifests (secrets included, in plaintext) instead of talking to a cluster.
            renderYamlToDirectory: settings.renderYamlTo,
        },
        opts,
    );
}
