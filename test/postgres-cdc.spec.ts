// PostgreSQL's side of change data capture and the DCS sync: the dynamic configuration per stack,
// the captures other services ask for (refused naming the key when the cluster cannot serve them),
// the capture role and publications created by the databases SQL on a real PostgreSQL, and the merge
// patch the DCS sync script computes, run with the real Python interpreter.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { databasesCommand, databasesSql, passwordEnv } from "../components/postgres/databasesSql";
import { ChangeCapture, dynamicConfiguration, heartbeatQuery } from "../components/postgres/dynamicConfig";
import { renderPatroniConfig } from "../components/postgres/patroniConfig";
import { CAPTURE_ROLE } from "../components/postgres/roles";
import { capturesOf, changeCaptureNeed } from "../components/postgres/service";
import { resolveConfig } from "../config";
import { ConfigError } from "../config/errors";
import { PostgresServer, imagePath, startPostgres } from "./support/realTools";
import { PROJECT_DIR, rawConfigOf } from "./support/stacks";
import { tempDir } from "./support/tempdirs";

const DCS_SYNC = path.join(PROJECT_DIR, "images", "patroni", "bin", "patroni-dcs-sync");

const orders: ChangeCapture = { requester: "connect.connectors.orders", database: "webapp", slot: "debezium_orders", publication: "debezium_orders", tables: ["public.orders", "public.order_lines"] };

const parameters = (dcs: any) => dcs.postgresql.parameters;

describe("PostgreSQL change data capture", () => {
    describe("the dynamic configuration of each stack", () => {
        it("dev keeps physical replication only (wal_level replica)", () => {
            const dcs = dynamicConfiguration(resolveConfig(rawConfigOf("dev")).postgres) as any;
            assert.strictEqual(parameters(dcs).wal_level, "replica");
            assert.strictEqual(parameters(dcs).max_slot_wal_keep_size, undefined);
            assert.deepStrictEqual(dcs.permanent_slots, {});
        });

        for (const stack of ["staging", "prod"]) {
            it(`${stack} decodes logically, with its slots, senders and the WAL a stalled slot may hold`, () => {
                const postgres = resolveConfig(rawConfigOf(stack)).postgres;
                const p = parameters(dynamicConfiguration(postgres));
                assert.deepStrictEqual(
                    { wal_level: p.wal_level, max_replication_slots: p.max_replication_slots, max_wal_senders: p.max_wal_senders, max_slot_wal_keep_size: p.max_slot_wal_keep_size },
                    { wal_level: "logical", max_replication_slots: postgres.cdc.maxReplicationSlots, max_wal_senders: postgres.cdc.maxWalSenders, max_slot_wal_keep_size: `${postgres.cdc.maxSlotWalKeepGb}GB` },
                );
            });
        }

        it("keeps a capture's slot as a Patroni permanent logical slot (pgoutput), in the DCS and in bootstrap.dcs alike", () => {
            const postgres = resolveConfig(rawConfigOf("prod")).postgres;
            const expected = { debezium_orders: { type: "logical", database: "webapp", plugin: "pgoutput" } };
            assert.deepStrictEqual((dynamicConfiguration(postgres, [orders]) as any).permanent_slots, expected);
            const bootstrap = renderPatroniConfig({ scope: "postgres", podLabels: {}, settings: postgres, captures: [orders] }).bootstrap as any;
            assert.deepStrictEqual(bootstrap.dcs, dynamicConfiguration(postgres, [orders]));
        });

        it("refuses a slot when logical decoding is off", () => {
            assert.throws(() => dynamicConfiguration(resolveConfig(rawConfigOf("dev")).postgres, [orders]), /debezium_orders.*postgres\.cdc\.enabled/);
        });
    });

    describe("captures asked for by other services", () => {
        const prod = resolveConfig(rawConfigOf("prod")).postgres;
        const problemsOf = (settings: typeof prod, captures: ChangeCapture[]) => {
            try {
                capturesOf(settings, prod.databases, captures.map(changeCaptureNeed));
            } catch (e) {
                assert.ok(e instanceof ConfigError, String(e));
                return e.problems;
            }
            return [];
        };

        it("passes a capture's database, slot, publication and tables through unchanged", () => {
            assert.deepStrictEqual(capturesOf(prod, prod.databases, [changeCaptureNeed(orders)]), [orders]);
        });

        it("refuses CDC without logical decoding, naming postgres.cdc.enabled", () => {
            const off = { ...prod, cdc: { ...prod.cdc, enabled: false } };
            assert.deepStrictEqual(problemsOf(off, [orders]), [
                "data-platform:postgres.cdc.enabled: got false; allowed: true, since connect.connectors.orders captures changes (logical decoding needs wal_level logical)",
            ]);
        });

        it("refuses a capture of an unknown database, naming the connector's key", () => {
            assert.deepStrictEqual(problemsOf(prod, [{ ...orders, database: "billing" }]), [`data-platform:connect.connectors.orders.database: got "billing"; allowed: one of postgres' databases (webapp)`]);
        });

        it("refuses two connectors on one slot", () => {
            const twin = { ...orders, requester: "connect.connectors.orders-copy", publication: "other" };
            assert.deepStrictEqual(problemsOf(prod, [orders, twin]), [
                `data-platform:connect.connectors.orders-copy.slot: got "debezium_orders"; allowed: a slot no other connector uses (connect.connectors.orders uses it: two connectors on one slot each miss the changes the other confirms)`,
            ]);
        });

        it("refuses more slots than max_replication_slots leaves after the members' own", () => {
            const tight = { ...prod, cdc: { ...prod.cdc, maxReplicationSlots: 3 } };
            assert.deepStrictEqual(problemsOf(tight, [orders]), ["data-platform:postgres.cdc.maxReplicationSlots: got 3; allowed: at least 4 (3 members' slots and 1 connectors' slots)"]);
        });
    });

    describe("the capture role and publication on a real PostgreSQL", () => {
        let pg: PostgresServer;
        const databases = [{ name: "webapp", owner: "webapp" }];
        const passwords = { [passwordEnv("postgres_exporter")]: "pw-exporter", [passwordEnv("webapp")]: "pw-webapp", [passwordEnv(CAPTURE_ROLE)]: "pw-capture" };
        const runSql = () => {
            const sqlFile = path.join(tempDir("sql"), "databases.sql");
            fs.writeFileSync(sqlFile, databasesSql(databases, [orders]));
            return execFileSync("bash", ["-ceu", databasesCommand(databases, sqlFile, [orders])], { env: { ...process.env, ...pg.env, ...passwords, PATH: imagePath() }, encoding: "utf8", stdio: "pipe" });
        };
        const publicationTables = () => pg.psql("select coalesce(string_agg(schemaname || '.' || tablename, ',' order by tablename), '') from pg_publication_tables where pubname = 'debezium_orders'", "webapp");

        before(async () => {
            pg = await startPostgres();
        });
        after(() => pg?.stop());

        it("creates the publication over the tables that exist, names the missing ones, and adds them on the next run", () => {
            runSql(); // the webapp database and its owner, before the application created any table
            pg.psql("create table orders (id int primary key, total numeric); create table customers (id int primary key, email text);", "webapp", { PGUSER: "webapp", PGPASSWORD: "pw-webapp" });
            const out = runSql();
            assert.match(out, /capture connect\.connectors\.orders: table public\.order_lines does not exist yet/);
            assert.strictEqual(publicationTables(), "debezium.heartbeat,public.orders");
            const publication = () => pg.psql("select oid from pg_publication where pubname = 'debezium_orders'", "webapp");
            const before = publication();
            pg.psql("create table order_lines (order_id int, line int, primary key (order_id, line));", "webapp", { PGUSER: "webapp", PGPASSWORD: "pw-webapp" });
            assert.doesNotMatch(runSql(), /does not exist yet/);
            assert.strictEqual(publicationTables(), "debezium.heartbeat,public.order_lines,public.orders");
            assert.strictEqual(publication(), before, "altered in place, never dropped and created again (its slot would fail on the gap)");
        });

        it("publishes the heartbeat table from the first run, before any captured table exists", () => {
            pg.psql("create database fresh");
            const sqlFile = path.join(tempDir("sql"), "databases.sql");
            const fresh = [{ name: "fresh", owner: "webapp" }];
            const capture = { ...orders, database: "fresh", slot: "debezium_fresh", publication: "debezium_fresh", requester: "connect.connectors.fresh" };
            fs.writeFileSync(sqlFile, databasesSql(fresh, [capture]));
            execFileSync("bash", ["-ceu", databasesCommand(fresh, sqlFile, [capture])], { env: { ...process.env, ...pg.env, ...passwords, PATH: imagePath() }, encoding: "utf8", stdio: "pipe" });
            assert.strictEqual(pg.psql("select string_agg(schemaname || '.' || tablename, ',') from pg_publication_tables where pubname = 'debezium_fresh'", "fresh"), "debezium.heartbeat");
        });

        it("lets the capture role replicate and read the captured tables, and nothing else", () => {
            const asCapture = { PGUSER: CAPTURE_ROLE, PGPASSWORD: "pw-capture" };
            assert.strictEqual(pg.psql(`select rolreplication from pg_roles where rolname = '${CAPTURE_ROLE}'`), "t");
            assert.strictEqual(pg.psql("select count(*) from orders", "webapp", asCapture), "0");
            assert.throws(() => pg.psql("select count(*) from customers", "webapp", asCapture), /permission denied for table customers/);
            assert.throws(() => pg.psql("insert into orders values (1, 1)", "webapp", asCapture), /permission denied for table orders/);
        });

        it("lets the capture role run its connector's heartbeat statement, again and again", () => {
            const asCapture = { PGUSER: CAPTURE_ROLE, PGPASSWORD: "pw-capture" };
            pg.psql(heartbeatQuery(orders.slot), "webapp", asCapture);
            pg.psql(heartbeatQuery(orders.slot), "webapp", asCapture);
            assert.strictEqual(pg.psql("select slot from debezium.heartbeat", "webapp"), orders.slot);
        });
    });

    describe("patroni-dcs-sync's merge patch (the image's script, run with python3)", () => {
        const diff = (current: unknown, desired: unknown) => {
            const dir = tempDir("dcs");
            fs.writeFileSync(path.join(dir, "current.json"), JSON.stringify(current));
            fs.writeFileSync(path.join(dir, "desired.json"), JSON.stringify(desired));
            return JSON.parse(execFileSync("python3", [DCS_SYNC, "--diff", path.join(dir, "current.json"), path.join(dir, "desired.json")], { encoding: "utf8" }));
        };
        const prod = resolveConfig(rawConfigOf("prod")).postgres;
        const before = dynamicConfiguration({ ...prod, cdc: { ...prod.cdc, enabled: false } });
        const after = dynamicConfiguration(prod, [orders]);

        it("is empty when the cluster already has the desired configuration", () => {
            assert.deepStrictEqual(diff(after, after), {});
        });

        it("turning CDC on changes exactly the replication parameters and adds the slot", () => {
            assert.deepStrictEqual(diff(before, after), {
                postgresql: { parameters: { wal_level: "logical", max_replication_slots: 16, max_wal_senders: 16, max_slot_wal_keep_size: "25GB" } },
                permanent_slots: { debezium_orders: { type: "logical", database: "webapp", plugin: "pgoutput" } },
            });
        });

        it("keeps parameters set by hand, but removes permanent slots the configuration no longer declares", () => {
            const current = { ...(after as any), postgresql: { ...(after as any).postgresql, parameters: { ...parameters(after), work_mem: "64MB" } }, permanent_slots: { ...(after as any).permanent_slots, abandoned: { type: "logical", database: "webapp", plugin: "pgoutput" } } };
            assert.deepStrictEqual(diff(current, after), { permanent_slots: { abandoned: null } });
        });
    });
});
