// Change data capture with real processes, as staging runs it with a Debezium PostgreSQL connector
// declared: three Patroni members on the Kubernetes DCS of a local control plane with the planned
// patroni.yml (logical decoding, the connector's slot among the permanent slots), the databases
// Job's SQL (the capture role, the publication, the heartbeat table), one Kafka node with the client
// TLS listener, and a Kafka Connect worker started by the image's connect-start with the planned
// worker properties, the Debezium plugin and the JMX exporter agent of the image's Dockerfile, the
// connector applied by the connectors Job's script. The leader is then killed under writes: the
// connector resumes from the permanent slot on the new primary; a second connector on a slot Patroni
// does not keep shows what happens without it. See e2e/cdc/README.md.
//
// npx mocha --no-config -r ts-node/register/transpile-only -r test/support/tempdirs.ts --timeout 1200000 e2e/cdc.spec.ts
import * as assert from "assert";
import { execFile, execFileSync, spawn, spawnSync } from "child_process";
import { promisify } from "util";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { CONNECT_METRIC_SOURCES } from "../components/connect/monitoring";
import { CONNECT_PATHS, CONNECT_PORTS } from "../components/connect/workerProperties";
import { credentialsFile } from "../components/connect/connectorConfig";
import { KafkaSettings } from "../config/types";
import { resolveConfig } from "../config";
import { freePort, postgresBinDir } from "../test/support/realTools";
import { PROJECT_DIR, rawConfigOf } from "../test/support/stacks";
import { tempDir } from "../test/support/tempdirs";
import { ConnectWorker, ImageArtifacts, imageArtifacts } from "./cdc/localConnect";
import { CONNECTOR, PlannedCapture, STACK, plannedCapture } from "./cdc/planned";
import { PrimaryService } from "./cdc/primaryService";
import { KafkaClient } from "./kafka/client";
import { LocalCluster as KafkaCluster, fetchJars } from "./kafka/localCluster";
import { ClusterMember, LOOPBACK, LocalCluster, PatroniMember, startLocalCluster } from "./patroni/members";
import { sleep, until } from "./patroni/processes";
import { Writer } from "./patroni/writes";
import { runDcsSync } from "./patroni/dcsSync";
import { ControlPlane, startControlPlane } from "./support/controlPlane";
import { Figures, seconds } from "./support/figures";

const APPLY = path.join(PROJECT_DIR, "images", "connect", "bin", "connect-apply-connectors");
const TOPIC = `${`cdc.${CONNECTOR.database}`}.${CONNECTOR.table}`;
/** The negative control: the same capture on a slot Patroni leaves alone (ignore_slots), as a connector makes it itself. */
const UNKEPT = { name: "orders-unkept", slot: "debezium_unkept", topicPrefix: "cdc.unkept" } as const;
const UNKEPT_TOPIC = `${UNKEPT.topicPrefix}.${CONNECTOR.table}`;
const figures = new Figures("Change data capture e2e", "cdc e2e: ");
const report = figures.report;

/** A command run to its end without blocking this process (whose event loop runs the primary Service's proxy). */
function runAsync(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}

/** The settings that differ between the plan and this check, key by key ("key: planned -> local"). */
function differences(planned: Record<string, string>, local: Record<string, string>): string[] {
    return [...new Set([...Object.keys(planned), ...Object.keys(local)])].filter((k) => planned[k] !== local[k]).sort();
}

function parseProperties(text: string): Record<string, string> {
    return Object.fromEntries(text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

const propertiesText = (p: Record<string, string>) => Object.entries(p).map(([k, v]) => `${k}=${v}`).join("\n") + "\n";

/** A change event as the JSON converter writes it: its operation and the row's id (after, or before for a delete; null for a tombstone). */
interface ChangeEvent {
    readonly op: string;
    readonly id: number;
    readonly offset: number;
}

function changeEvents(lines: readonly string[]): ChangeEvent[] {
    return lines
        .filter((l) => l.startsWith("rec "))
        .map((l) => {
            const [, , offset, ...rest] = l.split(" ");
            const value = JSON.parse(rest.join(" "));
            if (value === null) return undefined; // a delete's tombstone
            const p = value.payload;
            return { op: p.op, id: Number((p.after ?? p.before).id), offset: Number(offset) };
        })
        .filter((e): e is ChangeEvent => e !== undefined);
}

describe(`Change data capture with the ${STACK} settings: Debezium on Kafka Connect, from 3 Patroni members, through a failover`, () => {
    let planned: PlannedCapture;
    let artifacts: ImageArtifacts;
    let controlPlane: ControlPlane | undefined;
    let cluster: LocalCluster | undefined;
    let kafka: KafkaCluster | undefined;
    let client: KafkaClient;
    let service: PrimaryService | undefined;
    let worker: ConnectWorker | undefined;
    let writer: Writer | undefined;
    let localWorker: Record<string, string>;
    let localConnector: Record<string, string>;
    const passwords: Record<string, string> = {};
    const secrets = tempDir("connect-secrets");
    let started = Date.now();

    const leaderOf = (view: ClusterMember[] | undefined) => view?.find((m) => m.role === "leader" && m.state === "running");
    const pods = () => controlPlane!.get(["-n", planned.postgres.namespace, "pods"]).items as any[];
    const roleLabel = () => planned.postgres.config.kubernetes.role_label ?? "role";
    const leaderValue = () => planned.postgres.config.kubernetes.leader_label_value ?? "primary";
    const psql = (member: PatroniMember, sql: string, database: string = CONNECTOR.database) =>
        execFileSync(path.join(postgresBinDir(), "psql"), ["-XAtq", "-v", "ON_ERROR_STOP=1", "-h", LOOPBACK, "-p", String(member.place.postgresPort), "-U", cluster!.superuser.user, "-d", database], {
            input: sql,
            encoding: "utf8",
            env: { ...process.env, PGPASSWORD: cluster!.superuser.password, PGCONNECT_TIMEOUT: "3" },
            stdio: ["pipe", "pipe", "pipe"],
            timeout: 30_000,
        }).trim();
    const leader = async () => cluster!.member(leaderOf(await cluster!.view())!.name);
    const readTopic = async (topic: string) => changeEvents(await client.run(["read-all", topic], 120));

    /** The databases Job's SQL (databases.sql of the plan) run as the Job runs it: psql as the superuser, each role's password a psql variable. */
    const runDatabasesSql = (member: PatroniMember) => {
        const file = path.join(tempDir("databases-sql"), "databases.sql");
        fs.writeFileSync(file, planned.databasesSql);
        const variables = [...new Set([...planned.databasesSql.matchAll(/:'(pw_\w+)'/g)].map((m) => m[1]))];
        for (const v of variables) passwords[v] ??= randomBytes(12).toString("hex");
        const run = spawnSync(path.join(postgresBinDir(), "psql"), ["-X", ...variables.flatMap((v) => ["-v", `${v}=${passwords[v]}`]), "-h", LOOPBACK, "-p", String(member.place.postgresPort), "-U", cluster!.superuser.user, "-d", "postgres", "-f", file], {
            encoding: "utf8",
            env: { ...process.env, PGPASSWORD: cluster!.superuser.password },
        });
        if (run.status !== 0) throw new Error(`databases.sql failed:\n${run.stderr}`);
        return run.stdout + run.stderr;
    };

    before(async () => {
        // From here: mocha loads every tier's spec before it runs the first.
        started = Date.now();
        let t0 = Date.now();
        planned = plannedCapture();
        report(`planned ${STACK} with connector ${CONNECTOR.name} in ${seconds(Date.now() - t0)}`);
        t0 = Date.now();
        const jarsMs = fetchJars();
        artifacts = await imageArtifacts();
        report(`Kafka and Connect jars (e2e/kafka/fetch-jars) ${seconds(jarsMs)}; the image's Debezium plugin and JMX agent, fetched and checksum-verified: ${seconds(artifacts.ms)}`);

        controlPlane = startControlPlane();
        const pg = planned.postgres;
        controlPlane.kubectl(["apply", "-f", "-"], pg.objects.map((o) => yaml.dump(o)).join("---\n"));
        controlPlane.kubectl(["-n", pg.namespace, "rollout", "status", `statefulset/${pg.statefulSet.metadata.name}`, "--timeout=120s"]);
        cluster = await startLocalCluster({
            deployedConfig: pg.config,
            deployedEnv: pg.env,
            namespace: pg.namespace,
            podNames: pods().map((p) => p.metadata.name as string).sort(),
            kubeconfig: controlPlane.serviceAccountKubeconfig(pg.namespace, pg.statefulSet.spec.template.spec.serviceAccountName),
        });
        // The kafka node as staging's brokers, but one of them (an allowed difference: two cores).
        const staging = resolveConfig(rawConfigOf(STACK)).kafka;
        const single: KafkaSettings = { ...staging, brokers: 1, replicationFactor: 1, minInsyncReplicas: 1, topics: [] };
        kafka = await KafkaCluster.start(single);
        client = KafkaClient.create(kafka.clientProperties());
        // The primary Service: the pod labelled role=primary whose member is alive (a dead one fails its readiness probe).
        const kubectl = path.join(execFileSync(path.join(PROJECT_DIR, "scripts", "toolchain"), ["bin"], { encoding: "utf8" }).trim(), "kubectl");
        const selector = `${roleLabel()}=${leaderValue()}`;
        service = await PrimaryService.start(async () => {
            const { stdout } = await promisify(execFile)(kubectl, [`--kubeconfig=${controlPlane!.kubeconfig}`, "-n", pg.namespace, "get", "pods", "-l", selector, "-o", "jsonpath={.items[*].metadata.name}"], { timeout: 10_000 });
            return stdout.split(/\s+/).filter(Boolean).map((name) => cluster!.member(name)).find((m) => m.running)?.place.postgresPort;
        });
    });

    after(async () => {
        try {
            await writer?.stop();
            await worker?.stop();
            await service?.stop();
            client?.killAll();
            await kafka?.stopAll();
            await cluster?.stop();
        } finally {
            controlPlane?.stop();
            report(`whole run ${seconds(Date.now() - started)}`);
            figures.print();
        }
    });

    it("forms the cluster with logical decoding and creates the capture role, the publication and the heartbeat table with the databases Job's SQL", async () => {
        const t0 = Date.now();
        const view = await until("a leader and two streaming replicas", 180_000, async () => {
            const v = await cluster!.view();
            return v?.length === 3 && leaderOf(v) && v.filter((m) => m.state === "streaming").length === 2 ? v : undefined;
        }, 1000);
        report(`cluster formed in ${seconds(Date.now() - t0)}: ${view.map((m) => `${m.name} ${m.role}`).join(", ")}`);
        const primary = await leader();
        assert.strictEqual(psql(primary, "SHOW wal_level", "postgres"), "logical");
        // First run: the database exists, the application's table not yet (it creates it itself).
        assert.match(runDatabasesSql(primary), new RegExp(`table ${CONNECTOR.table.replace(".", "\\.")} does not exist yet`));
        psql(primary, `SET ROLE webapp; CREATE TABLE ${CONNECTOR.table} (id bigint PRIMARY KEY, note text)`);
        // The Job's next run (its SQL changes whenever the captures do) publishes it.
        runDatabasesSql(primary);
        assert.strictEqual(psql(primary, `SELECT string_agg(schemaname || '.' || tablename, ',' ORDER BY tablename) FROM pg_publication_tables WHERE pubname = '${planned.connector["publication.name"]}'`), `debezium.heartbeat,${CONNECTOR.table}`);
    });

    it("keeps the connector's slot on every member as a Patroni permanent slot, before the connector ever runs", async () => {
        const slot = planned.connector["slot.name"];
        const restarted = new Set<string>();
        const slotOn = (m: PatroniMember) => {
            try {
                return psql(m, `SELECT count(*) FROM pg_replication_slots WHERE slot_name = '${slot}' AND slot_type = 'logical'`, "postgres") === "1";
            } catch {
                // Patroni restarts a replica's PostgreSQL to copy the slot in.
                restarted.add(m.name);
                return false;
            }
        };
        const t0 = Date.now();
        await until(`slot ${slot} on every member`, 180_000, () => (cluster!.members.every(slotOn) ? true : undefined), 2000);
        report(`permanent slot ${slot} on all 3 members ${seconds(Date.now() - t0)} after the database existed (members restarted to copy it: ${[...restarted].join(", ") || "none"})`);
        // What logical slot failover needs of the replicas, and Patroni sets by itself when permanent logical slots exist.
        const primary = await leader();
        const replicas = cluster!.members.filter((m) => m !== primary);
        assert.deepStrictEqual(replicas.map((m) => psql(m, "SHOW hot_standby_feedback", "postgres")), replicas.map(() => "on"));
    });

    it("runs the planned worker properties and connector configuration, changed only in addresses, ports, paths and the one broker's replication", async () => {
        const restPort = await freePort();
        const plannedWorker = parseProperties(planned.workerProperties);
        const tls = kafka!.clientProperties();
        localWorker = {
            ...plannedWorker,
            "bootstrap.servers": tls["bootstrap.servers"],
            listeners: `http://${LOOPBACK}:${restPort}`,
            "rest.advertised.port": String(restPort),
            "plugin.path": artifacts.pluginPath,
            ...Object.fromEntries(["", "producer.", "consumer.", "admin."].map((p) => [`${p}ssl.truststore.location`, tls["ssl.truststore.location"]])),
            ...Object.fromEntries(["config", "offset", "status"].map((t) => [`${t}.storage.replication.factor`, "1"])),
        };
        assert.deepStrictEqual(differences(plannedWorker, localWorker), [
            "admin.ssl.truststore.location", "bootstrap.servers", "config.storage.replication.factor", "consumer.ssl.truststore.location", "listeners",
            "offset.storage.replication.factor", "plugin.path", "producer.ssl.truststore.location", "rest.advertised.port", "ssl.truststore.location", "status.storage.replication.factor",
        ]);
        assert.strictEqual(plannedWorker["security.protocol"], "SSL", "staging's worker speaks TLS to the brokers, and so does this one");
        assert.strictEqual(plannedWorker["rest.advertised.host.name"], "@POD_IP@");
        fs.writeFileSync(path.join(secrets, `${CONNECTOR.name}.properties`), `password=${passwords.pw_debezium}\n`, { mode: 0o600 });
        localConnector = {
            ...planned.connector,
            "database.hostname": LOOPBACK,
            "database.port": String(service!.port),
            "database.password": `\${file:${credentialsFile(CONNECTOR.name, secrets)}:password}`,
            "topic.creation.default.replication.factor": "1",
            "topic.creation.default.min.insync.replicas": "1",
        };
        assert.deepStrictEqual(differences(planned.connector, localConnector), ["database.hostname", "database.password", "database.port", "topic.creation.default.min.insync.replicas", "topic.creation.default.replication.factor"]);
        assert.strictEqual(planned.connector["database.password"], `\${file:${credentialsFile(CONNECTOR.name, CONNECT_PATHS.secrets)}:password}`, "the plan names the password's file, never the password");
        assert.strictEqual(restPort === CONNECT_PORTS.rest, false);

        const t0 = Date.now();
        worker = new ConnectWorker(propertiesText(localWorker), { restPort, metricsPort: await freePort() }, artifacts);
        worker.start();
        await worker.ready();
        report(`worker ready (/health) after ${seconds(Date.now() - t0)}`);
        assert.match(worker.runtimeProperties(), new RegExp(`^rest\\.advertised\\.host\\.name=${LOOPBACK.replace(/\./g, "\\.")}$`, "m"), "connect-start filled in the pod IP");
    });

    it("applies the connector with the connectors Job's script: created, then running; a second run leaves it alone", async () => {
        const dir = tempDir("connectors");
        fs.writeFileSync(path.join(dir, `${CONNECTOR.name}.json`), JSON.stringify(localConnector, null, 2));
        // Asynchronous: the primary Service is a proxy in this process, which a synchronous child would stall.
        const apply = () => runAsync("bash", [APPLY, dir], { ...process.env, CONNECT_URL: worker!.restUrl, APPLY_TIMEOUT: "180" });
        const t0 = Date.now();
        const first = await apply();
        assert.strictEqual(first.status, 0, `${first.stdout}${first.stderr}\n${worker!.tail()}`);
        assert.match(first.stdout, new RegExp(`^created ${CONNECTOR.name}$`, "m"));
        assert.match(first.stdout, new RegExp(`^running ${CONNECTOR.name} \\(1 task\\(s\\)\\)$`, "m"));
        report(`connector ${CONNECTOR.name} created and running in ${seconds(Date.now() - t0)}`);
        const second = await apply();
        assert.strictEqual(second.status, 0, second.stderr);
        assert.match(second.stdout, new RegExp(`^unchanged ${CONNECTOR.name}$`, "m"));
        const stored = (await worker!.rest("GET", `/connectors/${CONNECTOR.name}/config`)).body;
        assert.strictEqual(stored["database.password"], localConnector["database.password"], "Connect keeps the reference, not the password");
        assert.doesNotMatch(JSON.stringify((await worker!.rest("GET", `/connectors/${CONNECTOR.name}/tasks`)).body), new RegExp(passwords.pw_debezium));
    });

    it("delivers inserts, updates and deletes in commit order", async () => {
        const primary = await leader();
        await until("Debezium streaming", 60_000, () => (worker!.grep(/Processing messages|Searching for WAL resume position|streaming/i).length > 0 ? true : undefined), 500);
        const t0 = Date.now();
        psql(primary, [
            `INSERT INTO ${CONNECTOR.table} (id, note) VALUES (1000001, 'a'), (1000002, 'b');`,
            `UPDATE ${CONNECTOR.table} SET note = 'b2' WHERE id = 1000002;`,
            `DELETE FROM ${CONNECTOR.table} WHERE id = 1000001;`,
            `BEGIN; INSERT INTO ${CONNECTOR.table} (id, note) VALUES (1000003, 'c'); UPDATE ${CONNECTOR.table} SET note = 'c2' WHERE id = 1000003; COMMIT;`,
        ].join("\n"));
        const expected = ["c 1000001", "c 1000002", "u 1000002", "d 1000001", "c 1000003", "u 1000003"];
        let events: ChangeEvent[] = [];
        await until(`the ${expected.length} change events on ${TOPIC}`, 120_000, async () => {
            events = await readTopic(TOPIC).catch(() => []);
            return events.length >= expected.length ? true : undefined;
        }, 2000);
        assert.deepStrictEqual(events.map((e) => `${e.op} ${e.id}`), expected);
        report(`${events.length} change events on ${TOPIC} in commit order after ${seconds(Date.now() - t0)}: ${events.map((e) => `${e.op}:${e.id}`).join(" ")}`);
    });

    it("advances a quiet capture's slot with the heartbeat while other databases write", async () => {
        const primary = await leader();
        const slot = planned.connector["slot.name"];
        psql(primary, "CREATE TABLE IF NOT EXISTS e2e_churn (id serial PRIMARY KEY, pad text); INSERT INTO e2e_churn (pad) SELECT repeat('x', 1000) FROM generate_series(1, 20000);", "postgres");
        const target = psql(primary, "SELECT pg_current_wal_lsn()", "postgres");
        const t0 = Date.now();
        await until(`slot ${slot} confirmed past ${target}`, 90_000, () => (psql(primary, `SELECT confirmed_flush_lsn >= '${target}' FROM pg_replication_slots WHERE slot_name = '${slot}'`, "postgres") === "t" ? true : undefined), 2000);
        report(`quiet capture: slot ${slot} confirmed past the ~20 MB another database wrote after ${seconds(Date.now() - t0)} (heartbeat.action.query every ${planned.connector["heartbeat.interval.ms"]} ms)`);
    });

    it("serves every metric the alerts and the dashboard read on the JMX exporter, with the image's rules", async () => {
        const names = new Set((await worker!.metrics()).map((s) => s.name));
        const missing = CONNECT_METRIC_SOURCES.connect.metrics.map((m) => m.name).filter((n) => !names.has(n));
        assert.deepStrictEqual(missing, [], `not exported: ${missing.join(", ")}`);
        const status = (await worker!.metrics()).find((s) => s.name === "kafka_connect_connector_status" && s.labels.includes(`connector="${CONNECTOR.name}"`));
        assert.match(status?.labels ?? "", /status="running"/);
        report(`metrics: ${names.size} series names; all ${CONNECT_METRIC_SOURCES.connect.metrics.length} of the catalogue exported`);
    });

    it("resumes from the permanent slot on the new primary after the leader is killed under writes: no committed row lost; a slot Patroni does not keep loses rows", async () => {
        const c = cluster!;
        const primary = await leader();
        // The negative control: Patroni told to leave its slot alone (ignore_slots) instead of keeping it, and a connector that creates it itself.
        const sync = await runDcsSync({ ...planned.postgres.dynamic, ignore_slots: [{ name: UNKEPT.slot, type: "logical" }] }, primary.restUrl, c.restapi);
        assert.strictEqual(sync.status, 0, sync.output);
        const unkept = { ...localConnector, "slot.name": UNKEPT.slot, "topic.prefix": UNKEPT.topicPrefix, "snapshot.mode": "no_data" };
        assert.strictEqual((await worker!.rest("PUT", `/connectors/${UNKEPT.name}/config`, unkept)).status, 201);
        await until(`${UNKEPT.name} running`, 120_000, async () => ((await worker!.states(UNKEPT.name)) === "RUNNING RUNNING" ? true : undefined), 1000);
        await until(`slot ${UNKEPT.slot} created and active`, 60_000, () => (psql(primary, `SELECT active FROM pg_replication_slots WHERE slot_name = '${UNKEPT.slot}'`, "postgres") === "t" ? true : undefined), 1000);

        writer = new Writer(CONNECTOR.table.split(".")[1], c.members.map((m) => m.place.postgresPort), c.superuser, 300, CONNECTOR.database);
        await writer.waitForAcks(150, 0, 60_000);
        // Both slots have confirmed what they sent (one offset flush), and the replicas' copy of the kept slot followed.
        await sleep(12_000);
        const killedAt = Date.now();
        await primary.killHard();
        const promoted = await until("a new leader", 120_000, async () => {
            const l = leaderOf(await c.view());
            return l && l.name !== primary.name ? l.name : undefined;
        }, 500);
        const next = c.member(promoted);
        await until(`${promoted} out of recovery`, 60_000, () => {
            try {
                return psql(next, "SELECT pg_is_in_recovery()", "postgres") === "f" ? true : undefined;
            } catch {
                return undefined;
            }
        }, 250);
        const promotedAt = Date.now();
        report(`killed leader ${primary.name}; ${promoted} leads after ${seconds(promotedAt - killedAt)}; the Service follows it (target changes: ${service!.changes.length})`);
        // Writes go on; the connectors reconnect through the Service (Debezium retries), or the check restarts a failed task.
        const restarts: string[] = [];
        const lastRestart = new Map<string, number>();
        const deadline = Date.now() + 60_000;
        const reconnected = new Map<string, number>();
        while (Date.now() < deadline && reconnected.size < 2) {
            for (const name of [CONNECTOR.name, UNKEPT.name]) {
                if (reconnected.has(name)) continue;
                const states = await worker!.states(name).catch(() => "");
                // A failed task is restarted, as an operator would (ConnectTaskFailed's runbook), at most every 10 s.
                if (/FAILED/.test(states) && Date.now() - (lastRestart.get(name) ?? 0) > 10_000) {
                    restarts.push(name);
                    lastRestart.set(name, Date.now());
                    await worker!.rest("POST", `/connectors/${name}/restart?includeTasks=true&onlyFailed=true`);
                }
                const slot = name === CONNECTOR.name ? planned.connector["slot.name"] : UNKEPT.slot;
                const active = (() => {
                    try {
                        return psql(next, `SELECT active FROM pg_replication_slots WHERE slot_name = '${slot}'`, "postgres") === "t";
                    } catch {
                        return false;
                    }
                })();
                if (active) reconnected.set(name, Date.now());
            }
            await sleep(1000);
        }
        await writer.waitForAcks(100, Math.max(...reconnected.values(), promotedAt), 60_000).catch(() => undefined);
        await writer.stop();
        const acked = [...new Set(writer.acked().map((e) => e.id!))];
        const afterPromotion = writer.acked(promotedAt).map((e) => e.id!);
        const committed = new Set(psql(next, `SELECT id FROM ${CONNECTOR.table} WHERE id < 1000000`).split("\n").filter(Boolean).map(Number));
        report(`writes: ${acked.length} acknowledged (${afterPromotion.length} after the promotion), ${committed.size} rows in the table; reconnected: ${[...reconnected].map(([n, at]) => `${n} ${seconds(at - promotedAt)} after the promotion`).join(", ") || "none"}; tasks restarted by the check: ${[CONNECTOR.name, UNKEPT.name].map((n) => `${n} ${restarts.filter((r) => r === n).length}×`).join(", ")}`);

        const received = async (topic: string) => (await readTopic(topic).catch(() => [])).filter((e) => e.op === "c" && e.id < 1_000_000).map((e) => e.id);
        let kept: number[] = [];
        await until(`every acknowledged row on ${TOPIC}`, 180_000, async () => {
            kept = await received(TOPIC);
            const have = new Set(kept);
            return acked.every((id) => have.has(id)) ? true : undefined;
        }, 3000).catch(() => undefined);
        const keptSet = new Set(kept);
        const lost = acked.filter((id) => !keptSet.has(id));
        const duplicates = kept.length - keptSet.size;
        report(`permanent slot: ${acked.length} rows committed, ${kept.length} events received, lost ${lost.length}, duplicates ${duplicates} (at-least-once)`);

        const control = await received(UNKEPT_TOPIC);
        const controlSet = new Set(control);
        const controlLost = acked.filter((id) => !controlSet.has(id));
        const controlState = await worker!.states(UNKEPT.name).catch(() => "?");
        const controlErrors = worker!.grep(new RegExp(`${UNKEPT.name}.*(ERROR|Creating replication slot|no longer available)|Creating replication slot with name ${UNKEPT.slot}`)).slice(-3);
        report(`negative control (slot ${UNKEPT.slot} not permanent, snapshot.mode no_data): ${control.length} events received, lost ${controlLost.length} of ${acked.length} (ids ${controlLost.slice(0, 3).join(", ")}${controlLost.length > 3 ? ", …" : ""}); state ${controlState}`);
        for (const line of controlErrors) report(`negative control log: ${line.slice(0, 240)}`);

        assert.deepStrictEqual(lost, [], "committed rows missing from the topic of the connector on the permanent slot");
        assert.ok(controlLost.length > 0, "the negative control lost nothing: the check did not exercise the failover");
    });
});
