// What the Nessie server is started with: its application.properties (a ConfigMap) and a second
// properties file with the secrets (a sealed Secret), which the first names in
// quarkus.config.locations so that no secret is in the environment or the ConfigMap. Pure: the
// component mounts these strings, and e2e/catalog.spec.ts starts the real server with them.

import { propertiesFile } from "../meta/propertiesFile";

/** Ports of the Nessie server: the API (REST, Iceberg REST at /iceberg) and Quarkus' management interface. */
export const NESSIE_PORTS = { http: 19120, management: 9000 } as const;

/** Where the image reads its configuration, and where the secrets file is mounted. */
export const NESSIE_PATHS = {
    /** The image's working directory is /deployments: Quarkus reads config/application.properties there. */
    configDir: "/deployments/config",
    configFile: "application.properties",
    secretsDir: "/run/secrets/nessie",
    secretsFile: "secrets.properties",
} as const;

/** Name of Nessie's S3 credentials for `urn:nessie-secret:quarkus:<name>`: letters and digits only, so it has one spelling. */
const S3_SECRET = "nessies3";

/** Everything the properties depend on; the addresses are what a local run changes. */
export interface NessieRendering {
    /** The version store's database. */
    readonly database: { readonly host: string; readonly port: number; readonly name: string; readonly user: string };
    /** The object store as Nessie reaches it, and as it tells clients to reach it (the same in-cluster). */
    readonly s3: { readonly endpoint: string; readonly region: string; readonly pathStyle: boolean };
    /** s3://bucket/prefix of the warehouse. */
    readonly warehouse: { readonly bucket: string; readonly prefix: string };
    readonly cacheCapacityMB: number;
    /** More than one replica: the DNS name whose addresses are the replicas (the headless management Service). */
    readonly peers?: string;
    /** Path of the secrets file (NESSIE_PATHS in a pod). */
    readonly secretsFile: string;
    readonly ports?: { readonly http: number; readonly management: number };
    /** The platform realm, when Nessie requires its tokens (OidcAuthentication). */
    readonly authentication?: OidcAuthentication;
}

/** Bearer tokens of the platform realm, checked by Quarkus OIDC as a service (no login of its own). */
export interface OidcAuthentication {
    /** The realm on Keycloak's Service: discovery and keys are fetched there, never through the ingress. */
    readonly realmUrl: string;
    /** The public issuer the tokens name (https://auth.<domain>/realms/platform). */
    readonly issuer: string;
    /** The `aud` a token must carry to be accepted here. */
    readonly audience: string;
}

/** How an engine signs in to the catalog: client credentials at the realm's token endpoint (in the cluster), with this scope. */
export interface CatalogOAuth2 {
    readonly tokenEndpoint: string;
    readonly scope: string;
}

/**
 * The variable an engine's jobs find their catalog client's `<id>:<secret>` in (Iceberg's
 * `credential`), where the engine cannot read it from a file or its own variable syntax (Spark, Flink).
 */
export const CATALOG_CREDENTIAL_ENV = "LAKEHOUSE_CATALOG_CREDENTIAL";

/**
 * The catalog as variables, for engines whose jobs build their catalog themselves (Flink: its
 * `CREATE CATALOG` or a job's Iceberg REST properties): the REST URI, the warehouse, and the OAuth2
 * token endpoint and scope when Nessie requires tokens. The credential is CATALOG_CREDENTIAL_ENV, from a Secret.
 */
export function catalogVariables(c: { readonly uri: string; readonly warehouse: string; readonly oauth2?: CatalogOAuth2 }): Record<string, string> {
    return {
        LAKEHOUSE_CATALOG_URI: c.uri,
        LAKEHOUSE_CATALOG_WAREHOUSE: c.warehouse,
        ...(c.oauth2 ? { LAKEHOUSE_CATALOG_OAUTH2_SERVER_URI: c.oauth2.tokenEndpoint, LAKEHOUSE_CATALOG_SCOPE: c.oauth2.scope } : {}),
    };
}

/** The audience of the catalog: the engines' clients ask the realm for tokens with it. */
export const NESSIE_AUDIENCE = "nessie";

function authenticationProperties(a: OidcAuthentication | undefined) {
    if (!a) return ["Anyone who reaches the API may use it: no realm in this stack (keycloak.enabled false); the NetworkPolicy admits only the engines.", ["nessie.server.authentication.enabled", false] as const];
    return [
        "Every API call (REST, Iceberg REST) needs a bearer token of the platform realm for this audience; health and metrics on the management port need none.",
        ["nessie.server.authentication.enabled", true] as const,
        ["quarkus.oidc.application-type", "service"] as const,
        "Keycloak may come up after Nessie: Quarkus then connects on the first request (the catalog e2e starts them in that order).",
        ["quarkus.oidc.auth-server-url", a.realmUrl] as const,
        "Tokens name the public issuer although the keys are fetched from the Service.",
        ["quarkus.oidc.token.issuer", a.issuer] as const,
        ["quarkus.oidc.token.audience", a.audience] as const,
    ];
}

/** The secrets file: the database password, Nessie's S3 keys and the replicas' cache-invalidation token. */
export interface NessieSecrets {
    readonly databasePassword: string;
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    /** Shared by the replicas; sent with and checked on every cache invalidation. */
    readonly invalidationToken: string;
}

/** The warehouse's name in Nessie's catalog (clients may name it; the default is used when they do not). */
export const NESSIE_WAREHOUSE = "warehouse";

export function renderNessieProperties(r: NessieRendering): string {
    const ports = r.ports ?? NESSIE_PORTS;
    const s3 = "nessie.catalog.service.s3.default-options";
    return propertiesFile([
        "The secrets (database password, S3 keys, invalidation token): a second file, which wins.",
        ["quarkus.config.locations", r.secretsFile],
        ["quarkus.http.port", ports.http],
        "Health (/q/health/*) and metrics (/q/metrics) are served on the management port only.",
        ["quarkus.management.port", ports.management],
        ...authenticationProperties(r.authentication),
        "Version store: JDBC2 on the platform PostgreSQL (tables objs2 and refs2, created at start).",
        ["nessie.version.store.type", "JDBC2"],
        ["nessie.version.store.persist.jdbc.datasource", "postgresql"],
        ["quarkus.datasource.postgresql.jdbc.url", `jdbc:postgresql://${r.database.host}:${r.database.port}/${r.database.name}`],
        ["quarkus.datasource.postgresql.username", r.database.user],
        "Sized explicitly: by default the cache takes 70% of the heap.",
        ["nessie.version.store.persist.cache-capacity-mb", r.cacheCapacityMB],
        ...(r.peers
            ? [
                  "Replicas tell each other about their writes, or their caches go stale: to every address of this name, on the management port.",
                  ["nessie.version.store.persist.cache-invalidations.service-names", r.peers] as const,
              ]
            : []),
        "The Iceberg warehouse, written with Nessie's own identity on the object store.",
        ["nessie.catalog.default-warehouse", NESSIE_WAREHOUSE],
        [`nessie.catalog.warehouses.${NESSIE_WAREHOUSE}.location`, `s3://${r.warehouse.bucket}/${r.warehouse.prefix}`],
        [`${s3}.endpoint`, r.s3.endpoint],
        [`${s3}.region`, r.s3.region],
        [`${s3}.path-style-access`, r.s3.pathStyle],
        [`${s3}.auth-type`, "STATIC"],
        [`${s3}.access-key`, `urn:nessie-secret:quarkus:${S3_SECRET}`],
        "Clients bring their own keys: every engine is its own S3 identity (SeaweedFS has no STS to vend credentials).",
        [`${s3}.request-signing-enabled`, false],
    ]);
}

/** Values are generated without special characters (RandomPassword special: false), so they need no escaping. */
export function renderNessieSecrets(s: NessieSecrets): string {
    return propertiesFile([
        ["quarkus.datasource.postgresql.password", s.databasePassword],
        [`${S3_SECRET}.name`, s.accessKeyId],
        [`${S3_SECRET}.secret`, s.secretAccessKey],
        ["nessie.version.store.persist.cache-invalidations.valid-tokens", s.invalidationToken],
    ]);
}

/** The JVM's options (the image's run-java.sh appends JAVA_OPTS_APPEND): a heap sized from the memory limit. */
export function nessieJvmOptions(heapMB: number): string {
    return `-Xms${Math.min(64, heapMB)}m -Xmx${heapMB}m -XX:+ExitOnOutOfMemoryError`;
}
