// Certificates of the platform CA (cert-manager's internal ClusterIssuer) for the services that
// serve TLS inside the cluster, as the JVM servers take them: a PKCS#12 keystore with a generated
// password, beside the CA's certificate (ca.crt) that cert-manager writes into the same Secret.

/** The names a Service is reached by in the cluster, most specific first. */
export function serviceDnsNames(service: string, namespace: string): string[] {
    return [`${service}.${namespace}.svc.cluster.local`, `${service}.${namespace}.svc`, service];
}

export interface KeystoreCertificate {
    /** The Secret cert-manager writes: tls.crt, tls.key, ca.crt and keystore.p12. */
    readonly secretName: string;
    /** The ClusterIssuer (the platform CA). */
    readonly issuer: string;
    readonly dnsNames: readonly string[];
    /** The Secret whose key `password` protects the keystore. */
    readonly passwordSecret: string;
}

/** A Certificate's spec: ECDSA P-256, a new key at every renewal, 90 days renewed 15 days before; a server's unless `usages` say otherwise. */
export function certificateSpec(c: Omit<KeystoreCertificate, "passwordSecret">, usages: readonly string[] = ["server auth", "digital signature", "key encipherment"]) {
    return {
        secretName: c.secretName,
        issuerRef: { name: c.issuer, kind: "ClusterIssuer", group: "cert-manager.io" },
        duration: "2160h",
        renewBefore: "360h",
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        usages: [...usages],
        dnsNames: [...c.dnsNames],
    };
}

/** A server's certificate with its PKCS#12 keystore. */
export function keystoreCertificateSpec(c: KeystoreCertificate) {
    return { ...certificateSpec(c), keystores: { pkcs12: { create: true, passwordSecretRef: { name: c.passwordSecret, key: "password" } } } };
}
