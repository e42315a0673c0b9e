// How Trino's coordinator authenticates its users once the stack has a realm: OAuth 2.0 for the
// Web UI (authorization code through Keycloak's login page) and bearer JWTs of the realm for
// clients (CLI, JDBC, Prometheus), both by Trino's OAuth2 authenticator. Trino requires TLS for
// that: the coordinator serves HTTPS with a certificate of the platform CA (in-cluster clients) and
// trusts X-Forwarded-Proto from the ingress, which ends the public TLS. Workers authenticate
// nothing: only the coordinator and each other reach them, and their requests are signed with the
// internal shared secret. Pure: e2e/lakehouse.spec.ts starts the coordinator with these lines.
import { realmTokenEndpoint } from "../keycloak/keycloakConfig";
import { PropertiesEntry } from "../meta/propertiesFile";

/** The coordinator's HTTPS port (in-cluster clients, Prometheus); 8080 stays for the nodes and the ingress. */
export const TRINO_HTTPS_PORT = 8443;

/** The realm's audience Trino accepts: its own client id (Keycloak puts it in the tokens of clients that ask for it). */
export const TRINO_AUDIENCE = "trino";

/** The coordinator's TLS material: a PKCS#12 keystore of the platform CA's certificate (cert-manager), and where it is mounted. */
export const TRINO_TLS = {
    /** Beside etc/ (a ConfigMap), not in it. */
    dir: "/etc/trino-tls",
    keystore: "keystore.p12",
} as const;

/** The variables the coordinator's files name for its authentication secrets (from the trino-secrets Secret). */
export const TRINO_AUTH_ENV = {
    clientSecret: "TRINO_OAUTH2_CLIENT_SECRET",
    keystorePassword: "TRINO_KEYSTORE_PASSWORD",
} as const;

export interface TrinoAuthenticationRendering {
    /** The public issuer: the tokens' `iss`, and where browsers log in. */
    readonly issuer: string;
    /** The realm on Keycloak's Service: tokens (code exchange) and keys are fetched there, never through the ingress. */
    readonly internalRealmUrl: string;
    readonly clientId: string;
    /** Where the keystore is (TRINO_TLS in a pod). */
    readonly keystorePath: string;
    readonly httpsPort?: number;
}

/** Lines of the coordinator's config.properties. */
export function trinoAuthenticationProperties(r: TrinoAuthenticationRendering): PropertiesEntry[] {
    const realm = (path: string) => `${r.issuer}/protocol/openid-connect/${path}`;
    return [
        "Users authenticate through the platform realm: the Web UI with a login (authorization code), clients with the realm's bearer tokens for Trino.",
        ["http-server.authentication.type", "oauth2"],
        ["web-ui.authentication.type", "oauth2"],
        "TLS, which authentication requires: HTTPS for in-cluster clients (platform CA), and the ingress's TLS trusted through X-Forwarded-Proto.",
        ["http-server.process-forwarded", true],
        ["http-server.https.enabled", true],
        ["http-server.https.port", r.httpsPort ?? TRINO_HTTPS_PORT],
        ["http-server.https.keystore.path", r.keystorePath],
        ["http-server.https.keystore.key", `\${ENV:${TRINO_AUTH_ENV.keystorePassword}}`],
        "The realm's endpoints set one by one: browsers go to the public host, Trino itself calls Keycloak's Service.",
        ["http-server.authentication.oauth2.issuer", r.issuer],
        ["http-server.authentication.oauth2.oidc.discovery", false],
        ["http-server.authentication.oauth2.auth-url", realm("auth")],
        ["http-server.authentication.oauth2.end-session-url", realm("logout")],
        ["http-server.authentication.oauth2.token-url", realmTokenEndpoint(r.internalRealmUrl)],
        ["http-server.authentication.oauth2.jwks-url", `${r.internalRealmUrl}/protocol/openid-connect/certs`],
        ["http-server.authentication.oauth2.client-id", r.clientId],
        ["http-server.authentication.oauth2.client-secret", `\${ENV:${TRINO_AUTH_ENV.clientSecret}}`],
        ["http-server.authentication.oauth2.scopes", "openid"],
        "The user is the realm's user name (service accounts: service-account-<client>). Trino 476 reads no groups from tokens.",
        ["http-server.authentication.oauth2.principal-field", "preferred_username"],
    ];
}
