// Real-process check of our Kafka settings (issue 8, item 3): a 3-node combined KRaft cluster on
// loopback, every node started by the image's kafka-start from the server.properties that
// brokerProperties renders for the staging stack (only addresses, ports and paths differ), with the
// image's JMX exporter agent and rules. Jars come from Maven Central (e2e/kafka/fetch-jars).
//
//   npx mocha --no-config -r ts-node/register/transpile-only -r test/support/tempdirs.ts --timeout 600000 e2e/kafka.spec.ts
import * as assert from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { LISTENERS } from "../components/kafka/brokerProperties";
import { topicsScript } from "../components/kafka/topicsScript";
import { namespaceName } from "../components/namespaces/manifests";
import { ruleMetrics } from "../components/observability/alerts";
import { KAFKA_METRIC_SOURCES } from "../components/kafka/monitoring";
import { platformObservability } from "../platform/services";
import { catalogueIndex, seriesNames } from "../components/observability/metrics";
import { metricNames } from "../components/observability/promql";
import { resolveConfig } from "../config";
import { PlatformConfig } from "../config/types";
import { objectsOf, runPlan } from "../test/support/plan";
import { PROJECT_DIR, rawConfigOf } from "../test/support/stacks";
import { BackgroundClient, KafkaClient } from "./kafka/client";
import { AGENT_JAR, KAFKA_HOME, LocalCluster, fetchJars, until } from "./kafka/localCluster";
import { Figures, seconds } from "./support/figures";

const STACK = "staging";

/** The keys whose values name hosts, ports or paths: the only ones allowed to differ from the cluster's. */
const CLIENT = `listener.name.${LISTENERS.client.toLowerCase()}`;
const ADDRESS_KEYS = ["listeners", "advertised.listeners", "controller.quorum.voters", "log.dirs", `${CLIENT}.ssl.keystore.location`];
/** Secrets named by file (the mounted Secret's directory differs: a path), never a value. */
const SECRET_FILE_KEYS = [`${CLIENT}.ssl.keystore.password`, `${CLIENT}.ssl.key.password`];
const DIRECTORY_REFERENCE = /^\$\{dir:\/[^:]+:password\}$/;

function parseProperties(text: string): Record<string, string> {
    return Object.fromEntries(
        text
            .split("\n")
            .filter((line) => line.includes("="))
            .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
}

/** The settings Kafka logs at start ("KafkaConfig values:"), lists written as Kafka writes them in properties. */
function effectiveConfig(output: string): Record<string, string> {
    const lines = output.split("\n");
    const start = lines.findIndex((l) => l.includes("INFO KafkaConfig values:"));
    assert.ok(start >= 0, "no KafkaConfig values in the node's output");
    const entries: [string, string][] = [];
    for (const line of lines.slice(start + 1)) {
        const match = /^\t(\S+) = (.*)$/.exec(line);
        if (!match) break;
        entries.push([match[1], match[2].replace(/^\[(.*)\]$/, "$1").replace(/, /g, ",")]);
    }
    return Object.fromEntries(entries);
}

function dockerfileArg(dockerfile: string, name: string): string {
    const match = new RegExp(`^ARG ${name}=(\\S+)$`, "m").exec(dockerfile);
    assert.ok(match, `ARG ${name} not in the Dockerfile`);
    return match[1];
}

/** How long until every partition acknowledged a write sent after `since` (ms), or undefined. */
function writableAgainAfter(producer: BackgroundClient, partitions: number, since: number): number | undefined {
    const firstAck = new Map<string, number>();
    for (const { fields } of producer.fields("ack")) {
        const [, partition, , sentMs, ackMs] = fields;
        if (Number(sentMs) >= since && !firstAck.has(partition)) firstAck.set(partition, Number(ackMs));
    }
    return firstAck.size === partitions ? Math.max(...firstAck.values()) - since : undefined;
}

/** Every series of the Kafka JMX exporter (Kafka and JVM sources) that an alert or a dashboard reads, with its readers. */
function kafkaSeriesInUse(config: PlatformConfig): Map<string, string[]> {
    const observed = platformObservability(config);
    const index = catalogueIndex(observed.metricSources);
    const readers: [string, string][] = ruleMetrics(observed.ruleGroups).flatMap((r) => r.metrics.map((m): [string, string] => [m, `alert ${r.alert}`]));
    const walk = (value: unknown, file: string): void => {
        if (Array.isArray(value)) value.forEach((v) => walk(v, file));
        else if (value && typeof value === "object") {
            for (const [key, v] of Object.entries(value)) {
                if (key === "expr" && typeof v === "string") for (const m of metricNames(v)) readers.push([m, `dashboard ${file}`]);
                else walk(v, file);
            }
        }
    };
    for (const [file, dashboard] of Object.entries(observed.dashboards)) walk(dashboard, file);
    const used = new Map<string, string[]>();
    for (const [metric, reader] of readers) {
        const source = index.get(metric)?.source;
        if (source !== "kafka" && source !== "jvm") continue;
        used.set(metric, [...new Set([...(used.get(metric) ?? []), reader])]);
    }
    return used;
}

describe(`Kafka on real processes: a 3-node KRaft cluster with ${STACK}'s settings`, function () {
    const config = resolveConfig(rawConfigOf(STACK));
    const settings = config.kafka;
    // Writes go to a topic the stack declares, with the stack's replication.
    const topic = settings.topics.find((t) => t.cleanupPolicy === "delete")!;
    const figures = new Figures("Kafka e2e");
    const report = figures.report;
    let cluster: LocalCluster;
    let client: KafkaClient;

    before(async function () {
        const started = Date.now();
        report(`jars: fetch-jars took ${seconds(fetchJars())}`);
        cluster = await LocalCluster.start(settings);
        client = KafkaClient.create(cluster.clientProperties());
        await client.run(["brokers", String(cluster.nodes.length), "120"]);
        report(`cluster: ${cluster.nodes.length} nodes registered ${seconds(Date.now() - started)} after the start of the run`);
    });

    after(async function () {
        client?.killAll();
        // Also when the before hook failed and no test ran.
        const incomplete = this.test?.parent?.tests.some((t) => t.state !== "passed");
        if (incomplete && cluster) console.log(cluster.outputTails());
        await cluster?.stopAll("SIGKILL");
        figures.print();
    });

    it("runs the image's versions: Kafka of kafka.version and the JMX exporter jar the Dockerfile pins", () => {
        const dockerfile = fs.readFileSync(path.join(PROJECT_DIR, "images", "kafka", "Dockerfile"), "utf8");
        const pom = fs.readFileSync(path.join(KAFKA_HOME, "pom.xml"), "utf8");
        assert.strictEqual(/<kafka\.version>(.*)<\/kafka\.version>/.exec(pom)?.[1], settings.version);
        assert.strictEqual(dockerfileArg(dockerfile, "KAFKA_VERSION"), settings.version);
        assert.strictEqual(/<jmx-exporter\.version>(.*)<\/jmx-exporter\.version>/.exec(pom)?.[1], dockerfileArg(dockerfile, "JMX_EXPORTER_VERSION"));
        const pinned = /--checksum=sha256:([0-9a-f]{64})/.exec(dockerfile)?.[1];
        assert.strictEqual(createHash("sha256").update(fs.readFileSync(AGENT_JAR)).digest("hex"), pinned);
    });

    it("runs the properties of the plan's ConfigMap, apart from addresses, ports and paths, and the plan's topics script", () => {
        const plan = runPlan(STACK);
        assert.strictEqual(plan.code, 0, plan.stderr);
        const namespace = namespaceName(config.namespaces.prefix, "streaming");
        const objects = objectsOf(plan.outDir).filter((o) => o.metadata?.namespace === namespace);
        const configMap = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === `${cluster.set.statefulSet}-config`);
        const deployed = parseProperties(configMap.data["server.properties"]);
        for (const node of cluster.nodes) {
            const local = parseProperties(fs.readFileSync(node.template, "utf8"));
            assert.deepStrictEqual(Object.keys(local).sort(), Object.keys(deployed).sort());
            const differing = Object.keys(local).filter((k) => local[k] !== deployed[k]);
            assert.deepStrictEqual(differing.filter((k) => !ADDRESS_KEYS.includes(k) && !SECRET_FILE_KEYS.includes(k)), [], `${node.pod} differs in more than addresses and paths`);
            for (const key of settings.clientTls ? SECRET_FILE_KEYS : []) {
                assert.match(deployed[key], DIRECTORY_REFERENCE, `${key} names the mounted Secret's file`);
                assert.match(local[key], DIRECTORY_REFERENCE, `${key} names the local password file`);
            }
        }
        // The brokers' maintenance Job (the streaming tier also has Connect's connectors Job).
        const job = objects.find((o) => o.kind === "Job" && o.metadata.labels["app.kubernetes.io/component"] === "maintenance" && o.metadata.labels["app.kubernetes.io/name"] === "kafka");
        assert.deepStrictEqual(job.spec.template.spec.containers[0].command, ["bash", "-c", topicsScript(settings.topics, settings.replicationFactor)]);
    });

    it("every node listens on 127.0.0.1 only: its Kafka listeners and the JMX exporter", () => {
        for (const node of cluster.nodes) {
            const { internal, controller, client: clientPort, metrics } = node.ports;
            const expected = [internal, controller, metrics, ...(settings.clientTls ? [clientPort] : [])];
            const listening = cluster.listening(node);
            assert.deepStrictEqual(listening.map((a) => a.replace(/^\[::ffff:(.*)\]/, "$1")).sort(), expected.map((p) => `127.0.0.1:${p}`).sort(), node.pod);
        }
    });

    it("kafka-start formats each log directory once, for the stack's cluster id and the node id of the pod's ordinal", () => {
        for (const node of cluster.nodes) {
            const meta = parseProperties(fs.readFileSync(path.join(node.logDir, "meta.properties"), "utf8"));
            assert.strictEqual(meta["cluster.id"], cluster.clusterId);
            assert.strictEqual(meta["node.id"], String(node.id));
        }
    });

    it("Kafka knows every property we render and runs with our values", () => {
        for (const node of cluster.nodes) {
            const rendered = parseProperties(fs.readFileSync(path.join(node.dir, "server.properties"), "utf8"));
            const effective = effectiveConfig(fs.readFileSync(node.output, "utf8"));
            // Per-listener settings and the config providers are not in the dump; the clients prove
            // them by using the TLS listener, whose keystore opens only with the password read from its file.
            const keys = Object.keys(rendered).filter((k) => !k.startsWith("listener.name.") && !k.startsWith("config.providers"));
            const wrong = keys.filter((k) => effective[k] !== rendered[k]).map((k) => `${k}: rendered ${rendered[k]}, Kafka runs ${effective[k] ?? "(unknown property)"}`);
            assert.deepStrictEqual(wrong, [], `${node.pod}`);
        }
    });

    it("the topics Job's script creates the stack's topics with their partitions, replication and configs", async () => {
        const started = Date.now();
        const run = cluster.runScript(topicsScript(settings.topics, settings.replicationFactor), 240);
        assert.strictEqual(run.status, 0, run.output);
        report(`topics script: ${settings.topics.length} topics in ${seconds(Date.now() - started)}`);
        for (const t of settings.topics) {
            const partitions = (await client.run(["describe", t.name])).map((line) => line.split(" "));
            assert.strictEqual(partitions.length, t.partitions, t.name);
            for (const [, p, , leader, , replicas, , isr] of partitions) {
                assert.notStrictEqual(leader, "none", `${t.name}-${p} has no leader`);
                assert.strictEqual(replicas.split(",").length, t.replicationFactor ?? settings.replicationFactor, `${t.name}-${p} replicas`);
                assert.strictEqual(isr.split(",").length, t.replicationFactor ?? settings.replicationFactor, `${t.name}-${p} in-sync replicas`);
            }
            const configs = Object.fromEntries((await client.run(["configs", t.name])).map((line) => line.split(" ").slice(1)));
            assert.deepStrictEqual(configs, { "cleanup.policy": t.cleanupPolicy, "retention.ms": String(t.retentionMs) }, t.name);
        }
    });

    it("every node exports each Kafka and JVM series our alerts and dashboards read, and the alerts' assumptions hold", async () => {
        const used = kafkaSeriesInUse(config);
        const catalogue = [...KAFKA_METRIC_SOURCES.kafka.metrics, ...KAFKA_METRIC_SOURCES.jvm.metrics].flatMap(seriesNames);
        const missing: Record<string, string[]> = {};
        const notExported = new Set<string>();
        for (const node of cluster.nodes) {
            const names = new Set((await cluster.metrics(node)).map((s) => s.name));
            const absent = [...used.keys()].filter((n) => !names.has(n)).map((n) => `${n} (${used.get(n)!.join(", ")})`);
            if (absent.length) missing[node.pod] = absent;
            for (const name of catalogue.filter((n) => !names.has(n))) notExported.add(name);
        }
        report(`metrics: ${used.size} Kafka/JVM series read by alerts and dashboards, all exported: ${Object.keys(missing).length === 0}`);
        // Reported, not asserted: a catalogue entry nobody reads is harmless until someone does.
        if (notExported.size) report(`metrics: in the catalogue but not exported by the agent: ${[...notExported].join(", ")}`);
        assert.deepStrictEqual(missing, {});
        // KafkaActiveControllerCount sums over nodes; KafkaOfflinePartitions takes the max because every controller reports the cluster.
        // Polled: three scrapes one after another; a stall of the machine during them can move the
        // KRaft leadership between two scrapes and count it twice or not at all.
        await until(async () => (await cluster.sumOf("kafka_controller_kafkacontroller_activecontrollercount")) === 1, "exactly one active controller over the nodes", 30_000);
        const global = await Promise.all(cluster.nodes.map(async (n) => (await cluster.metrics(n)).find((s) => s.name === "kafka_controller_kafkacontroller_globalpartitioncount")?.value));
        assert.ok(global.every((g) => g === global[0] && g! >= topic.partitions), `global partition count per node: ${global}`);
    });

    it(`loses no acknowledged acks=all write when a node is killed and comes back, and keeps producing and consuming meanwhile`, async () => {
        const producer = client.start(["produce", topic.name, "loss", "200", "acks=all", "enable.idempotence=true"]);
        const consumer = client.start(["consume", topic.name, "e2e-check"]);
        await until(() => producer.fields("ack").length >= 400 && consumer.fields("rec").length > 0, "writes and reads before the loss", 60_000);

        // The harder loss: the quorum leader goes, so the metadata quorum and partition leaders fail over at once.
        const leaderId = Number((await client.run(["quorum"]))[0].split(" ")[1]);
        const victim = cluster.nodes.find((n) => n.id === leaderId)!;
        const killedAt = Date.now();
        await cluster.stopNode(victim, "SIGKILL");
        await until(() => writableAgainAfter(producer, topic.partitions, killedAt) !== undefined, "every partition to take writes again", 90_000);
        const recoveryMs = writableAgainAfter(producer, topic.partitions, killedAt)!;

        // What the alerts see meanwhile: under-replicated partitions, still one controller, nothing offline.
        const scrape = (name: string) => cluster.sumOf(name).catch(() => NaN);
        await until(async () => (await scrape("kafka_server_replicamanager_underreplicatedpartitions")) > 0, "under-replicated partitions on the survivors", 60_000);
        await until(async () => (await scrape("kafka_controller_kafkacontroller_activecontrollercount")) === 1, "still exactly one active controller", 30_000);
        assert.strictEqual(await cluster.sumOf("kafka_controller_kafkacontroller_offlinepartitionscount"), 0);
        const isrShrinks = await cluster.sumOf("kafka_server_replicamanager_isrshrinks_total");
        const underReplicated = await cluster.sumOf("kafka_server_replicamanager_underreplicatedpartitions");
        await until(() => consumer.lines.some((l) => l.at > killedAt + recoveryMs && l.text.startsWith("rec ")), "reads with the node down", 30_000);

        const restartedAt = Date.now();
        cluster.startNode(victim);
        await client.run(["brokers", String(cluster.nodes.length), "120"]);
        await until(async () => (await scrape("kafka_server_replicamanager_underreplicatedpartitions")) === 0, "every partition fully replicated again", 120_000, 1000);
        const catchUpMs = Date.now() - restartedAt;
        const isrExpands = await cluster.sumOf("kafka_server_replicamanager_isrexpands_total");
        const acksAtReturn = producer.fields("ack").length;
        await until(() => producer.fields("ack").length >= acksAtReturn + 200, "writes after the return", 60_000);
        const readWhileDown = consumer.lines.filter((l) => l.at > killedAt && l.at < restartedAt && l.text.startsWith("rec ")).length;
        await producer.stop();
        await consumer.stop();

        const sent = Number(producer.fields("done")[0].fields[0]);
        const acked = producer.fields("ack").map((a) => a.fields[0]);
        const failed = producer.fields("err");
        const logged = (await client.run(["read-all", topic.name])).filter((l) => l.startsWith("rec ")).map((l) => l.split(" ")[3]);
        const inLog = new Set(logged);
        const lost = acked.filter((id) => !inLog.has(id));
        const writtenWhileDown = producer.fields("ack").filter((a) => a.at > killedAt && a.at < restartedAt).length;
        report(`node loss: SIGKILL of node ${victim.id} (quorum leader); every partition took acks=all writes again after ${seconds(recoveryMs)}`);
        report(`node loss: ${underReplicated} under-replicated partitions on the survivors; back to fully replicated ${seconds(catchUpMs)} after the restart; isrshrinks_total ${isrShrinks}, isrexpands_total ${isrExpands}`);
        report(`node loss: ${sent} sent, ${acked.length} acknowledged (${writtenWhileDown} while the node was down), ${failed.length} failed, ${lost.length} lost, ${logged.length - inLog.size} duplicates; ${readWhileDown} read while down`);
        assert.strictEqual(acked.length + failed.length, sent, "every write sent got an answer");
        assert.deepStrictEqual(lost, [], "acknowledged writes missing from the log");
        assert.deepStrictEqual(failed.map((f) => f.fields.join(" ")), [], "writes refused with one node down");
        assert.ok(writtenWhileDown > 0 && readWhileDown > 0, "no writes or reads while the node was down");
    });

    it("refuses acks=all writes with two nodes down (min.insync.replicas 2), while the last leader still takes acks=1", async () => {
        const [survivor, ...stopped] = cluster.nodes;
        // SIGTERM: controlled shutdowns move every leader to the survivor, whose in-sync set shrinks to itself.
        for (const node of stopped) await cluster.stopNode(node, "SIGTERM");
        const probe = async (run: string, acks: string) => {
            const producer = client.start(["produce", topic.name, run, "20", `acks=${acks}`, "enable.idempotence=false", "retries=0", "request.timeout.ms=10000", "delivery.timeout.ms=15000"]);
            await until(() => producer.fields("ack").length + producer.fields("err").length >= 2 * topic.partitions, `answers to acks=${acks} writes`, 60_000);
            await producer.stop();
            return { acked: producer.fields("ack").length, errors: producer.fields("err").map((e) => e.fields[2]) };
        };
        const all = await probe("two-down-all", "all");
        const one = await probe("two-down-one", "1");
        const errorKinds = [...new Set(all.errors)];
        report(`two nodes down (node ${survivor.id} left): acks=all ${all.acked} acknowledged, ${all.errors.length} refused (${errorKinds.join(", ")}); acks=1 ${one.acked} acknowledged, ${one.errors.length} refused`);
        assert.strictEqual(all.acked, 0, "acks=all writes acknowledged below min.insync.replicas");
        assert.deepStrictEqual(errorKinds.filter((e) => !e.startsWith("NotEnoughReplicas")), [], "refused for another reason than too few in-sync replicas");
        assert.ok(one.acked > 0 && one.errors.length === 0, "the survivor does not lead the partitions");
    });
});
