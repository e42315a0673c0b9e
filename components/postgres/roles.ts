// The PostgreSQL roles the platform manages itself (Patroni's, the exporter's, the connectors').
export const ROLES = { superuser: "postgres", replication: "standby", rewind: "rewind", exporter: "postgres_exporter" } as const;

/** The role change data capture connectors log in as: REPLICATION, and SELECT on the captured tables only. */
export const CAPTURE_ROLE = "debezium";
