import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface PlatformSecretArgs {
    /** Namespace of the Secret. */
    readonly namespace: pulumi.Input<string>;
    /** Name of the Secret on the cluster (others reference it). */
    readonly secretName: string;
    /** The values, by key. */
    readonly data: Readonly<Record<string, pulumi.Input<string>>>;
    /** Labels of the Secret. */
    readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A credential the platform hands to its workloads. This is the one place that decides how a
 * credential reaches the cluster: every component asks for its secrets through it.
 */
export class PlatformSecret extends pulumi.ComponentResource {
    /** Name of the Secret, for secretKeyRef. */
    readonly secretName: pulumi.Output<string>;

    constructor(name: string, args: PlatformSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:secrets:PlatformSecret", name, {}, opts);
        const secret = new k8s.core.v1.Secret(
            `${name}-secret`,
            {
                metadata: { name: args.secretName, namespace: args.namespace, labels: { ...args.labels } },
                type: "Opaque",
                stringData: pulumi.secret(args.data as Record<string, pulumi.Input<string>>),
            },
            { parent: this },
        );
        this.secretName = secret.metadata.name;
        this.registerOutputs({ secretName: this.secretName });
    }
}
