// The environment of a Patroni member (what differs per pod: name, IP) and of the clients that
// reach the primary as superuser; credentials are Secret references, which pods receive as files.
import { EnvVar, fromSecret } from "../meta/secretFiles";
import { PORTS, ROLES } from "./patroniConfig";

/** Keys of the cluster's credentials Secret. */
export const CREDENTIAL_KEYS = {
    superuser: "superuser-password",
    replication: "replication-password",
    rewind: "rewind-password",
    restapi: "restapi-password",
    exporter: "exporter-password",
} as const;

export { EnvVar, fromSecret };

function fromField(name: string, fieldPath: string): EnvVar {
    return { name, valueFrom: { fieldRef: { fieldPath } } };
}

/** What differs per member pod; the credentials come as a file of the configuration directory (renderPatroniCredentials). */
export function patroniEnvironment(scope: string): EnvVar[] {
    return [
        { name: "PATRONI_SCOPE", value: scope },
        fromField("PATRONI_NAME", "metadata.name"),
        fromField("PATRONI_KUBERNETES_NAMESPACE", "metadata.namespace"),
        fromField("PATRONI_KUBERNETES_POD_IP", "status.podIP"),
        { name: "PATRONI_RESTAPI_CONNECT_ADDRESS", value: `$(PATRONI_KUBERNETES_POD_IP):${PORTS.patroni}` },
        { name: "PATRONI_POSTGRESQL_CONNECT_ADDRESS", value: `$(PATRONI_KUBERNETES_POD_IP):${PORTS.postgres}` },
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
