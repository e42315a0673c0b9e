// Patroni's dynamic configuration: what every member reads from the DCS (the <scope>-config
// ConfigMap), not from its own patroni.yml. Patroni takes it from `bootstrap.dcs` only when the
// cluster is created; afterwards the DCS sync Job (images/patroni/bin/patroni-dcs-sync) applies this
// same object to a running cluster on every change, restarting members where PostgreSQL needs it.
import { ChangeDataCaptureSettings, PostgresSettings } from "../../config/types";
import { parseQuantity } from "../../config/quantity";
import { ROLES } from "./roles";

/** What a change data capture connector needs of one database: its slot, its publication and the tables they carry. */
export interface ChangeCapture {
    /** Who asks for it, for messages (e.g. `connect.connectors.orders`). */
    readonly requester: string;
    readonly database: string;
    /** Logical replication slot (pgoutput), kept by Patroni as a permanent slot on every member. */
    readonly slot: string;
    /** Publication the slot decodes, created by the databases Job (the connector does not create it). */
    readonly publication: string;
    /** Captured tables, `schema.table`. */
    readonly tables: readonly string[];
}

/** Memory-derived PostgreSQL parameters (the usual 25% / 75% of the container's memory limit). */
export function memoryParameters(memoryLimit: string): Record<string, string> {
    const mib = Math.floor(parseQuantity(memoryLimit) / 2 ** 20);
    return {
        shared_buffers: `${Math.max(32, Math.floor(mib / 4))}MB`,
        effective_cache_size: `${Math.max(64, Math.floor((mib * 3) / 4))}MB`,
        maintenance_work_mem: `${Math.max(16, Math.min(2048, Math.floor(mib / 16)))}MB`,
    };
}

/** pg_hba.conf: local socket for the postgres OS user, SCRAM everywhere else; NetworkPolicies narrow who can connect. */
export function pgHba(): string[] {
    return [
        "local all all peer",
        `host replication ${ROLES.replication} 0.0.0.0/0 scram-sha-256`,
        `host replication ${ROLES.replication} ::/0 scram-sha-256`,
        "host all all 0.0.0.0/0 scram-sha-256",
        "host all all ::/0 scram-sha-256",
    ];
}

/** The logical decoding plugin of every capture: PostgreSQL's built-in one, which Debezium uses. */
export const DECODING_PLUGIN = "pgoutput";

/**
 * The table a capture's connector writes its heartbeat to (heartbeat.action.query), one row per
 * slot, in every captured database. It is in each capture's publication, so a heartbeat reaches the
 * connector as a change even when the captured tables are quiet, and the connector confirms it: the
 * slot advances instead of holding the WAL other databases write. Heartbeat records alone do not
 * move the slot (Debezium confirms only positions it received). The connector does not publish it.
 */
export const HEARTBEAT_TABLE = { schema: "debezium", table: "heartbeat" } as const;

/** The statement a capture's connector runs on every heartbeat. */
export function heartbeatQuery(slot: string): string {
    return `INSERT INTO ${HEARTBEAT_TABLE.schema}.${HEARTBEAT_TABLE.table} (slot, ts) VALUES ('${slot}', now()) ON CONFLICT (slot) DO UPDATE SET ts = excluded.ts`;
}

/** Keys of the dynamic configuration the platform owns whole: entries missing from the desired one are removed. */
export const OWNED_WHOLE = ["permanent_slots"] as const;

export type DynamicConfigSettings = Pick<PostgresSettings, "timing" | "synchronousMode" | "maxConnections" | "resources"> & { readonly cdc: ChangeDataCaptureSettings };

/** Replication parameters: physical replication only, or logical decoding for the captures. */
function replicationParameters(cdc: ChangeDataCaptureSettings): Record<string, string | number> {
    if (!cdc.enabled) return { wal_level: "replica", max_wal_senders: 10, max_replication_slots: 10 };
    return {
        wal_level: "logical",
        max_wal_senders: cdc.maxWalSenders,
        max_replication_slots: cdc.maxReplicationSlots,
        // A connector that stops consuming must not fill the volume: past this its slot is dropped.
        max_slot_wal_keep_size: `${cdc.maxSlotWalKeepGb}GB`,
    };
}

/**
 * The desired dynamic configuration. With captures, their slots are permanent: Patroni creates them
 * on the primary and copies and advances them on the replicas (turning hot_standby_feedback on
 * there), so after a failover the connector finds its slot on the new primary at a position no
 * later than what it confirmed.
 */
export function dynamicConfiguration(settings: DynamicConfigSettings, captures: readonly ChangeCapture[] = []): Record<string, unknown> {
    if (captures.length > 0 && !settings.cdc.enabled) throw new Error(`logical slots (${captures.map((c) => c.slot).join(", ")}) need postgres.cdc.enabled`);
    const synchronous =
        settings.synchronousMode === "off"
            ? { synchronous_mode: false }
            : {
                  synchronous_mode: settings.synchronousMode === "quorum" ? "quorum" : true,
                  // Availability over strictness: with no standby left the primary keeps accepting
                  // writes, but failover only ever promotes a synchronous standby.
                  synchronous_mode_strict: false,
                  synchronous_node_count: 1,
              };
    return {
        ttl: settings.timing.ttl,
        loop_wait: settings.timing.loopWait,
        retry_timeout: settings.timing.retryTimeout,
        // A replica more than 1 MiB of WAL behind is not promoted automatically.
        maximum_lag_on_failover: 1048576,
        ...synchronous,
        postgresql: {
            use_pg_rewind: true,
            use_slots: true,
            parameters: {
                max_connections: settings.maxConnections,
                password_encryption: "scram-sha-256",
                hot_standby: "on",
                wal_log_hints: "on",
                wal_keep_size: "1GB",
                ...replicationParameters(settings.cdc),
                ...memoryParameters(settings.resources.limits.memory),
            },
            pg_hba: pgHba(),
        },
        // Always present, so that removing the last capture removes its slot.
        permanent_slots: Object.fromEntries(captures.map((c) => [c.slot, { type: "logical", database: c.database, plugin: DECODING_PLUGIN }])),
    };
}
