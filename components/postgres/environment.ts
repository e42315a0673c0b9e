// The environment of a Patroni member: what differs per pod (name, IP) and the credentials, which
// reach the container only as Secret references.
import { PORTS, ROLES } from "./patroniConfig";

/** Keys of the cluster's credentials Secret. */
export const CREDENTIAL_KEYS = {
    superuser: "superuser-password",
    replication: "replication-password",
    rewind: "rewind-password",
    restapi: "restapi-password",
    exporter: "exporter-password",
} as const;

export interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } };
}

export function fromSecret(name: string, secret: string, key: string): EnvVar {
    return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

function fromField(name: string, fieldPath: string): EnvVar {
    return { name, valueFrom: { fieldRef: { fieldPath } } };
}

export function patroniEnvironment(scope: string, credentialsSecret: string): EnvVar[] {
    return [
        { name: "PATRONI_SCOPE", value: scope },
        fromField("PATRONI_NAME", "metadata.name"),
        fromField("PATRONI_KUBERNETES_NAMESPACE", "metadata.namespace"),
        fromField("PATRONI_KUBERNETES_POD_IP", "status.podIP"),
        { name: "PATRONI_RESTAPI_CONNECT_ADDRESS", value: `$(PATRONI_KUBERNETES_POD_IP):${PORTS.patroni}` },
        { name: "PATRONI_POSTGRESQL_CONNECT_ADDRESS", value: `$(PATRONI_KUBERNETES_POD_IP):${PORTS.postgres}` },
        { name: "PATRONI_SUPERUSER_USERNAME", value: ROLES.superuser },
        fromSecret("PATRONI_SUPERUSER_PASSWORD", credentialsSecret, CREDENTIAL_KEYS.superuser),
        { name: "PATRONI_REPLICATION_USERNAME", value: ROLES.replication },
        fromSecret("PATRONI_REPLICATION_PASSWORD", credentialsSecret, CREDENTIAL_KEYS.replication),
        { name: "PATRONI_REWIND_USERNAME", value: ROLES.rewind },
        fromSecret("PATRONI_REWIND_PASSWORD", credentialsSecret, CREDENTIAL_KEYS.rewind),
        // Unsafe REST calls (switchover, restart, reinitialize) need these; patronictl reads them too.
        { name: "PATRONI_RESTAPI_USERNAME", value: "patroni" },
        fromSecret("PATRONI_RESTAPI_PASSWORD", credentialsSecret, CREDENTIAL_KEYS.restapi),
    ];
}

/** Where a client reaches the primary as the superuser, e.g. jobs that create databases or back up. */
export function superuserClientEnvironment(host: string, credentialsSecret: string): EnvVar[] {
    return [
        { name: "PGHOST", value: host },
        { name: "PGPORT", value: String(PORTS.postgres) },
        { name: "PGUSER", value: ROLES.superuser },
        { name: "PGDATABASE", value: "postgres" },
        fromSecret("PGPASSWORD", credentialsSecret, CREDENTIAL_KEYS.superuser),
    ];
}
