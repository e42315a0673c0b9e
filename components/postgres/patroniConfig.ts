// Patroni's configuration, rendered from typed settings: patroni.yml (a ConfigMap) and
// credentials.yml (the passwords, from the cluster's sealed Secret), both in one directory that
// Patroni reads as its configuration (it merges every YAML file of a directory, in name order).
// What differs per pod (name, pod IP) comes from environment variables (see patroniEnvironment), so
// the same files serve every member and can be checked by `patroni --validate-config`.
import { PatroniTiming, PostgresSettings } from "../../config/types";
import { ChangeCapture, DynamicConfigSettings, dynamicConfiguration, pgHba } from "./dynamicConfig";
import { ROLES } from "./roles";

export { ROLES } from "./roles";
export { memoryParameters, pgHba } from "./dynamicConfig";

/** Paths inside the Patroni container. */
export const PATHS = {
    /** Patroni's configuration directory: patroni.yml and credentials.yml. */
    configDir: "/etc/patroni",
    volume: "/var/lib/postgresql/data",
    // A subdirectory of the volume: initdb needs an empty directory it can own with mode 0700.
    dataDir: "/var/lib/postgresql/data/pgdata",
    socketDir: "/var/run/postgresql",
    pgpass: "/tmp/pgpass",
} as const;

export const PORTS = { postgres: 5432, patroni: 8008, exporter: 9187 } as const;

/** File names in the configuration directory. */
export const CONFIG_FILES = { settings: "patroni.yml", credentials: "credentials.yml", dynamic: "dynamic.json" } as const;

/** The user of Patroni's REST API for unsafe calls (switchover, restart); patronictl uses it too. */
export const RESTAPI_USER = "patroni";

/** The passwords of the roles Patroni manages and of its REST API. */
export interface PatroniPasswords {
    readonly superuser: string;
    readonly replication: string;
    readonly rewind: string;
    readonly restapi: string;
}

/** credentials.yml: the part of Patroni's configuration that is secret, merged over patroni.yml. */
export function renderPatroniCredentials(passwords: PatroniPasswords): Record<string, unknown> {
    return {
        postgresql: {
            authentication: {
                superuser: { username: ROLES.superuser, password: passwords.superuser },
                replication: { username: ROLES.replication, password: passwords.replication },
                rewind: { username: ROLES.rewind, password: passwords.rewind },
            },
        },
        restapi: { authentication: { username: RESTAPI_USER, password: passwords.restapi } },
    };
}

export interface PatroniConfigInput {
    /** Patroni scope: the cluster's name in the DCS (ConfigMaps <scope>-leader, -config, ...). */
    readonly scope: string;
    /** Labels on the member pods; Patroni finds its members by them. */
    readonly podLabels: Readonly<Record<string, string>>;
    readonly settings: DynamicConfigSettings & Pick<PostgresSettings, "members">;
    /** Change data capture slots the dynamic configuration keeps (none by default). */
    readonly captures?: readonly ChangeCapture[];
}

/** Patroni's rule for its timing: the leader retries the DCS within one TTL or demotes itself. */
export function timingIsSafe(t: PatroniTiming): boolean {
    return t.loopWait + 2 * t.retryTimeout <= t.ttl;
}

export function renderPatroniConfig(input: PatroniConfigInput): Record<string, unknown> {
    const { settings } = input;
    if (!timingIsSafe(settings.timing)) {
        throw new Error(`unsafe Patroni timing: loop_wait + 2 * retry_timeout must be <= ttl (${JSON.stringify(settings.timing)})`);
    }
    return {
        scope: input.scope,
        restapi: { listen: `0.0.0.0:${PORTS.patroni}` },
        kubernetes: {
            labels: { ...input.podLabels },
            // Patroni finds its members by these labels plus <scope_label>=<scope> (default
            // cluster-name): point it at the label our pods already carry with the scope as value.
            scope_label: "app.kubernetes.io/instance",
            // ConfigMaps, not Endpoints: v1 Endpoints are deprecated from Kubernetes 1.33.
            use_endpoints: false,
            // Through the kubernetes Service: reading its Endpoints in "default" would need a ClusterRole.
            bypass_api_service: false,
            role_label: "role",
            leader_label_value: "primary",
            follower_label_value: "replica",
            standby_leader_label_value: "primary",
        },
        bootstrap: {
            // Read once, when the cluster is created; the DCS sync Job applies it to a running one.
            dcs: dynamicConfiguration(settings, input.captures),
            initdb: [{ encoding: "UTF8" }, { locale: "C.UTF-8" }, "data-checksums"],
            // Also read at bootstrap by every Patroni release (and required by the validator of Patroni < 3.1).
            pg_hba: pgHba(),
        },
        postgresql: {
            listen: `0.0.0.0:${PORTS.postgres}`,
            data_dir: PATHS.dataDir,
            pgpass: PATHS.pgpass,
            authentication: {
                superuser: { username: ROLES.superuser },
                replication: { username: ROLES.replication },
                rewind: { username: ROLES.rewind },
            },
            parameters: { unix_socket_directories: PATHS.socketDir },
        },
        // Containers have no watchdog device; fencing relies on the leader lock's TTL.
        watchdog: { mode: "off" },
    };
}

/** patroni.yml without what only a new cluster reads (bootstrap): a change of it alone needs no member restarted. */
export function memberConfiguration(config: Record<string, unknown>): Record<string, unknown> {
    const { bootstrap: _bootstrap, ...local } = config;
    return local;
}
