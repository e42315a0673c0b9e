// Keycloak's runtime configuration, rendered from typed settings: the container's environment
// (hostname v2 with a dynamic backchannel, behind the ingress's TLS; PostgreSQL; clustering over
// the database with jdbc-ping) and the secret configuration file it reads with KC_CONFIG_FILE (the
// database password, the bootstrap admin's and the realm sync client's secrets), so no secret is in
// the environment or a ConfigMap. Pure: the e2e check starts a real Keycloak with the same output.
import { propertiesFile } from "../meta/propertiesFile";
import { REALM } from "./realm";

/** 8080 behind the ingress and for in-cluster consumers; health and metrics on the management port; JGroups between members (FD_SOCK2 on bind port + 50000). */
export const KEYCLOAK_PORTS = { http: 8080, management: 9000, jgroups: 7800, jgroupsFailureDetection: 57800 } as const;
/** The image's user (quay.io/keycloak/keycloak: USER 1000). */
export const KEYCLOAK_UID = 1000;
export const KEYCLOAK_PATHS = {
    /** Writable: transaction logs, temporary files (an emptyDir). */
    data: "/opt/keycloak/data",
    secrets: "/run/secrets/keycloak",
    configFile: "/run/secrets/keycloak/keycloak.conf",
} as const;
/** The bootstrap admin user (the console's break-glass login) and the admin client the realm sync Job authenticates as. */
export const KEYCLOAK_ADMINS = { user: "admin", syncClient: "realm-sync" } as const;

/** Where Keycloak keeps its realms: PostgreSQL's primary Service and the `keycloak` database's owner. */
export interface KeycloakDatabase {
    /** The primary's Service. */
    readonly host: string;
    readonly port: number;
    /** The database (keycloak). */
    readonly name: string;
    /** Its owner role, whose password is in the secrets file. */
    readonly user: string;
}

/** The public address: the tokens' issuer is <publicUrl>/realms/platform. */
export function publicUrl(host: string): string {
    return `https://${host}`;
}

export function issuer(host: string): string {
    return `${publicUrl(host)}/realms/${REALM}`;
}

/** The token endpoint under a realm URL, for clients that are configured with the endpoint itself (Iceberg's OAuth2). */
export function realmTokenEndpoint(realmUrl: string): string {
    return `${realmUrl}/protocol/openid-connect/token`;
}

/**
 * The container's environment (the pod IP, JGroups' bind address, comes from the pod). With
 * hostname v2 and a dynamic backchannel, browsers are sent to the public URL while consumers that
 * call the Service get its address for tokens, keys and user info; the issuer stays public.
 */
export function keycloakEnvironment(input: { readonly host: string; readonly db: KeycloakDatabase; readonly dbPoolMaxSize: number }): Record<string, string> {
    return {
        KC_HOSTNAME: publicUrl(input.host),
        KC_HOSTNAME_BACKCHANNEL_DYNAMIC: "true",
        // TLS ends at the ingress, which sends X-Forwarded-* headers.
        KC_HTTP_ENABLED: "true",
        KC_PROXY_HEADERS: "xforwarded",
        KC_HTTP_PORT: String(KEYCLOAK_PORTS.http),
        KC_HTTP_MANAGEMENT_PORT: String(KEYCLOAK_PORTS.management),
        KC_DB_URL: `jdbc:postgresql://${input.db.host}:${input.db.port}/${input.db.name}`,
        KC_DB_USERNAME: input.db.user,
        KC_DB_POOL_MAX_SIZE: String(input.dbPoolMaxSize),
        KC_CONFIG_FILE: KEYCLOAK_PATHS.configFile,
        KC_BOOTSTRAP_ADMIN_USERNAME: KEYCLOAK_ADMINS.user,
        KC_BOOTSTRAP_ADMIN_CLIENT_ID: KEYCLOAK_ADMINS.syncClient,
        // Replicas find each other through the database and share sessions' caches over JGroups.
        KC_CACHE: "ispn",
        KC_CACHE_STACK: "jdbc-ping",
        KC_CACHE_EMBEDDED_NETWORK_BIND_PORT: String(KEYCLOAK_PORTS.jgroups),
        KC_EVENT_METRICS_USER_TAGS: "realm,clientId",
    };
}

/** The secret configuration file (keycloak.conf syntax), read through KC_CONFIG_FILE. */
export function keycloakSecretsFile(secrets: { readonly dbPassword: string; readonly adminPassword: string; readonly syncClientSecret: string }): string {
    return propertiesFile([
        "Keycloak's secrets (KC_CONFIG_FILE): the database password and the bootstrap admin's credentials",
        ["db-password", secrets.dbPassword],
        ["bootstrap-admin-password", secrets.adminPassword],
        ["bootstrap-admin-client-secret", secrets.syncClientSecret],
    ]);
}
