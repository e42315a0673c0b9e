// The backup and restore scripts of the Patroni image, run for real: PostgreSQL from Debian, an
// S3 server on loopback, and the exact environment our CronJobs give them (credentials as files,
// read by the same shell prelude the containers run).
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as path from "path";
import { backupEnvironment, restoreEnvironment } from "../components/postgres/backups";
import { databasesCommand, databasesSql, passwordEnv } from "../components/postgres/databasesSql";
import { BackupDestination } from "../components/postgres/backups";
import { LOAD_SECRET_FILES } from "../components/meta/secretFiles";
import { resolvePodEnv, resolvePodEnvWithSecretFiles } from "./support/podEnv";
import { PostgresServer, S3Server, imagePath, startPostgres, startS3 } from "./support/realTools";
import { PROJECT_DIR } from "./support/stacks";
import { tempDir } from "./support/tempdirs";

const BIN = path.join(PROJECT_DIR, "images", "patroni", "bin");

describe("PostgreSQL backups and databases on a real server", function () {
    this.timeout(180_000);
    let pg: PostgresServer;
    let s3: S3Server;
    let destination: BackupDestination;
    const backup = { retentionDays: { daily: 30, weekly: 90, monthly: 365 } };

    /** The environment a backup/restore pod gets, pointed at the test servers. */
    // Only what the pod would have: nothing leaks in from the test machine's environment.
    const podEnv = (vars: Parameters<typeof resolvePodEnv>[0], extra: Record<string, string> = {}) => ({
        ...resolvePodEnvWithSecretFiles(vars, {
            secrets: { "postgres-credentials/superuser-password": pg.superuserPassword, "s3-creds/AWS_ACCESS_KEY_ID": "test", "s3-creds/AWS_SECRET_ACCESS_KEY": "test" },
            fields: {},
        }),
        PGHOST: "127.0.0.1",
        PGPORT: String(pg.port),
        HOME: tempDir("home"),
        RCLONE_CONFIG: "/dev/null",
        PATH: imagePath(),
        ...extra,
    });
    /** As the container runs it: `bash -ceu "<prelude>\n<script> <args>"` (the prelude reads the secret files). */
    const run = (script: string, args: string[], env: NodeJS.ProcessEnv) => {
        const result = spawnSync("bash", ["-ceu", `${LOAD_SECRET_FILES}\n"$0" "$@"`, path.join(BIN, script), ...args], { env, encoding: "utf8" });
        assert.strictEqual(result.status, 0, `${script} ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
        return result.stdout;
    };
    /** The test's own rclone calls read the same files, as the prelude would. */
    const loaded = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
        ...env,
        ...Object.fromEntries(Object.entries(env).filter(([k]) => k.endsWith("_FILE")).map(([k, file]) => [k.slice(0, -"_FILE".length), require("fs").readFileSync(file!, "utf8")])),
    });
    const rclone = (args: string[], env: NodeJS.ProcessEnv) => execFileSync("rclone", args, { env: loaded(env), encoding: "utf8" });

    before(async () => {
        [pg, s3] = await Promise.all([startPostgres(), startS3()]);
        destination = { endpoint: s3.endpoint, bucket: "backups", prefix: "test/postgres", region: "us-east-1", credentialsSecret: "s3-creds" };
        // The bucket exists before any backup runs (the object store's bucket-init Job): the backup identity may not create it.
        rclone(["mkdir", "s3:backups"], { ...podEnv(backupEnvironment("daily", backup, destination, "127.0.0.1", "postgres-credentials")), RCLONE_CONFIG_S3_NO_CHECK_BUCKET: "false" });
    });
    after(() => {
        pg?.stop();
        s3?.stop();
    });

    const DATABASES = [
        { name: "nessie", owner: "nessie" },
        { name: "webapp", owner: "webapp" },
    ];
    const passwords: Record<string, string> = { [passwordEnv("postgres_exporter")]: "pw-exporter", [passwordEnv("nessie")]: "pw-nessie", [passwordEnv("webapp")]: "pw-webapp" };

    it("creates databases and owners idempotently, each owner able to log in to its own database only", () => {
        const sqlFile = path.join(tempDir("sql"), "databases.sql");
        require("fs").writeFileSync(sqlFile, databasesSql(DATABASES));
        for (let i = 0; i < 2; i++) {
            execFileSync("bash", ["-ceu", databasesCommand(DATABASES, sqlFile)], { env: { ...process.env, ...pg.env, ...passwords, PATH: imagePath() }, stdio: "pipe" });
        }
        assert.strictEqual(pg.psql("select string_agg(datname || ':' || pg_get_userbyid(datdba), ',' order by datname) from pg_database where datname in ('nessie','webapp')"), "nessie:nessie,webapp:webapp");
        assert.strictEqual(pg.psql("select current_user", "nessie", { PGUSER: "nessie", PGPASSWORD: "pw-nessie" }), "nessie");
        assert.throws(() => pg.psql("select 1", "webapp", { PGUSER: "nessie", PGPASSWORD: "pw-nessie" }), /permission denied for database "webapp"/);
        assert.strictEqual(pg.psql("select pg_has_role('postgres_exporter', 'pg_monitor', 'member')"), "t");
    });

    it("gives the backup pods their credentials as files only", () => {
        const env = podEnv(backupEnvironment("daily", backup, destination, "127.0.0.1", "postgres-credentials"));
        assert.deepStrictEqual(Object.keys(env).filter((k) => /PASSWORD|SECRET|KEY_ID/.test(k)).sort(), ["PGPASSWORD_FILE", "RCLONE_CONFIG_S3_ACCESS_KEY_ID_FILE", "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY_FILE"]);
    });

    it("backs up, and restores a dropped database and changed rows exactly", () => {
        pg.psql("create table lake(id int primary key, name text); insert into lake select g, 'row ' || g from generate_series(1, 500) g;", "nessie", { PGUSER: "nessie", PGPASSWORD: "pw-nessie" });
        pg.psql("create table users(id int primary key, email text); insert into users values (1, 'a@example.com'), (2, 'b@example.com');", "webapp", { PGUSER: "webapp", PGPASSWORD: "pw-webapp" });
        const before = { nessie: pg.psql("select md5(string_agg(id || name, ',' order by id)) from lake", "nessie"), webapp: pg.psql("select md5(string_agg(id || email, ',' order by id)) from users", "webapp") };

        const out = run("pg-backup", [], podEnv(backupEnvironment("daily", backup, destination, "127.0.0.1", "postgres-credentials")));
        assert.match(out, /wrote 2 database\(s\) to s3:backups\/test\/postgres\/daily\/\d{8}T\d{6}Z/);

        pg.psql("drop database nessie");
        pg.psql("delete from users where id = 2; insert into users values (3, 'c@example.com');", "webapp");
        run("pg-restore-backup", ["daily", "latest"], podEnv(restoreEnvironment(destination, "127.0.0.1", "postgres-credentials")));

        assert.strictEqual(pg.psql("select md5(string_agg(id || name, ',' order by id)) from lake", "nessie"), before.nessie);
        assert.strictEqual(pg.psql("select md5(string_agg(id || email, ',' order by id)) from users", "webapp"), before.webapp);
        assert.strictEqual(pg.psql("select pg_get_userbyid(datdba) from pg_database where datname = 'nessie'"), "nessie");
    });

    it("restores a single database from a named backup and refuses one that is not in it", () => {
        const env = podEnv(restoreEnvironment(destination, "127.0.0.1", "postgres-credentials"));
        const stamp = rclone(["lsf", "--dirs-only", "s3:backups/test/postgres/daily"], env).trim().split("\n")[0].replace("/", "");
        pg.psql("truncate lake", "nessie");
        run("pg-restore-backup", ["daily", stamp, "nessie"], env);
        assert.strictEqual(pg.psql("select count(*) from lake", "nessie"), "500");
        const missing = spawnSync("bash", ["-ceu", `${LOAD_SECRET_FILES}\n"$0" "$@"`, path.join(BIN, "pg-restore-backup"), "daily", stamp, "keycloak"], { env, encoding: "utf8" });
        assert.notStrictEqual(missing.status, 0);
        assert.match(missing.stderr, /keycloak is not in daily\//);
    });

    it("removes backups past the tier's retention but always keeps the newest", () => {
        const env = podEnv(backupEnvironment("weekly", backup, destination, "127.0.0.1", "postgres-credentials"));
        // A weekly backup from years ago, as an earlier run would have left it.
        execFileSync("rclone", ["rcat", "s3:backups/test/postgres/weekly/20200105T024500Z/MANIFEST"], { env: loaded(env), input: "stamp 20200105T024500Z\n" });
        const out = run("pg-backup", [], env);
        assert.match(out, /removed weekly\/20200105T024500Z \(older than 90 days\)/);
        const remaining = () => rclone(["lsf", "--dirs-only", "s3:backups/test/postgres/weekly"], env).trim().split("\n").filter(Boolean);
        assert.strictEqual(remaining().length, 1);
        // Even with a retention of 0 days the newest backup stays.
        run("pg-backup", [], { ...env, RETENTION_DAYS: "0" });
        assert.strictEqual(remaining().length, 1);
    });
});
