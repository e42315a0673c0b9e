// Apicurio Registry's configuration, rendered from typed settings: the environment of its container
// (SQL storage on the platform's PostgreSQL, the connection pool sized for a shared server, the
// heap) and the secret file Quarkus reads the database password from (quarkus.config.locations),
// so that no password is in the environment or a ConfigMap. Pure.
import { propertiesFile } from "../meta/propertiesFile";

/** API on 8080 (the Confluent-compatible API at /apis/ccompat/v7); health and metrics on Quarkus' management port. */
export const REGISTRY_PORTS = { http: 8080, management: 9000 } as const;
/** The image's user (quay.io/apicurio/apicurio-registry: USER 1001, /deployments owned by it). */
export const REGISTRY_UID = 1001;
export const REGISTRY_PATHS = {
    /** The sealed Secret's file with apicurio.datasource.password. */
    secrets: "/run/secrets/registry",
    secretsFile: "/run/secrets/registry/datasource.properties",
} as const;
/** The Confluent-compatible API that Confluent's serializers and Kafka clients speak. */
export const CCOMPAT_PATH = "/apis/ccompat/v7";

export interface RegistryDatabase {
    readonly host: string;
    readonly port: number;
    readonly name: string;
    readonly user: string;
}

/**
 * The container's environment. Each replica keeps at most `maxConnections` connections: Apicurio's
 * default pool (20 to 100 per replica) would take PostgreSQL's max_connections from the others.
 */
export function registryEnvironment(db: RegistryDatabase, maxConnections = 10): Record<string, string> {
    return {
        APICURIO_STORAGE_KIND: "sql",
        APICURIO_STORAGE_SQL_KIND: "postgresql",
        APICURIO_DATASOURCE_URL: `jdbc:postgresql://${db.host}:${db.port}/${db.name}`,
        APICURIO_DATASOURCE_USERNAME: db.user,
        APICURIO_DATASOURCE_JDBC_INITIAL_SIZE: "2",
        APICURIO_DATASOURCE_JDBC_MIN_SIZE: "2",
        APICURIO_DATASOURCE_JDBC_MAX_SIZE: String(maxConnections),
        // The replicas create their tables on an empty database (3.3 serializes that with an advisory lock).
        APICURIO_SQL_INIT: "true",
        QUARKUS_CONFIG_LOCATIONS: `file:${REGISTRY_PATHS.secretsFile}`,
        // The image's run-java.sh sizes the heap as a share of the container's memory limit.
        JAVA_MAX_MEM_RATIO: "60",
    };
}

/** The secret file: the database password, in the properties syntax Quarkus reads. */
export function registrySecretsFile(password: string): string {
    return propertiesFile(["the registry's database password (read through quarkus.config.locations)", ["apicurio.datasource.password", password]]);
}
