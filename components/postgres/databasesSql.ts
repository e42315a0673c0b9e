// The SQL that creates the application databases and their owners. It is idempotent (safe to run
// on every deploy) and takes passwords only as psql variables, so no password is ever written into
// a ConfigMap or a command line.
import { DatabaseSettings } from "../../config/types";
import { ROLES } from "./patroniConfig";

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

export function databasesSql(databases: readonly DatabaseSettings[]): string {
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
    return lines.join("\n") + "\n";
}

/** The psql command line that runs the SQL, passing each password from the environment. */
export function databasesCommand(databases: readonly DatabaseSettings[], sqlFile: string): string {
    const roles = [ROLES.exporter, ...new Set(databases.map((d) => d.owner))];
    const vars = roles.map((r) => `-v ${passwordVariable(r)}="$${passwordEnv(r)}"`).join(" ");
    return `until pg_isready -t 5; do echo waiting for the primary; sleep 2; done; psql -X ${vars} -f ${sqlFile}`;
}

/** The environment variable a role's password arrives in, e.g. PASSWORD_NESSIE. */
export function passwordEnv(role: string): string {
    return `PASSWORD_${role.toUpperCase()}`;
}
