// Validation of the identity section (keycloak): the Keycloak release, replicas and sizing, and the
// `platform` realm as code: roles, the groups mapped to them, token lifetimes, the password policy
// and test users (dev-environment stacks only). Clients come from the services that use single
// sign-on; what a client may ask for (redirect hosts) is checked where the realm is rendered.
import { Checker, DNS_LABEL, IMAGE_REF, resources } from "./checks";
import { Environment, GrafanaRoleMapping, KeycloakRealmSettings, KeycloakSettings } from "./types";

/** The variables a web service with sso gets of its client: three settings and the secret (components/keycloak/service.ts). */
export const OIDC_CLIENT_VARIABLES = ["OIDC_ISSUER_URL", "OIDC_INTERNAL_REALM_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"] as const;

/** Names of realm roles, groups and users: Keycloak allows more, our policies and claims want plain names. */
const NAME = /^[a-z][a-z0-9-]{0,62}$/;

function names(c: Checker, path: string, value: unknown): string[] {
    if (!Array.isArray(value)) {
        c.fail(path, value, "a list of names");
        return [];
    }
    return value.map((v, i) => c.string(`${path}[${i}]`, v, NAME, "a lower-case name (letters, digits, -)"));
}

function realm(c: Checker, environment: Environment, value: unknown): KeycloakRealmSettings {
    const p = "keycloak.realm";
    const r = c.object(p, value, ["roles", "groups", "accessTokenLifespanSeconds", "ssoSessionIdleSeconds", "ssoSessionMaxSeconds", "passwordPolicy", "testUsers"]) ?? {};
    const roles = names(c, `${p}.roles`, r.roles);
    const groupsValue = c.object(`${p}.groups`, r.groups ?? {}, Object.keys((r.groups as object) ?? {})) ?? {};
    const groups: Record<string, string[]> = {};
    for (const [group, granted] of Object.entries(groupsValue)) {
        c.string(`${p}.groups.${group}`, group, NAME, "a group name: lower-case letters, digits and -");
        groups[group] = names(c, `${p}.groups.${group}`, granted);
        for (const [i, role] of groups[group].entries()) {
            if (!roles.includes(role)) c.fail(`${p}.groups.${group}[${i}]`, role, `one of keycloak.realm.roles (${roles.join(", ")})`);
        }
    }
    const usersValue = c.object(`${p}.testUsers`, r.testUsers ?? {}, Object.keys((r.testUsers as object) ?? {})) ?? {};
    const testUsers: Record<string, string[]> = {};
    for (const [user, memberOf] of Object.entries(usersValue)) {
        // Test users are for the e2e check: a production realm gets its people from an identity provider or the console.
        if (environment !== "dev") c.fail(`${p}.testUsers.${user}`, user, "no test users when environment is " + environment);
        testUsers[user] = names(c, `${p}.testUsers.${user}`, memberOf);
        for (const [i, group] of testUsers[user].entries()) {
            if (!(group in groups)) c.fail(`${p}.testUsers.${user}[${i}]`, group, `one of keycloak.realm.groups (${Object.keys(groups).join(", ")})`);
        }
    }
    const accessTokenLifespanSeconds = c.integer(`${p}.accessTokenLifespanSeconds`, r.accessTokenLifespanSeconds, 60, 3600);
    const ssoSessionIdleSeconds = c.integer(`${p}.ssoSessionIdleSeconds`, r.ssoSessionIdleSeconds, 300, 86400);
    const ssoSessionMaxSeconds = c.integer(`${p}.ssoSessionMaxSeconds`, r.ssoSessionMaxSeconds, 600, 7 * 86400);
    if (ssoSessionMaxSeconds < ssoSessionIdleSeconds) c.fail(`${p}.ssoSessionMaxSeconds`, ssoSessionMaxSeconds, `at least keycloak.realm.ssoSessionIdleSeconds (${ssoSessionIdleSeconds})`);
    return {
        roles,
        groups,
        accessTokenLifespanSeconds,
        ssoSessionIdleSeconds,
        ssoSessionMaxSeconds,
        passwordPolicy: c.string(`${p}.passwordPolicy`, r.passwordPolicy, /^[a-zA-Z]+\([^()]*\)( and [a-zA-Z]+\([^()]*\))*$/, "Keycloak's policy syntax, e.g. length(12) and notUsername(undefined)"),
        testUsers,
    };
}

/** Realm roles mapped to Grafana's roles (`observability.grafana.roles`): each one a role of the realm. */
export function grafanaRoleMapping(c: Checker, value: unknown, realmRoles: readonly string[]): GrafanaRoleMapping {
    const p = "observability.grafana.roles";
    const m = c.object(p, value, ["admin", "editor", "viewer"]) ?? {};
    const mapped = (key: "admin" | "editor" | "viewer") => {
        const roles = names(c, `${p}.${key}`, m[key] ?? []);
        for (const [i, role] of roles.entries()) if (!realmRoles.includes(role)) c.fail(`${p}.${key}[${i}]`, role, `one of keycloak.realm.roles (${realmRoles.join(", ")})`);
        return roles;
    };
    const mapping = { admin: mapped("admin"), editor: mapped("editor"), viewer: mapped("viewer") };
    if (Object.values(mapping).every((r) => r.length === 0)) c.fail(p, m, "at least one realm role mapped to a Grafana role: nobody could sign in");
    return mapping;
}

export function keycloak(c: Checker, environment: Environment, value: unknown, postgresEnabled: boolean): KeycloakSettings {
    const p = "keycloak";
    const k = c.object(p, value, ["enabled", "version", "image", "syncImage", "replicas", "resources", "host", "realm"]) ?? {};
    const enabled = c.boolean(`${p}.enabled`, k.enabled);
    const replicas = c.integer(`${p}.replicas`, k.replicas, 1, 10);
    // Every login of the platform goes through it.
    if (enabled && environment !== "dev" && replicas < 2) c.fail(`${p}.replicas`, replicas, `at least 2 when environment is ${environment}`);
    if (enabled && !postgresEnabled) c.fail(`${p}.enabled`, true, "false, or postgres.enabled true: Keycloak keeps its realms and sessions' cluster state in PostgreSQL");
    return {
        enabled,
        version: c.string(`${p}.version`, k.version, /^26\.[0-9]+\.[0-9]+$/, "a Keycloak 26 release, e.g. 26.5.6"),
        ...(k.image !== undefined ? { image: c.string(`${p}.image`, k.image, IMAGE_REF, "a prebuilt image of images/keycloak") } : {}),
        ...(k.syncImage !== undefined ? { syncImage: c.string(`${p}.syncImage`, k.syncImage, IMAGE_REF, "a prebuilt image of images/realm-sync") } : {}),
        replicas,
        resources: resources(c, `${p}.resources`, k.resources),
        host: c.string(`${p}.host`, k.host, DNS_LABEL, "a host name under the stack's domain (DNS label), e.g. auth"),
        realm: realm(c, environment, k.realm),
    };
}
