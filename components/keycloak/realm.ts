// The `platform` realm as code: a Keycloak RealmRepresentation rendered from the stack's realm
// settings and the clients the platform's services ask for. Pure, and free of secrets: a client's
// secret and a test user's password are references the realm sync Job resolves from mounted Secret
// files, so the rendered realm may sit in a ConfigMap and show in a diff.
import { KeycloakRealmSettings } from "../../config/types";
import { ConfigError } from "../../config/errors";

export const REALM = "platform";

/** How a client signs in: a browser UI (authorization code, confidential) or a service (client credentials only). */
export type OidcClientKind = "browser" | "service";

/** A client a service of the platform asks for (its `oidcClient` need). */
export interface OidcClientRequest {
    readonly clientId: string;
    readonly kind: OidcClientKind;
    /** Where the login may return (browser clients): absolute https URLs, a trailing * allowed. */
    readonly redirectUris: readonly string[];
    /** Who asks, for messages (a service or a config key). */
    readonly requester: string;
    /** Resource servers its tokens are for (their `aud`, e.g. nessie): each must be one the realm serves. */
    readonly audiences?: readonly string[];
    /**
     * Renews its tokens by exchanging them (standard token exchange, e.g. Trino's Iceberg REST
     * client): its own id joins the audiences, as Keycloak asks of an exchanged token.
     */
    readonly tokenExchange?: boolean;
    /** A browser client that sends no PKCE code challenge (a confidential client with state and nonce, as Trino 476's): PKCE is required of every other. */
    readonly withoutPkce?: boolean;
}

/**
 * Clients Keycloak makes in every realm. The platform's services may not take their ids, and
 * admin-cli, public and allowed password grants by default, gets them switched off: passwords go
 * to the login page only.
 */
export const BUILT_IN_CLIENTS = ["account", "account-console", "admin-cli", "broker", "realm-management", "security-admin-console"] as const;
const BUILT_IN_OVERRIDES = [{ clientId: "admin-cli", directAccessGrantsEnabled: false }];

/** A secret's placeholder in the rendered realm: the sync Job substitutes the named file's content. */
export function secretReference(file: string): string {
    return `$(file:UTF-8:${file})`;
}

/** Where the sync Job finds secrets: a client's secret and a test user's password, one file each. */
export const REALM_SECRET_FILES = {
    dir: "/run/secrets/realm",
    client: (clientId: string) => `${REALM_SECRET_FILES.dir}/client-${clientId}`,
    user: (user: string) => `${REALM_SECRET_FILES.dir}/user-${user}`,
} as const;

/** Claims every client's tokens carry: the user's groups (names) and realm roles, for role mapping in Grafana, Trino and the services. */
function claimMappers(c: OidcClientRequest) {
    // Keycloak's audience mapper names one audience: one mapper per resource server (and the client itself when it exchanges).
    const audience = (name: string, config: Record<string, string>) => ({
        name,
        protocol: "openid-connect",
        protocolMapper: "oidc-audience-mapper",
        config: { ...config, "id.token.claim": "false", "access.token.claim": "true", "introspection.token.claim": "true" },
    });
    return [
        {
            name: "groups",
            protocol: "openid-connect",
            protocolMapper: "oidc-group-membership-mapper",
            config: { "full.path": "false", "id.token.claim": "true", "access.token.claim": "true", "userinfo.token.claim": "true", "claim.name": "groups" },
        },
        {
            name: "roles",
            protocol: "openid-connect",
            protocolMapper: "oidc-usermodel-realm-role-mapper",
            config: { multivalued: "true", "id.token.claim": "true", "access.token.claim": "true", "userinfo.token.claim": "true", "claim.name": "roles" },
        },
        ...(c.audiences ?? []).map((a) => audience(`audience-${a}`, { "included.custom.audience": a })),
        ...(c.tokenExchange ? [audience("audience-self", { "included.client.audience": c.clientId })] : []),
    ];
}

/** A redirect URI's host, checked against the stack's domain. */
function redirectHost(uri: string): string | undefined {
    const m = /^https:\/\/([a-z0-9.-]+)(:[0-9]+)?(\/.*)?$/.exec(uri);
    return m?.[1];
}

/**
 * The clients, checked: unique ids, browser clients with redirect URIs on the stack's domain only
 * (a login must never return to a host the platform does not serve), service clients with none,
 * and audiences only of resource servers the realm serves (`audiences`: the services that accept its tokens).
 */
export function checkedClients(clients: readonly OidcClientRequest[], domain: string, audiences: readonly string[] = []): OidcClientRequest[] {
    const problems: string[] = [];
    for (const [i, c] of clients.entries()) {
        for (const a of c.audiences ?? []) {
            if (!audiences.includes(a)) problems.push(`data-platform:${c.requester}: client "${c.clientId}" asks for tokens for "${a}"; allowed: a service that accepts the realm's tokens (${audiences.join(", ") || "none in this stack"})`);
        }
        if (clients.slice(0, i).some((o) => o.clientId === c.clientId)) problems.push(`data-platform:${c.requester}: client "${c.clientId}" is asked for twice`);
        if ((BUILT_IN_CLIENTS as readonly string[]).includes(c.clientId)) problems.push(`data-platform:${c.requester}: got client "${c.clientId}"; allowed: a name other than Keycloak's own clients (${BUILT_IN_CLIENTS.join(", ")})`);
        if (c.kind === "service" && c.redirectUris.length > 0) problems.push(`data-platform:${c.requester}: a service client has no redirect URIs`);
        if (c.kind === "browser" && c.redirectUris.length === 0) problems.push(`data-platform:${c.requester}: a browser client needs a redirect URI`);
        for (const uri of c.redirectUris) {
            const host = redirectHost(uri);
            if (!host || !(host === domain || host.endsWith(`.${domain}`))) {
                problems.push(`data-platform:${c.requester}: got redirect URI "${uri}"; allowed: https://<host>/<path> with <host> under the stack's domain ${domain}`);
            }
        }
    }
    if (problems.length > 0) throw new ConfigError("", problems);
    return [...clients];
}

function clientRepresentation(c: OidcClientRequest) {
    const browser = c.kind === "browser";
    const origins = [...new Set(c.redirectUris.map((u) => new URL(u.replace(/\*$/, "")).origin))];
    return {
        clientId: c.clientId,
        name: c.clientId,
        enabled: true,
        protocol: "openid-connect",
        publicClient: false,
        clientAuthenticatorType: "client-secret",
        secret: secretReference(REALM_SECRET_FILES.client(c.clientId)),
        standardFlowEnabled: browser,
        implicitFlowEnabled: false,
        // Passwords go to Keycloak's login page only, never through a client.
        directAccessGrantsEnabled: false,
        serviceAccountsEnabled: !browser,
        redirectUris: [...c.redirectUris],
        webOrigins: browser ? origins : [],
        // Keycloak keeps no empty attribute: a service client has none of these (or every sync would see a difference).
        attributes: {
            ...(browser ? { ...(c.withoutPkce ? {} : { "pkce.code.challenge.method": "S256" }), "post.logout.redirect.uris": origins.map((o) => `${o}/*`).join("##") } : {}),
            ...(c.tokenExchange ? { "standard.token.exchange.enabled": "true" } : {}),
        },
        protocolMappers: claimMappers(c),
    };
}

/**
 * The realm. Brute-force protection is always on; registration and direct grants are off; test
 * users (dev-environment stacks) get their password from a file and must change nothing.
 */
export function renderRealm(settings: KeycloakRealmSettings, clients: readonly OidcClientRequest[]): Record<string, unknown> {
    return {
        realm: REALM,
        enabled: true,
        displayName: "Data platform",
        sslRequired: "external",
        registrationAllowed: false,
        resetPasswordAllowed: false,
        rememberMe: false,
        loginWithEmailAllowed: true,
        duplicateEmailsAllowed: false,
        bruteForceProtected: true,
        permanentLockout: false,
        failureFactor: 5,
        waitIncrementSeconds: 60,
        maxFailureWaitSeconds: 900,
        maxDeltaTimeSeconds: 43200,
        passwordPolicy: settings.passwordPolicy,
        accessTokenLifespan: settings.accessTokenLifespanSeconds,
        ssoSessionIdleTimeout: settings.ssoSessionIdleSeconds,
        ssoSessionMaxLifespan: settings.ssoSessionMaxSeconds,
        roles: { realm: settings.roles.map((name) => ({ name })) },
        groups: Object.entries(settings.groups).map(([name, roles]) => ({ name, path: `/${name}`, realmRoles: [...roles] })),
        clients: [...clients.map(clientRepresentation), ...BUILT_IN_OVERRIDES],
        users: Object.entries(settings.testUsers).map(([username, groups]) => ({
            username,
            enabled: true,
            email: `${username}@example.com`,
            emailVerified: true,
            firstName: username,
            lastName: "test",
            groups: groups.map((g) => `/${g}`),
            credentials: [{ type: "password", value: secretReference(REALM_SECRET_FILES.user(username)), temporary: false }],
        })),
    };
}
