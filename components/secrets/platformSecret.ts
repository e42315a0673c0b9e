import * as pulumi from "@pulumi/pulumi";
import { SealedSecret, SealingKey } from "./sealedSecret";

export interface PlatformSecretArgs {
    /** Namespace of the Secret. */
    readonly namespace: pulumi.Input<string>;
    /** Name of the Secret on the cluster (others reference it). */
    readonly secretName: string;
    /** The values, by key. */
    readonly data: Readonly<Record<string, pulumi.Input<string>>>;
    /** Labels of the Secret. */
    readonly labels?: Readonly<Record<string, string>>;
    /** The sealed-secrets controller's key. */
    readonly sealingKey: SealingKey;
}

/**
 * A credential the platform hands to its workloads. This is the one place that decides how a
 * credential reaches the cluster: sealed for the sealed-secrets controller, never as a plain Secret.
 */
export class PlatformSecret extends pulumi.ComponentResource {
    /** Name of the Secret, for secretKeyRef. */
    readonly secretName: pulumi.Output<string>;

    constructor(name: string, args: PlatformSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:secrets:PlatformSecret", name, {}, opts);
        const sealed = new SealedSecret(
            `${name}-sealed`,
            { namespace: args.namespace, secretName: args.secretName, values: args.data, labels: args.labels, sealingKey: args.sealingKey },
            { parent: this },
        );
        this.secretName = sealed.secretName;
        this.registerOutputs({ secretName: this.secretName });
    }
}
