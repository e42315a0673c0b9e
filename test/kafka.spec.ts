import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LISTENERS, brokerProperties, quorumVoters } from "../components/kafka/brokerProperties";
import { KafkaCluster } from "../components/kafka/kafkaCluster";
import { topicsScript } from "../components/kafka/topicsScript";
import { BROKER_ID_OFFSET } from "../components/kafka/topology";
import { resolveConfig } from "../config";
import { MockedResource, ofType, settled, testSealingKey, useMocks } from "./support/mocks";
import { PROJECT_DIR, STACKS, rawConfigOf, withValues, configProblems } from "./support/stacks";
import { tempDir } from "./support/tempdirs";

/** Parses a properties file into a map. */
function parseProperties(text: string): Record<string, string> {
    return Object.fromEntries(text.trim().split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
}

const listenerNames = (list: string) => (list ? list.split(",").map((l) => l.split("://")[0]) : []);

async function clusterOf(stack: string): Promise<MockedResource[]> {
    const resources = useMocks(stack);
    const config = resolveConfig(rawConfigOf(stack));
    const cluster = new KafkaCluster("kafka", {
        namespace: "platform-streaming",
        clusterName: "kafka",
        settings: config.kafka,
        image: "registry.example.com/kafka@sha256:" + "c".repeat(64),
        strictSpread: stack !== "dev",
        protect: stack === "prod",
        tlsIssuer: { name: "platform-ca", ready: [] },
        sealingKey: testSealingKey(),
    });
    await settled(cluster.bootstrapServers, cluster.clusterId);
    return resources;
}

function problemsOf(changes: Record<string, unknown>, stack = "prod"): string[] {
    const raw = rawConfigOf(stack);
    return configProblems(() => resolveConfig(withValues(raw, { kafka: { ...(raw.values.kafka as object), ...changes } })));
}

describe("Kafka (KRaft)", () => {
    describe("broker properties", () => {
        const voters = [
            { id: 2, host: "c-2.h", port: 9093 },
            { id: 0, host: "c-0.h", port: 9093 },
            { id: 1, host: "c-1.h", port: 9093 },
        ];
        const node = { nodeId: "7", advertisedHost: "b-7.h", internalPort: 9092, controllerPort: 9093, logDir: "/data/logs" };
        const durability = { replicationFactor: 3, minInsyncReplicas: 2 };

        it("formats the static quorum as id@host:port in id order", () => {
            assert.strictEqual(quorumVoters(voters), "0@c-0.h:9093,1@c-1.h:9093,2@c-2.h:9093");
        });

        const tls = { port: 9094, keystorePath: "/tls/keystore.p12", passwordDir: "/tls/password" };
        for (const [role, withTls] of [["combined", false], ["controller", false], ["broker", false], ["combined", true], ["broker", true]] as const) {
            it(`${role}${withTls ? " with client TLS" : ""}: listener names agree across listeners, advertised listeners, the protocol map and the controller names`, () => {
                const p = brokerProperties(role, node, voters, durability, withTls ? tls : undefined);
                const listeners = listenerNames(p.listeners);
                const mapped = p["listener.security.protocol.map"].split(",").map((m) => m.split(":")[0]);
                for (const name of [...listeners, ...listenerNames(p["advertised.listeners"] ?? "")]) assert.ok(mapped.includes(name), `${name} has no protocol`);
                for (const name of listenerNames(p["advertised.listeners"] ?? "")) assert.ok(listeners.includes(name), `${name} is advertised but not listened on`);
                assert.strictEqual(p["controller.listener.names"], LISTENERS.controller);
                assert.strictEqual(listeners.includes(LISTENERS.controller), role !== "broker");
                assert.strictEqual(listeners.includes(LISTENERS.internal), role !== "controller");
                assert.strictEqual(p["advertised.listeners"] === undefined, role === "controller", "controllers advertise nothing");
                if (role !== "controller") assert.ok(listeners.includes(p["inter.broker.listener.name"]));
                assert.strictEqual(p["controller.quorum.voters"], "0@c-0.h:9093,1@c-1.h:9093,2@c-2.h:9093");
                assert.strictEqual(p["process.roles"], role === "combined" ? "broker,controller" : role);
            });
        }

        for (const stack of STACKS) {
            it(`${stack}: replication settings follow the stack (RF ${stack === "dev" ? 1 : 3}, min ISR ${stack === "dev" ? 1 : 2}) for user and internal topics`, () => {
                const { kafka } = resolveConfig(rawConfigOf(stack));
                const p = brokerProperties("broker", node, voters, kafka);
                const rf = stack === "dev" ? "1" : "3";
                const isr = stack === "dev" ? "1" : "2";
                assert.strictEqual(p["default.replication.factor"], rf);
                assert.strictEqual(p["offsets.topic.replication.factor"], rf);
                assert.strictEqual(p["transaction.state.log.replication.factor"], rf);
                assert.strictEqual(p["min.insync.replicas"], isr);
                assert.strictEqual(p["transaction.state.log.min.isr"], isr);
                assert.strictEqual(p["unclean.leader.election.enable"], "false");
            });
        }
    });

    describe("config rejects unsafe durability, naming the key", () => {
        it("min.insync.replicas >= replication factor", () => {
            assert.deepStrictEqual(problemsOf({ minInsyncReplicas: 3 }), [
                "data-platform:kafka.minInsyncReplicas: got 3; allowed: less than kafka.replicationFactor (3), or no broker could ever be down for acks=all writes",
            ]);
        });
        it("a replication factor above the broker count", () => {
            assert.deepStrictEqual(problemsOf({ replicationFactor: 5, brokers: 4 }), ["data-platform:kafka.replicationFactor: got 5; allowed: at most kafka.brokers (4): every replica needs its own broker"]);
        });
        it("fewer than 3 controllers outside dev", () => {
            assert.deepStrictEqual(problemsOf({ controllers: 1 }), ["data-platform:kafka.controllers: got 1; allowed: an odd number >= 3 of controllers when environment is prod"]);
            assert.deepStrictEqual(problemsOf({ brokers: 2 }, "staging").filter((p) => p.includes("controllers")), ["data-platform:kafka.brokers: got 2; allowed: an odd number >= 3 of controllers when environment is staging"]);
        });
        it("combined nodes in prod, and replication below 3 or min ISR below 2 outside dev", () => {
            assert.ok(problemsOf({ mode: "combined", controllers: 0 }).includes("data-platform:kafka.mode: got \"combined\"; allowed: dedicated in prod (controllers apart from brokers)"));
            assert.ok(problemsOf({ replicationFactor: 2, minInsyncReplicas: 1 }, "staging").includes("data-platform:kafka.replicationFactor: got 2; allowed: at least 3 when environment is staging"));
        });
        it("a topic less durable than the cluster", () => {
            assert.deepStrictEqual(problemsOf({ topics: [{ name: "t", partitions: 1, replicationFactor: 1, retentionMs: -1, cleanupPolicy: "delete" }] }), [
                "data-platform:kafka.topics[0].replicationFactor: got 1; allowed: at least kafka.replicationFactor (3): a topic may not be less durable than the cluster",
            ]);
        });
    });

    describe("prod cluster under mocks", () => {
        let resources: MockedResource[] = [];
        let controllers: any;
        let brokers: any;
        before(async () => {
            resources = await clusterOf("prod");
            controllers = resources.find((r) => r.name === "kafka-controller-statefulset")!.inputs;
            brokers = resources.find((r) => r.name === "kafka-broker-statefulset")!.inputs;
        });
        const env = (sts: any, name: string) => sts.spec.template.spec.containers[0].env.find((e: any) => e.name === name)?.value;
        const propertiesOf = (configMapName: string) => parseProperties(resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.inputs.metadata.name === configMapName)!.inputs.data["server.properties"]);

        it("runs 3 dedicated controllers and 3 brokers, started in parallel", () => {
            assert.strictEqual(controllers.spec.replicas, 3);
            assert.strictEqual(brokers.spec.replicas, 3);
            for (const sts of [controllers, brokers]) assert.strictEqual(sts.spec.podManagementPolicy, "Parallel");
        });

        it("quorum voters are exactly the controller pods' stable DNS names, with node ids = ordinals", () => {
            const expected = Array.from({ length: 3 }, (_, i) => `${i}@kafka-controller-${i}.${controllers.spec.serviceName}.platform-streaming.svc.cluster.local:9093`).join(",");
            assert.strictEqual(propertiesOf("kafka-controller-config")["controller.quorum.voters"], expected);
            assert.strictEqual(propertiesOf("kafka-broker-config")["controller.quorum.voters"], expected);
            assert.strictEqual(env(controllers, "NODE_ID_OFFSET"), "0");
            assert.strictEqual(env(brokers, "NODE_ID_OFFSET"), String(BROKER_ID_OFFSET));
            assert.strictEqual(propertiesOf("kafka-broker-config")["node.id"], "@NODE_ID@");
        });

        it("headless Services publish not-ready addresses; pods get no service links", () => {
            for (const svc of ofType(resources, "kubernetes:core/v1:Service").filter((s) => s.inputs.spec.clusterIP === "None")) {
                assert.strictEqual(svc.inputs.spec.publishNotReadyAddresses, true, svc.name);
            }
            for (const sts of [controllers, brokers]) assert.strictEqual(sts.spec.template.spec.enableServiceLinks, false);
        });

        it("the bootstrap Service selects brokers only", () => {
            const selector = resources.find((r) => r.name === "kafka-bootstrap")!.inputs.spec.selector;
            const selects = (labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
            assert.ok(selects(brokers.spec.template.metadata.labels), "selects brokers");
            assert.ok(!selects(controllers.spec.template.metadata.labels), "does not select controllers");
        });

        it("keeps log directories in a subdirectory of the volume", () => {
            const mount = brokers.spec.template.spec.containers[0].volumeMounts.find((m: any) => m.name === "data").mountPath;
            assert.ok(propertiesOf("kafka-broker-config")["log.dirs"].startsWith(`${mount}/`));
        });

        it("has a PDB per node set allowing one down, and nodes spread across hosts", () => {
            const pdbs = ofType(resources, "kubernetes:policy/v1:PodDisruptionBudget");
            assert.strictEqual(pdbs.length, 2);
            for (const pdb of pdbs) assert.strictEqual(pdb.inputs.spec.maxUnavailable, 1);
            for (const sts of [controllers, brokers]) {
                const term = sts.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
                assert.strictEqual(term.topologyKey, "kubernetes.io/hostname");
                assert.deepStrictEqual(term.labelSelector.matchLabels, sts.spec.selector.matchLabels);
            }
        });

        it("exposes JMX exporter metrics on a metrics port", () => {
            for (const sts of [controllers, brokers]) {
                const c = sts.spec.template.spec.containers[0];
                assert.ok(c.ports.some((p: any) => p.name === "metrics" && p.containerPort === 9404));
                assert.match(env(sts, "KAFKA_OPTS"), /-javaagent:\/opt\/jmx-exporter\/jmx_prometheus_javaagent\.jar=9404:/);
            }
        });

        it("serves clients over TLS on 9094 with a PKCS#12 keystore from the platform CA", () => {
            const p = propertiesOf("kafka-broker-config");
            assert.match(p["listeners"], /(^|,)CLIENT:\/\/:9094(,|$)/);
            assert.match(p["advertised.listeners"], /CLIENT:\/\/@POD_NAME@\.kafka-brokers\.platform-streaming\.svc\.cluster\.local:9094/);
            assert.match(p["listener.security.protocol.map"], /(^|,)CLIENT:SSL(,|$)/);
            assert.strictEqual(p["listener.name.client.ssl.keystore.location"], "/etc/kafka/tls/keystore.p12");
            // The broker reads the password from the mounted Secret: it is never written in a ConfigMap, nor in the environment.
            assert.strictEqual(p["listener.name.client.ssl.keystore.password"], "${dir:/etc/kafka/keystore-password:password}");
            assert.strictEqual(p["listener.name.client.ssl.key.password"], "${dir:/etc/kafka/keystore-password:password}");
            assert.strictEqual(p["config.providers"], "dir");
            assert.strictEqual(p["config.providers.dir.class"], "org.apache.kafka.common.config.provider.DirectoryConfigProvider");
            assert.ok(!("listener.name.client.ssl.keystore.location" in propertiesOf("kafka-controller-config")), "controllers serve no clients");
            const cert = resources.find((r) => r.type === "kubernetes:cert-manager.io/v1:Certificate")!.inputs;
            assert.strictEqual(cert.spec.issuerRef.name, "platform-ca");
            assert.deepStrictEqual(cert.spec.keystores.pkcs12, { create: true, passwordSecretRef: { name: "kafka-keystore-password", key: "password" } });
            for (let i = 0; i < 3; i++) assert.ok(cert.spec.dnsNames.includes(`kafka-broker-${i}.kafka-brokers.platform-streaming.svc.cluster.local`));
            assert.ok(cert.spec.dnsNames.includes("kafka-bootstrap.platform-streaming.svc.cluster.local"));
            const pod = brokers.spec.template.spec;
            assert.ok(pod.volumes.some((v: any) => v.secret?.secretName === "kafka-tls"));
            const passwordVolume = pod.volumes.find((v: any) => v.secret?.secretName === "kafka-keystore-password");
            assert.deepStrictEqual(passwordVolume.secret.items, [{ key: "password", path: "password" }]);
            assert.deepStrictEqual(pod.containers[0].volumeMounts.find((m: any) => m.name === passwordVolume.name), { name: passwordVolume.name, mountPath: "/etc/kafka/keystore-password", readOnly: true });
            assert.ok(!pod.containers[0].env.some((e: any) => e.valueFrom?.secretKeyRef), "no secret in the environment");
            assert.ok(resources.find((r) => r.name === "kafka-bootstrap")!.inputs.spec.ports.some((p: any) => p.port === 9094));
        });

        it("keeps a CLUSTER_ID generated once (stored in state)", () => {
            const id = resources.find((r) => r.type === "random:index/randomId:RandomId");
            assert.strictEqual(id?.inputs.byteLength, 16);
        });
    });

    it("dev runs one combined node with replication 1", async () => {
        const resources = await clusterOf("dev");
        const sets = ofType(resources, "kubernetes:apps/v1:StatefulSet");
        assert.strictEqual(sets.length, 1);
        assert.strictEqual(sets[0].inputs.spec.replicas, 1);
        const p = parseProperties(resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap")!.inputs.data["server.properties"]);
        assert.strictEqual(p["process.roles"], "broker,controller");
        assert.strictEqual(p["default.replication.factor"], "1");
        assert.ok(!p.listeners.includes("CLIENT"), "no TLS listener in dev");
        assert.strictEqual(ofType(resources, "kubernetes:cert-manager.io/v1:Certificate").length, 0);
    });

    describe("image scripts", () => {
        it("kafka-start derives node.id from the pod ordinal, fills the advertised host and formats once", () => {
            const dir = tempDir("kafka-start");
            const home = path.join(dir, "kafka");
            fs.mkdirSync(path.join(home, "bin"), { recursive: true });
            for (const tool of ["kafka-storage.sh", "kafka-server-start.sh"]) {
                fs.writeFileSync(path.join(home, "bin", tool), `#!/bin/sh\necho "${tool} $*" >> ${dir}/calls\n`, { mode: 0o755 });
            }
            const template = path.join(dir, "server.properties");
            fs.writeFileSync(template, `node.id=@NODE_ID@\nadvertised.listeners=INTERNAL://@POD_NAME@.kafka-brokers:9092\nlog.dirs=${dir}/data/logs\n`);
            const runtime = path.join(dir, "runtime.properties");
            const result = spawnSync(path.join(PROJECT_DIR, "images", "kafka", "bin", "kafka-start"), [], {
                env: { PATH: process.env.PATH, POD_NAME: "kafka-broker-2", NODE_ID_OFFSET: "100", CLUSTER_ID: "abc", KAFKA_HOME: home, KAFKA_PROPERTIES: template, KAFKA_RUNTIME_PROPERTIES: runtime },
                encoding: "utf8",
            });
            assert.strictEqual(result.status, 0, result.stderr);
            assert.deepStrictEqual(parseProperties(fs.readFileSync(runtime, "utf8")), {
                "node.id": "102",
                "advertised.listeners": "INTERNAL://kafka-broker-2.kafka-brokers:9092",
                "log.dirs": `${dir}/data/logs`,
            });
            assert.ok(fs.existsSync(`${dir}/data/logs`));
            assert.deepStrictEqual(fs.readFileSync(`${dir}/calls`, "utf8").trim().split("\n"), [
                `kafka-storage.sh format --ignore-formatted --cluster-id=abc --config ${runtime}`,
                `kafka-server-start.sh ${runtime}`,
            ]);
        });

        it("kafka-start leaves ${dir:...} references for the broker to resolve: no secret passes through the start script", () => {
            const dir = tempDir("kafka-start-tls");
            const home = path.join(dir, "kafka");
            fs.mkdirSync(path.join(home, "bin"), { recursive: true });
            for (const tool of ["kafka-storage.sh", "kafka-server-start.sh"]) fs.writeFileSync(path.join(home, "bin", tool), "#!/bin/sh\n", { mode: 0o755 });
            const template = path.join(dir, "server.properties");
            fs.writeFileSync(template, `listener.name.client.ssl.keystore.password=\${dir:/etc/kafka/keystore-password:password}\nlog.dirs=${dir}/logs\n`);
            const runtime = path.join(dir, "runtime.properties");
            const env = { PATH: process.env.PATH, POD_NAME: "kafka-broker-0", CLUSTER_ID: "abc", KAFKA_HOME: home, KAFKA_PROPERTIES: template, KAFKA_RUNTIME_PROPERTIES: runtime };
            const started = spawnSync(path.join(PROJECT_DIR, "images", "kafka", "bin", "kafka-start"), [], { env, encoding: "utf8" });
            assert.strictEqual(started.status, 0, started.stderr);
            assert.strictEqual(parseProperties(fs.readFileSync(runtime, "utf8"))["listener.name.client.ssl.keystore.password"], "${dir:/etc/kafka/keystore-password:password}");
        });

        it("the topics script creates, grows and configures every declared topic", () => {
            const script = topicsScript(
                [
                    { name: "a.b", partitions: 6, retentionMs: 604800000, cleanupPolicy: "delete" },
                    { name: "c", partitions: 1, replicationFactor: 3, retentionMs: -1, cleanupPolicy: "compact,delete" },
                ],
                3,
            );
            assert.match(script, /^ensure_topic 'a\.b' 6 3 'cleanup\.policy=delete,retention\.ms=604800000'$/m);
            assert.match(script, /^ensure_topic 'c' 1 3 'cleanup\.policy=\[compact,delete\],retention\.ms=-1'$/m);
            assert.strictEqual(spawnSync("bash", ["-n", "-c", script]).status, 0, "valid bash");
        });
    });
});
