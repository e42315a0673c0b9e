// The SQL that creates the application databases and their owners. It is idempotent (safe to run
// on every deploy) and takes passwords only as psql variables, so no password is ever written into
// a ConfigMap or a command line.
import { DatabaseSettings } from "../../config/types";
import { ChangeCapture, HEARTBEAT_TABLE } from "./dynamicConfig";
import { CAPTURE_ROLE, ROLES } from "./roles";

/** The psql variable carrying a role's password, e.g. pw_nessie. */
export function passwordVariable(role: string): string {
    return `pw_${role}`;
}

function sqlLiteral(text: string): string {
    return `'${text.replace(/'/g, "''")}'`;
}

function ensureLoginRole(role: string): string[] {
    return [
        `select format('create role %I login', ${sqlLiteral(role)}) where not exists (select 1 from pg_roles where rolname = ${sqlLiteral(role)}) \\gexec`,
        `alter role "${role}" with login password :'${passwordVariable(role)}';`,
    ];
}

/**
 * Change data capture: the connectors' role (REPLICATION LOGIN, SELECT on the captured tables
 * only), the heartbeat table of each captured database, and each capture's publication over its
 * tables and the heartbeat table, in the capture's database. Tables that do not exist yet (the
 * application creates them later) are left out and named; the next run of the Job adds them. A
 * publication is altered in place, never dropped and created again: a slot decoding WAL written
 * while its publication was missing fails for good. The slot is not created here: Patroni keeps it
 * (permanent_slots).
 */
function captureSql(captures: readonly ChangeCapture[]): string[] {
    if (captures.length === 0) return [];
    const lines = ["", `-- change data capture: role ${CAPTURE_ROLE}`, ...ensureLoginRole(CAPTURE_ROLE), `alter role "${CAPTURE_ROLE}" with replication;`];
    const heartbeat = `${HEARTBEAT_TABLE.schema}.${HEARTBEAT_TABLE.table}`;
    for (const c of captures) {
        const tables = c.tables.map((t) => `(${sqlLiteral(t)})`).join(", ");
        const existing = `(values ${tables}) as captured(name) where to_regclass(captured.name) is not null`;
        lines.push(
            "",
            `-- capture ${c.requester}: slot ${c.slot}, publication ${c.publication}`,
            `\\connect "${c.database}"`,
            `grant connect on database "${c.database}" to "${CAPTURE_ROLE}";`,
            ...[...new Set(c.tables.map((t) => t.split(".")[0]))].map((schema) => `grant usage on schema "${schema}" to "${CAPTURE_ROLE}";`),
            `select format('grant select on %s to %I', to_regclass(captured.name), ${sqlLiteral(CAPTURE_ROLE)}) from ${existing} \\gexec`,
            // The connector's heartbeat writes here (a row per slot), so that a quiet capture's slot still advances.
            `create schema if not exists "${HEARTBEAT_TABLE.schema}";`,
            `create table if not exists ${heartbeat} (slot text primary key, ts timestamptz not null);`,
            `grant usage on schema "${HEARTBEAT_TABLE.schema}" to "${CAPTURE_ROLE}";`,
            `grant select, insert, update on ${heartbeat} to "${CAPTURE_ROLE}";`,
            `select format('create publication %I for table ${heartbeat}', ${sqlLiteral(c.publication)}) where not exists (select 1 from pg_publication where pubname = ${sqlLiteral(c.publication)}) \\gexec`,
            `select format('alter publication %I set table %s', ${sqlLiteral(c.publication)}, string_agg(captured.name, ', ')) from (select to_regclass(captured.name)::text as name from ${existing} union all select ${sqlLiteral(heartbeat)}) as captured \\gexec`,
            `select format(${sqlLiteral(`capture ${c.requester}: table %s does not exist yet, publication ${c.publication} leaves it out until this Job runs again`)}, captured.name) as warning from (values ${tables}) as captured(name) where to_regclass(captured.name) is null;`,
        );
    }
    return lines;
}

export function databasesSql(databases: readonly DatabaseSettings[], captures: readonly ChangeCapture[] = []): string {
    const lines = ["\\set ON_ERROR_STOP on", "", "-- postgres_exporter reads statistics only.", ...ensureLoginRole(ROLES.exporter), `grant pg_monitor to "${ROLES.exporter}";`];
    const owners = [...new Set(databases.map((d) => d.owner))];
    for (const owner of owners) {
        lines.push("", `-- role ${owner}`, ...ensureLoginRole(owner));
    }
    for (const { name, owner } of databases) {
        lines.push(
            "",
            `-- database ${name}`,
            `select format('create database %I owner %I', ${sqlLiteral(name)}, ${sqlLiteral(owner)}) where not exists (select 1 from pg_database where datname = ${sqlLiteral(name)}) \\gexec`,
            `alter database "${name}" owner to "${owner}";`,
            // Applications cannot connect to each other's databases.
            `revoke all on database "${name}" from public;`,
            `grant connect, temporary on database "${name}" to "${owner}";`,
        );
    }
    // Last: it switches databases (\connect).
    lines.push(...captureSql(captures));
    return lines.join("\n") + "\n";
}

/** The psql command line that runs the SQL, passing each password from the environment. */
export function databasesCommand(databases: readonly DatabaseSettings[], sqlFile: string, captures: readonly ChangeCapture[] = []): string {
    const roles = [ROLES.exporter, ...new Set(databases.map((d) => d.owner)), ...(captures.length > 0 ? [CAPTURE_ROLE] : [])];
    const vars = roles.map((r) => `-v ${passwordVariable(r)}="$${passwordEnv(r)}"`).join(" ");
    return `until pg_isready -t 5; do echo waiting for the primary; sleep 2; done; psql -X ${vars} -f ${sqlFile}`;
}

/** The environment variable a role's password arrives in, e.g. PASSWORD_NESSIE. */
export function passwordEnv(role: string): string {
    return `PASSWORD_${role.toUpperCase()}`;
}
