// Kafka Connect and Debezium: the config the stack may declare (refused naming the key), the worker
// properties and connector configurations (pure), the image's pins, the connectors Job's script run
// for real against a stand-in REST API, and what the plans deploy. A real worker with the Debezium
// plugin runs the same files in e2e/cdc.spec.ts.
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { AddressInfo } from "net";
import { connectorConfig, connectorFiles, credentialsFile } from "../components/connect/connectorConfig";
import { CONNECT_NAMES, CONNECTORS_JOB_LABELS } from "../components/connect/kafkaConnect";
import { connectorCapture } from "../components/connect/service";
import { CONNECT_PATHS, CONNECT_PORTS, internalTopics, renderWorkerProperties } from "../components/connect/workerProperties";
import { dockerfileDownloads } from "../components/images/dockerfileDownloads";
import { capturesOf, changeCaptureNeed } from "../components/postgres/service";
import { resolveConfig } from "../config";
import { DEBEZIUM_POSTGRES } from "../config/connect";
import { ConnectorSettings } from "../config/types";
import { evaluatePod } from "../policy/lib/podSecurityStandards";
import { NetworkModel } from "./support/networkReach";
import { objectsOf, plannedObjects, runPlan } from "./support/plan";
import { PROJECT_DIR, configProblems, rawConfigOf, scratchProject, withValues } from "./support/stacks";
import { tempDir } from "./support/tempdirs";

const rejected = (stack: string, changes: Record<string, unknown>): string => configProblems(() => resolveConfig(withValues(rawConfigOf(stack), changes))).join("\n");
const ORDERS = { class: DEBEZIUM_POSTGRES, database: "webapp", tables: ["public.orders", "public.order_lines"] };
/** prod with connectors declared. */
const prodWith = (connectors: Record<string, unknown>) => resolveConfig(withValues(rawConfigOf("prod"), { connect: { connectors } }));

describe("Kafka Connect and Debezium", function () {
    this.timeout(300_000);

    describe("config", () => {
        it("derives a capture's slot, publication and topic prefix from the connector's name and database", () => {
            const [c] = prodWith({ orders: ORDERS }).connect.connectors;
            assert.deepStrictEqual(c.capture, { database: "webapp", tables: ["public.orders", "public.order_lines"], slot: "debezium_orders", publication: "debezium_orders", topicPrefix: "cdc.webapp", snapshotMode: "initial" });
            assert.strictEqual(c.tasksMax, 1);
            assert.strictEqual(c.delete, false);
        });

        it("refuses a connector secret in plaintext, naming the setting, and takes a ${file:...} reference", () => {
            const sink = { class: "io.example.JdbcSink", settings: { "connection.password": "hunter2" } };
            assert.match(rejected("prod", { connect: { connectors: { sink } } }), /connect\.connectors\.sink\.settings\.connection\.password: got "\(a value\)"; allowed: a \$\{file:<path>:<key>\} reference to a mounted Secret file/);
            assert.doesNotMatch(rejected("prod", { connect: { connectors: { sink } } }), /hunter2/, "the refusal does not repeat the secret");
            const referenced = { ...sink, settings: { "connection.password": "${file:/run/secrets/connect/sink-db/credentials.properties:password}" } };
            assert.strictEqual(rejected("prod", { connect: { credentialSecrets: ["sink-db"], connectors: { sink: referenced } } }), "");
        });

        it("refuses a reference to a file no mounted Secret provides, naming connect.credentialSecrets", () => {
            const sink = { class: "io.example.JdbcSink", settings: { "connection.password": "${file:/etc/passwords.properties:password}" } };
            assert.match(rejected("prod", { connect: { connectors: { sink } } }), /connect\.connectors\.sink\.settings\.connection\.password: got "\$\{file:\/etc\/passwords\.properties:password\}"; allowed: a file of a Secret the workers mount: \/run\/secrets\/connect\/<secret>\/<file> with <secret> one of connect\.credentialSecrets \(none\)/);
            const platform = { ...sink, settings: { "connection.password": "${file:/run/secrets/connect/platform/orders.properties:password}" } };
            assert.match(rejected("prod", { connect: { connectors: { sink: platform } } }), /connection\.password: got .*platform\/orders\.properties/, "the captures' own logins are not for other connectors");
        });

        it("mounts each credential Secret of the config beside the platform's own, read-only", () => {
            const stack = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.staging.yaml"), "utf8") + "  data-platform:connect:\n    credentialSecrets: [sink-db]\n";
            const plan = runPlan("staging", { stackDir: scratchProject({ staging: stack }) });
            assert.strictEqual(plan.code, 0, plan.stderr);
            const spec = objectsOf(plan.outDir).find((o) => o.kind === "Deployment" && o.metadata.name === CONNECT_NAMES.workers).spec.template.spec;
            assert.deepStrictEqual(
                spec.containers[0].volumeMounts.filter((m: any) => m.mountPath.startsWith("/run/secrets/connect")).map((m: any) => [m.mountPath, m.readOnly]),
                [["/run/secrets/connect/platform", true], ["/run/secrets/connect/sink-db", true]],
            );
            assert.deepStrictEqual(spec.volumes.find((v: any) => v.name === "secret-sink-db").secret, { secretName: "sink-db", defaultMode: 0o440 });
        });

        it("refuses settings a capture's grant renders (the slot, the database login), naming the key", () => {
            assert.match(rejected("prod", { connect: { connectors: { orders: { ...ORDERS, settings: { "slot.name": "other" } } } } }), /connect\.connectors\.orders\.settings\.slot\.name: got "other"; allowed: a key other than slot\.name/);
        });

        it("refuses Connect without Kafka, and a single worker outside dev", () => {
            assert.match(rejected("staging", { kafka: { enabled: false } }), /connect\.enabled: got true; allowed: false, or kafka\.enabled true/);
            assert.match(rejected("prod", { connect: { replicas: 1 } }), /connect\.replicas: got 1; allowed: at least 2 when environment is prod/);
        });

        it("refuses a malformed table, slot or snapshot mode, naming the key", () => {
            const problems = rejected("prod", { connect: { connectors: { orders: { ...ORDERS, tables: ["orders"], slot: "Bad-Slot", snapshotMode: "always" } } } });
            assert.match(problems, /connect\.connectors\.orders\.tables\[0\]: got "orders"; allowed: schema\.table/);
            assert.match(problems, /connect\.connectors\.orders\.slot: got "Bad-Slot"/);
            assert.match(problems, /connect\.connectors\.orders\.snapshotMode: got "always"/);
        });
    });

    describe("what PostgreSQL must grant a capture (refused naming the connector's keys)", () => {
        const problemsOf = (connectors: Record<string, unknown>, cdcEnabled = true) => {
            const config = prodWith(connectors);
            const postgres = { ...config.postgres, cdc: { ...config.postgres.cdc, enabled: cdcEnabled } };
            const needs = config.connect.connectors.map(connectorCapture).filter((c) => c !== undefined).map(changeCaptureNeed);
            return configProblems(() => capturesOf(postgres, postgres.databases, needs)).join("\n");
        };

        it("a connector for an unknown database", () => {
            assert.match(problemsOf({ orders: { ...ORDERS, database: "shop" } }), /data-platform:connect\.connectors\.orders\.database: got "shop"; allowed: one of postgres' databases \([a-z, ]*webapp[a-z, ]*\)/);
        });

        it("two connectors with one slot name", () => {
            assert.match(problemsOf({ orders: ORDERS, lines: { ...ORDERS, tables: ["public.order_lines"], slot: "debezium_orders", publication: "lines" } }), /data-platform:connect\.connectors\.lines\.slot: got "debezium_orders"; allowed: a slot no other connector uses \(connect\.connectors\.orders uses it/);
        });

        it("CDC without logical decoding", () => {
            assert.match(problemsOf({ orders: ORDERS }, false), /data-platform:postgres\.cdc\.enabled: got false; allowed: true, since connect\.connectors\.orders captures changes/);
        });

        it("asks nothing for a connector marked for deletion (its slot leaves Patroni's permanent slots)", () => {
            assert.strictEqual(connectorCapture(prodWith({ orders: { ...ORDERS, delete: true } }).connect.connectors[0]), undefined);
        });

        it("fails the plan of a stack whose connector captures an unknown database, naming the key", () => {
            const stack = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.staging.yaml"), "utf8") + "  data-platform:connect:\n    connectors:\n      orders: { class: io.debezium.connector.postgresql.PostgresConnector, database: shop, tables: [public.orders] }\n";
            const plan = runPlan("staging", { stackDir: scratchProject({ staging: stack }) });
            assert.notStrictEqual(plan.code, 0);
            assert.match(plan.stderr, /connect\.connectors\.orders\.database: got "shop"/);
        });
    });

    describe("worker properties and connector configurations (pure)", () => {
        const prod = resolveConfig(rawConfigOf("prod"));
        const worker = renderWorkerProperties({ bootstrapServers: "kafka-bootstrap:9094", groupId: prod.connect.groupId, kafka: prod.kafka, truststore: CONNECT_PATHS.truststore, advertisedHost: "@POD_IP@", restPort: CONNECT_PORTS.rest, pluginPath: CONNECT_PATHS.plugins });

        it("prod keeps the workers' topics at the stack's replication factor, named after the group", () => {
            const topics = internalTopics(prod.connect.groupId);
            assert.deepStrictEqual(
                [worker["config.storage.topic"], worker["offset.storage.topic"], worker["status.storage.topic"]],
                [topics.configs, topics.offsets, topics.status],
            );
            for (const key of ["config.storage.replication.factor", "offset.storage.replication.factor", "status.storage.replication.factor"]) assert.strictEqual(worker[key], "3", key);
        });

        it("speaks TLS to the brokers from every client of the worker, trusting the platform CA only", () => {
            for (const prefix of ["", "producer.", "consumer.", "admin."]) {
                assert.strictEqual(worker[`${prefix}security.protocol`], "SSL", prefix);
                assert.strictEqual(worker[`${prefix}ssl.truststore.location`], CONNECT_PATHS.truststore, prefix);
            }
            assert.strictEqual(worker["connector.client.config.override.policy"], "None", "connectors cannot turn TLS off");
        });

        it("a capture's configuration names its password by file and never carries it; topics at the stack's durability", () => {
            const [orders] = prodWith({ orders: ORDERS }).connect.connectors;
            const config = connectorConfig(orders, prod.kafka, { host: "postgres.platform-storage.svc.cluster.local", port: 5432, user: "debezium" });
            assert.strictEqual(config["database.password"], `\${file:${credentialsFile("orders")}:password}`);
            assert.strictEqual(config["publication.autocreate.mode"], "disabled", "the databases Job creates the publication");
            assert.strictEqual(config["slot.drop.on.stop"], "false", "the slot is Patroni's");
            assert.strictEqual(config["table.include.list"], "public\\.orders,public\\.order_lines");
            assert.deepStrictEqual([config["topic.creation.default.replication.factor"], config["topic.creation.default.min.insync.replicas"]], ["3", "2"]);
            assert.strictEqual(config["database.hostname"], "postgres.platform-storage.svc.cluster.local", "the primary's Service: after a failover it reaches the new primary");
        });

        it("applies the connectors of the config and deletes only those marked delete", () => {
            const connectors: ConnectorSettings[] = [
                { name: "orders", class: DEBEZIUM_POSTGRES, tasksMax: 1, settings: {}, delete: false },
                { name: "legacy", class: DEBEZIUM_POSTGRES, tasksMax: 1, settings: {}, delete: true },
            ];
            const files = connectorFiles(connectors, { orders: { "tasks.max": "1", "connector.class": DEBEZIUM_POSTGRES } });
            assert.deepStrictEqual(Object.keys(files).sort(), ["delete", "orders.json"]);
            assert.strictEqual(files.delete, "legacy\n");
            assert.deepStrictEqual(Object.keys(JSON.parse(files["orders.json"])), ["connector.class", "tasks.max"], "keys sorted: the Job compares configurations key by key");
        });
    });

    describe("the image", () => {
        const dockerfile = fs.readFileSync(path.join(PROJECT_DIR, "images", "connect", "Dockerfile"), "utf8");
        const dev = resolveConfig(rawConfigOf("dev"));

        it("builds on the brokers' Kafka release and bakes the configured Debezium plugin, pinned by checksum", () => {
            assert.strictEqual(/^ARG KAFKA_VERSION=(\S+)$/m.exec(dockerfile)?.[1], dev.kafka.version);
            assert.strictEqual(/^ARG DEBEZIUM_VERSION=(\S+)$/m.exec(dockerfile)?.[1], dev.connect.debeziumVersion);
            const downloads = dockerfileDownloads(dockerfile);
            assert.deepStrictEqual(
                downloads.map((d) => d.url),
                [
                    `https://repo1.maven.org/maven2/io/debezium/debezium-connector-postgres/${dev.connect.debeziumVersion}/debezium-connector-postgres-${dev.connect.debeziumVersion}-plugin.tar.gz`,
                    "https://repo1.maven.org/maven2/io/prometheus/jmx/jmx_prometheus_javaagent/1.0.1/jmx_prometheus_javaagent-1.0.1.jar",
                ],
            );
        });
    });

    describe("the connectors Job's script, run for real against a stand-in of Connect's REST API", () => {
        const SCRIPT = path.join(PROJECT_DIR, "images", "connect", "bin", "connect-apply-connectors");

        /** A Connect REST API in memory: connectors with their configs and states; records each request. */
        async function standIn(initial: Record<string, Record<string, string>>, state = "RUNNING") {
            const connectors = new Map(Object.entries(initial));
            const requests: string[] = [];
            const server = http.createServer((req, res) => {
                let body = "";
                req.on("data", (d) => (body += d));
                req.on("end", () => {
                    requests.push(`${req.method} ${req.url}`);
                    const name = /^\/connectors\/([^/]+)/.exec(req.url ?? "")?.[1];
                    const send = (code: number, value?: unknown) => {
                        res.writeHead(code, { "Content-Type": "application/json" });
                        res.end(value === undefined ? "" : JSON.stringify(value));
                    };
                    if (req.method === "PUT" && req.url!.startsWith("/connector-plugins/")) {
                        return send(200, { configs: [{ value: { name: "snapshot.mode", errors: ["Value must be one of initial, no_data, when_needed"] } }, { value: { name: "tasks.max", errors: [] } }] });
                    }
                    if (req.url === "/connectors") return send(200, [...connectors.keys()]);
                    if (!name) return send(404, { message: "not found" });
                    if (req.method === "GET" && req.url!.endsWith("/config")) return connectors.has(name) ? send(200, { ...connectors.get(name), name }) : send(404, { error_code: 404 });
                    if (req.method === "PUT" && JSON.parse(body)["snapshot.mode"] === "bogus") {
                        // As Connect 4.3 answers Debezium 3.6's invalid configurations.
                        return send(500, { error_code: 500, message: "Cannot invoke \"org.apache.kafka.connect.runtime.rest.entities.ConfigValueInfo.errors()\"" });
                    }
                    if (req.method === "PUT") {
                        const existed = connectors.has(name);
                        connectors.set(name, JSON.parse(body));
                        return send(existed ? 200 : 201, { name });
                    }
                    if (req.method === "DELETE") return connectors.delete(name) ? send(204) : send(404, { error_code: 404 });
                    if (req.url!.endsWith("/status")) {
                        const trace = state === "FAILED" ? "org.postgresql.util.PSQLException: replication slot does not exist" : undefined;
                        return send(200, { name, connector: { state }, tasks: [{ id: 0, state, ...(trace ? { trace } : {}) }] });
                    }
                    send(404, {});
                });
            });
            await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
            return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connectors, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
        }

        function apply(url: string, files: Record<string, string>): Promise<{ code: number | null; out: string }> {
            const dir = tempDir("connectors");
            for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
            return new Promise((resolve) => {
                const child = spawn("bash", [SCRIPT, dir], { env: { ...process.env, CONNECT_URL: url, APPLY_TIMEOUT: "10" } });
                let out = "";
                child.stdout.on("data", (d) => (out += d));
                child.stderr.on("data", (d) => (out += d));
                child.on("close", (code) => resolve({ code, out }));
            });
        }

        const orders = { "connector.class": DEBEZIUM_POSTGRES, "tasks.max": "1", "slot.name": "debezium_orders" };

        it("creates a new connector, then leaves it alone when nothing changed (a PUT would restart its tasks)", async () => {
            const api = await standIn({});
            try {
                const first = await apply(api.url, { "orders.json": JSON.stringify(orders) });
                assert.strictEqual(first.code, 0, first.out);
                assert.match(first.out, /^created orders$/m);
                assert.match(first.out, /^running orders \(1 task\(s\)\)$/m);
                api.requests.length = 0;
                const second = await apply(api.url, { "orders.json": JSON.stringify(orders) });
                assert.strictEqual(second.code, 0, second.out);
                assert.match(second.out, /^unchanged orders$/m);
                assert.deepStrictEqual(api.requests.filter((r) => r.startsWith("PUT")), []);
            } finally {
                await api.close();
            }
        });

        it("updates a changed connector, never deletes one the config does not name, and deletes the ones marked", async () => {
            const api = await standIn({ orders: { ...orders, "tasks.max": "2" }, manual: { "connector.class": "x" }, legacy: { "connector.class": "y" } });
            try {
                const run = await apply(api.url, { "orders.json": JSON.stringify(orders), delete: "legacy\n" });
                assert.strictEqual(run.code, 0, run.out);
                assert.match(run.out, /^updated orders$/m);
                assert.match(run.out, /^deleted legacy$/m);
                assert.deepStrictEqual([...api.connectors.keys()].sort(), ["manual", "orders"], "the connector made by hand stays");
                assert.deepStrictEqual(api.connectors.get("orders"), orders);
            } finally {
                await api.close();
            }
        });

        it("names the settings at fault when Connect refuses a configuration with a bare 500", async () => {
            const api = await standIn({});
            try {
                const run = await apply(api.url, { "orders.json": JSON.stringify({ ...orders, "snapshot.mode": "bogus" }) });
                assert.strictEqual(run.code, 1, run.out);
                assert.match(run.out, /PUT \/connectors\/orders\/config: HTTP 500/);
                assert.match(run.out, /^ {2}snapshot\.mode: Value must be one of initial, no_data, when_needed$/m);
                assert.doesNotMatch(run.out, /tasks\.max/);
            } finally {
                await api.close();
            }
        });

        it("fails with the task's trace when a connector fails", async () => {
            const api = await standIn({}, "FAILED");
            try {
                const run = await apply(api.url, { "orders.json": JSON.stringify(orders) });
                assert.strictEqual(run.code, 1, run.out);
                assert.match(run.out, /orders failed: org\.postgresql\.util\.PSQLException: replication slot does not exist/);
            } finally {
                await api.close();
            }
        });
    });

    describe("what the plans deploy", () => {
        for (const stack of ["staging", "prod"]) {
            it(`${stack} runs Connect's workers across nodes behind a ClusterIP Service, with a PDB, under restricted Pod Security`, () => {
                const objects = plannedObjects(stack);
                const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
                const config = resolveConfig(rawConfigOf(stack));
                const workers = find("Deployment", CONNECT_NAMES.workers);
                assert.strictEqual(workers.spec.replicas, config.connect.replicas);
                const pod = workers.spec.template;
                assert.deepStrictEqual(evaluatePod("restricted", pod.metadata, pod.spec), []);
                assert.strictEqual(pod.spec.containers[0].securityContext.readOnlyRootFilesystem, true);
                assert.ok(pod.spec.volumes.find((v: any) => v.name === "tmp").emptyDir, "/tmp is an emptyDir");
                assert.deepStrictEqual(pod.spec.volumes.find((v: any) => v.name === "kafka-ca").secret.items, [{ key: "ca.crt", path: "ca.crt" }], "only the CA of the brokers' certificate Secret");
                assert.strictEqual(pod.spec.automountServiceAccountToken, false);
                assert.strictEqual(find("Service", CONNECT_NAMES.workers).spec.type ?? "ClusterIP", "ClusterIP");
                assert.strictEqual(find("PodDisruptionBudget", CONNECT_NAMES.workers).spec.maxUnavailable, 1);
                const routed = objects.filter((o) => o.kind === "Ingress").flatMap((o) => o.spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => p.backend.service.name)));
                assert.ok(!routed.includes(CONNECT_NAMES.workers), "the REST API is not published");
                assert.match(find("ConfigMap", CONNECT_NAMES.config).data["connect-distributed.properties"], /^bootstrap\.servers=kafka-bootstrap\.platform-streaming\.svc\.cluster\.local:9094$/m);
            });
        }

        it("the e2e stack captures webapp's items: a permanent slot, the debezium login sealed into Connect's namespace, the connector by the Job, and the network between them", () => {
            const objects = plannedObjects("e2e");
            const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
            const connector = JSON.parse(find("ConfigMap", CONNECT_NAMES.connectors).data["webapp-items.json"]);
            assert.strictEqual(connector["slot.name"], "debezium_webapp_items");
            const patroni = objects.find((o) => o.kind === "ConfigMap" && o.metadata.namespace === "platform-storage" && o.data?.["dynamic.json"]);
            assert.deepStrictEqual(JSON.parse(patroni.data["dynamic.json"]).permanent_slots, { debezium_webapp_items: { type: "logical", database: "webapp", plugin: "pgoutput" } });
            const credentials = find("SealedSecret", CONNECT_NAMES.credentials);
            assert.strictEqual(credentials.metadata.namespace, "platform-streaming");
            assert.ok(credentials.spec.encryptedData["webapp-items.properties"], "the connector's credentials file is sealed");
            assert.doesNotMatch(JSON.stringify(find("ConfigMap", CONNECT_NAMES.connectors)), /password=/);
            const network = new NetworkModel(objects);
            const podOf = (o: any) => ({ namespace: o.metadata.namespace, labels: o.spec.template.metadata.labels });
            const workers = podOf(find("Deployment", CONNECT_NAMES.workers));
            const job = podOf(objects.find((o) => o.kind === "Job" && o.spec.template.metadata.labels["data-platform/job"] === CONNECTORS_JOB_LABELS["data-platform/job"]));
            const primary = { namespace: "platform-storage", labels: { ...find("StatefulSet", "postgres").spec.template.metadata.labels, role: "primary" } };
            const broker = podOf(find("StatefulSet", "kafka"));
            assert.ok(network.allows(workers, primary, 5432), "workers reach PostgreSQL");
            assert.ok(network.allows(workers, broker, 9092), "workers reach the brokers");
            assert.ok(network.allows(job, workers, CONNECT_PORTS.rest) && network.allows(workers, workers, CONNECT_PORTS.rest), "the Job and the other workers reach the REST API");
            assert.ok(!network.allows(job, primary, 5432), "the Job reaches nothing else");
        });
    });
});
