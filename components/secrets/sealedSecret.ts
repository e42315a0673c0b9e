import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { SealingScope, encryptionLabel, scopeAnnotations, sealValue } from "./sealing";

/** What the program needs to seal for the cluster's sealed-secrets controller. */
export interface SealingKey {
    /** PEM certificate of the controller's active key (what `kubeseal --cert` takes). */
    readonly certificatePem: pulumi.Output<string>;
    /** The private key PEM: only hashed, to key the deterministic sealing (see sealing.ts). */
    readonly privateKeyPem: pulumi.Output<string>;
    /** What installs the SealedSecret CRD and the controller; sealed secrets wait for it. */
    readonly controller: pulumi.Resource;
}

export interface SealedSecretArgs {
    /** Namespace of the Secret the controller creates. */
    readonly namespace: pulumi.Input<string>;
    /** Name of that Secret (pods reference it). */
    readonly secretName: string;
    /** Values sealed here, by key. */
    readonly values?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Values already sealed with kubeseal (strict scope), by key; passed through unchanged. */
    readonly presealed?: Readonly<Record<string, string>>;
    /** strict (default): only this name in this namespace can unseal; or namespace-wide / cluster-wide. */
    readonly scope?: SealingScope;
    /** Labels of the Secret. */
    readonly labels?: Readonly<Record<string, string>>;
    /** Secret type (default Opaque). */
    readonly type?: string;
    /** The controller's key. */
    readonly sealingKey: SealingKey;
}

/** The derivation key of the deterministic sealing, from the private key (never stored as such). */
function derivationSecret(privateKeyPem: string): Buffer {
    return createHash("sha256").update("data-platform/sealed-secrets/v1\0").update(privateKeyPem).digest();
}

/**
 * A SealedSecret: the only form in which the program sends credentials to the cluster. Values are
 * sealed with the controller's public key, so neither the Pulumi state diff nor the cluster's
 * SealedSecret object ever shows them; the controller turns it into a Secret of the same name.
 */
export class SealedSecret extends pulumi.ComponentResource {
    /** Name of the Secret the controller creates, for secretKeyRef. */
    readonly secretName: pulumi.Output<string>;

    constructor(name: string, args: SealedSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:secrets:SealedSecret", name, {}, opts);
        const scope = args.scope ?? "strict";
        const keys = Object.keys(args.values ?? {});
        const encryptedData = pulumi
            .all([pulumi.output(args.namespace), args.sealingKey.certificatePem, args.sealingKey.privateKeyPem, pulumi.all(args.values ?? {})])
            .apply(([namespace, cert, privateKey, values]) => {
                const label = encryptionLabel(namespace, args.secretName, scope);
                const secret = derivationSecret(privateKey);
                const sealed: Record<string, string> = { ...args.presealed };
                for (const key of keys) sealed[key] = sealValue(cert, (values as Record<string, string>)[key], label, secret);
                return sealed;
            });
        // Strict scope needs no annotation; an empty map would never match what the API server
        // stores (it drops empty maps), and every preview would show a change.
        const scoped = scopeAnnotations(scope);
        const annotations = Object.keys(scoped).length > 0 ? scoped : undefined;
        const labels = args.labels && Object.keys(args.labels).length > 0 ? { ...args.labels } : undefined;
        const resource = new k8s.apiextensions.CustomResource(
            `${name}-sealedsecret`,
            {
                apiVersion: "bitnami.com/v1alpha1",
                kind: "SealedSecret",
                metadata: { name: args.secretName, namespace: args.namespace, annotations, labels },
                spec: {
                    // Sealed text is safe to show: only the controller's private key opens it.
                    encryptedData: pulumi.unsecret(encryptedData),
                    template: {
                        metadata: { name: args.secretName, namespace: args.namespace, annotations, labels },
                        type: args.type ?? "Opaque",
                    },
                },
            },
            { parent: this, dependsOn: [args.sealingKey.controller] },
        );
        this.secretName = resource.metadata.name;
        this.registerOutputs({ secretName: this.secretName });
    }
}
