// ClusterIssuers per stack, as pure specs: dev signs with a local CA; staging and prod use ACME
// (Let's Encrypt staging / production) with HTTP-01 through the platform's ingress class.
import { TlsSettings } from "../../config/types";

export const ACME_SERVERS = {
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
    letsencrypt: "https://acme-v02.api.letsencrypt.org/directory",
} as const;

/** Names of the dev CA chain. */
export const LOCAL_CA = { bootstrapIssuer: "selfsigned", certificate: "platform-ca", issuer: "platform-ca" } as const;

/** The ClusterIssuer that signs the platform's certificates (used in Ingress annotations). */
export function platformIssuerName(tls: TlsSettings): string {
    return tls.issuer === "self-signed" ? LOCAL_CA.issuer : tls.issuer;
}

export function acmeIssuerSpec(tls: TlsSettings, ingressClassName: string) {
    if (tls.issuer === "self-signed") throw new Error("not an ACME issuer");
    return {
        acme: {
            server: ACME_SERVERS[tls.issuer],
            email: tls.acmeEmail,
            privateKeySecretRef: { name: `${tls.issuer}-account-key` },
            solvers: [{ http01: { ingress: { ingressClassName } } }],
        },
    };
}

/** The dev root: a self-signed CA certificate in cert-manager's namespace, signed by the bootstrap issuer. */
export function localCaCertificateSpec(domain: string) {
    return {
        isCA: true,
        commonName: `data-platform ${domain} CA`,
        secretName: LOCAL_CA.certificate,
        duration: "87600h",
        privateKey: { algorithm: "ECDSA", size: 256 },
        issuerRef: { name: LOCAL_CA.bootstrapIssuer, kind: "ClusterIssuer", group: "cert-manager.io" },
    };
}
