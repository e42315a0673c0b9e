// Grafana's single sign-on through the platform realm: the client Grafana asks Keycloak for and
// the [auth.generic_oauth] settings of its grafana.ini. Browsers are sent to the public issuer;
// Grafana itself exchanges codes and reads user info through Keycloak's Service (the backchannel),
// so its calls stay inside the cluster. Who may sign in, and as what, comes from the token's realm
// roles: a user without a mapped role is refused (role_attribute_strict). The local admin stays as
// the break-glass login, its password generated and sealed. Pure: the identity e2e check signs in
// with these settings against a real Keycloak and evaluates the role expression on the real claims.
import { GrafanaRoleMapping } from "../../config/types";

/** Grafana's client of the platform realm. */
export const GRAFANA_OIDC_CLIENT = "grafana";
/** Where Grafana reads its client secret (a file of the sealed grafana-oauth Secret). */
export const GRAFANA_OAUTH = { secretName: "grafana-oauth", dir: "/etc/secrets/grafana-oauth", file: "client-secret" } as const;

/** Grafana's public root: the login returns to <root>login/generic_oauth. */
export const grafanaRootUrl = (grafanaHost: string) => `https://${grafanaHost}/`;

/** The only redirect URI of Grafana's client. */
export const grafanaRedirectUri = (grafanaHost: string) => `${grafanaRootUrl(grafanaHost)}login/generic_oauth`;

const GRAFANA_ROLES = [
    ["admin", "Admin"],
    ["editor", "Editor"],
    ["viewer", "Viewer"],
] as const;

/**
 * The JMESPath Grafana evaluates on the ID token and user info: the first Grafana role (Admin,
 * then Editor, then Viewer) one of whose realm roles the user holds; null otherwise (refused, with
 * role_attribute_strict). A token without a `roles` claim reads as no role (`roles || []`), never
 * as an error.
 */
export function grafanaRoleExpression(mapping: GrafanaRoleMapping): string {
    const quote = (s: string) => `'${s.replace(/'/g, "\\'")}'`;
    return GRAFANA_ROLES.filter(([key]) => mapping[key].length > 0)
        .map(([key, grafanaRole]) => {
            const held = mapping[key].map((role) => `contains(roles || \`[]\`, ${quote(role)})`);
            return `${held.length > 1 ? `(${held.join(" || ")})` : held[0]} && ${quote(grafanaRole)}`;
        })
        .concat("`null`")
        .join(" || ");
}

export interface GrafanaSsoInput {
    /** Grafana's public host. */
    readonly grafanaHost: string;
    /** The realm's public issuer, https://<auth host>/realms/platform. */
    readonly issuer: string;
    /** The realm on Keycloak's Service, for Grafana's own calls. */
    readonly internalRealmUrl: string;
    /** Grafana's client of the realm. */
    readonly clientId: string;
    /** Realm roles that make a user Admin, Editor or Viewer (observability.grafana.roles). */
    readonly roles: GrafanaRoleMapping;
}

/** grafana.ini sections (the chart's `grafana.ini` value) for sign-in through the platform realm; the client secret is read from GRAFANA_OAUTH's file. */
export function grafanaSsoIni(input: GrafanaSsoInput): Record<string, Record<string, string | boolean>> {
    const oidc = (base: string, endpoint: string) => `${base}/protocol/openid-connect/${endpoint}`;
    const root = grafanaRootUrl(input.grafanaHost);
    const logout = new URLSearchParams({ client_id: input.clientId, post_logout_redirect_uri: `${root}login` });
    return {
        server: { root_url: root },
        auth: {
            // Back to Keycloak on logout, or the next click signs the user in again.
            signout_redirect_url: `${oidc(input.issuer, "logout")}?${logout}`,
            // The form stays for the break-glass admin; nobody signs up locally.
            disable_login_form: false,
        },
        users: { allow_sign_up: false },
        "auth.generic_oauth": {
            enabled: true,
            name: "Platform login",
            client_id: input.clientId,
            client_secret: `$__file{${GRAFANA_OAUTH.dir}/${GRAFANA_OAUTH.file}}`,
            scopes: "openid profile email",
            use_pkce: true,
            auth_url: oidc(input.issuer, "auth"),
            token_url: oidc(input.internalRealmUrl, "token"),
            api_url: oidc(input.internalRealmUrl, "userinfo"),
            // Users are created on their first sign-in; their role follows the token at every one.
            allow_sign_up: true,
            login_attribute_path: "preferred_username",
            name_attribute_path: "name",
            email_attribute_path: "email",
            groups_attribute_path: "groups",
            role_attribute_path: grafanaRoleExpression(input.roles),
            role_attribute_strict: true,
            skip_org_role_sync: false,
        },
    };
}
