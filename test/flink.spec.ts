// Flink: config.yaml (pure), the state settings the config refuses, the image's pinned plugins, and
// what each stack's plan deploys for it. A real Flink (a MiniCluster of flink-runtime 1.20.1 with
// the image's plugins) runs the same config.yaml in e2e/flink.spec.ts.
import * as assert from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { FLINK_PORTS, FLINK_VERSION, flinkConf, renderFlinkConf } from "../components/flink/flinkConf";
import { FLINK_NAMES, FLINK_RBAC } from "../components/flink/flinkCluster";
import { FLINK_IDENTITY } from "../components/flink/service";
import { dockerfileDownloads } from "../components/images/dockerfileDownloads";
import { identitiesOf, identityActions } from "../components/objectstore/identities";
import { resolveConfig } from "../config";
import { serviceScope } from "../platform/compose";
import { platformServices } from "../platform/services";
import { evaluatePod } from "../policy/lib/podSecurityStandards";
import { NetworkModel } from "./support/networkReach";
import { plannedObjects } from "./support/plan";
import { PROJECT_DIR, configProblems, rawConfigOf, withValues } from "./support/stacks";

const rejected = (stack: string, changes: Record<string, unknown>): string => configProblems(() => resolveConfig(withValues(rawConfigOf(stack), changes))).join("\n");
const S3 = { endpoint: "http://s3.platform-storage.svc.cluster.local:8333", region: "us-east-1", pathStyle: true };

describe("Flink", function () {
    this.timeout(300_000);

    describe("config.yaml (pure)", () => {
        const staging = resolveConfig(rawConfigOf("staging")).flink;
        const conf = (settings = staging) => yaml.load(renderFlinkConf(flinkConf({ settings, clusterId: "flink", namespace: "platform-engines", s3: S3 }))) as Record<string, unknown>;

        it("keeps checkpoints, savepoints and HA metadata on the object store, RocksDB incremental, and a cancelled job's last checkpoint", () => {
            const c = conf();
            assert.strictEqual(c["execution.checkpointing.dir"], "s3://flink/checkpoints");
            assert.strictEqual(c["execution.checkpointing.savepoint-dir"], "s3://flink/savepoints");
            assert.strictEqual(c["high-availability.type"], "kubernetes");
            assert.strictEqual(c["high-availability.storageDir"], "s3://flink/ha");
            assert.strictEqual(c["kubernetes.namespace"], "platform-engines");
            assert.strictEqual(c["high-availability.cluster-id"], c["kubernetes.cluster-id"], "HA paths under storageDir are the cluster's own");
            assert.strictEqual(c["state.backend.type"], "rocksdb");
            assert.strictEqual(c["execution.checkpointing.incremental"], true);
            assert.strictEqual(c["execution.checkpointing.externalized-checkpoint-retention"], "RETAIN_ON_CANCELLATION");
            assert.strictEqual(c["execution.checkpointing.interval"], "60 s");
        });

        it("sizes each process to its container's memory limit and fixes every port the NetworkPolicy names", () => {
            const c = conf();
            assert.strictEqual(c["jobmanager.memory.process.size"], "1024m");
            assert.strictEqual(c["taskmanager.memory.process.size"], "2048m");
            assert.strictEqual(c["taskmanager.numberOfTaskSlots"], staging.slotsPerTaskManager);
            assert.deepStrictEqual(
                [c["jobmanager.rpc.port"], c["blob.server.port"], c["rest.port"], c["taskmanager.rpc.port"], c["taskmanager.data.port"], c["metrics.reporter.prom.port"]],
                [FLINK_PORTS.rpc, FLINK_PORTS.blob, FLINK_PORTS.rest, FLINK_PORTS.taskRpc, FLINK_PORTS.data, FLINK_PORTS.metrics],
            );
        });

        it("carries no credentials (S3A reads the keys from the environment) and no HA keys without HA", () => {
            const text = renderFlinkConf(flinkConf({ settings: staging, clusterId: "flink", namespace: "platform-engines", s3: S3 }));
            assert.doesNotMatch(text, /access-key|secret-key|access\.key|secret\.key|password/i);
            const single = conf({ ...staging, jobManagers: 1, highAvailability: { ...staging.highAvailability, enabled: false } });
            assert.deepStrictEqual(Object.keys(single).filter((k) => k.startsWith("high-availability") || k.startsWith("kubernetes.")), []);
        });

        it("bakes the S3 file system and the Prometheus reporter of its own release into plugins/, pinned by checksum", () => {
            const dockerfile = fs.readFileSync(path.join(PROJECT_DIR, "images", "flink", "Dockerfile"), "utf8");
            assert.strictEqual(/^ARG FLINK_VERSION=(\S+)$/m.exec(dockerfile)?.[1], FLINK_VERSION, "the Dockerfile's FLINK_VERSION is flinkConf.ts'");
            assert.match(dockerfile, /^FROM flink:\$\{FLINK_VERSION\}-scala_2\.12-java17$/m);
            const downloads = dockerfileDownloads(dockerfile);
            assert.deepStrictEqual(
                downloads.map((d) => d.dest),
                [`/opt/flink/plugins/s3-fs-hadoop/flink-s3-fs-hadoop-${FLINK_VERSION}.jar`, `/opt/flink/plugins/metrics-prometheus/flink-metrics-prometheus-${FLINK_VERSION}.jar`],
            );
            for (const d of downloads) assert.match(d.url, new RegExp(`^https://repo1\\.maven\\.org/maven2/org/apache/flink/flink-[a-z0-9-]+/${FLINK_VERSION.replace(/\./g, "\\.")}/`));
        });
    });

    describe("config", () => {
        it("refuses Flink HA without an object store: a storage directory that is not s3:// on a bucket of the stack", () => {
            assert.match(rejected("staging", { flink: { highAvailability: { storageDir: "file:///opt/flink/ha" } } }), /flink\.highAvailability\.storageDir: got "file:\/\/\/opt\/flink\/ha"; allowed: an s3:\/\/<bucket>\/<path> URI on a bucket of objectStore\.buckets/);
            assert.match(rejected("staging", { flink: { highAvailability: { storageDir: "s3://elsewhere/ha" } } }), /flink\.highAvailability\.storageDir: got "s3:\/\/elsewhere\/ha"; allowed: an s3:\/\/ URI on a bucket of objectStore\.buckets \(lakehouse, backups, flink\), or add elsewhere to them/);
        });

        it("refuses checkpoints on a PVC (a mounted path) and savepoints off the object store", () => {
            assert.match(rejected("prod", { flink: { checkpoints: { dir: "file:///flink-checkpoints" } } }), /flink\.checkpoints\.dir: got "file:\/\/\/flink-checkpoints"; allowed: an s3:\/\/<bucket>\/<path> URI .*PersistentVolume shared by the JobManagers and TaskManagers is not durable state/);
            assert.match(rejected("dev", { flink: { enabled: true, checkpoints: { savepointsDir: "/mnt/savepoints" } } }), /flink\.checkpoints\.savepointsDir: got "\/mnt\/savepoints"/);
        });

        it("refuses a second JobManager without HA, and no standby or no HA outside dev", () => {
            assert.match(rejected("dev", { flink: { enabled: true, jobManagers: 2 } }), /flink\.jobManagers: got 2; allowed: 1, or flink\.highAvailability\.enabled true/);
            const staging = rejected("staging", { flink: { jobManagers: 1, highAvailability: { enabled: false } } });
            assert.match(staging, /flink\.highAvailability\.enabled: got false; allowed: true when environment is staging/);
            assert.match(staging, /flink\.jobManagers: got 1; allowed: at least 2 when environment is staging/);
        });

        it("refuses a process smaller than Flink runs in, a pause longer than the interval, and Flink without Nessie", () => {
            assert.match(rejected("staging", { flink: { taskManager: { limits: { memory: "1Gi" } } } }), /flink\.taskManager\.limits\.memory: got "1Gi"; allowed: at least 1536Mi/);
            assert.match(rejected("staging", { flink: { taskManager: { limits: { memory: "lots" } } } }), /flink\.taskManager\.limits\.memory: got "lots"/);
            assert.match(rejected("staging", { flink: { checkpoints: { minPauseSeconds: 120 } } }), /flink\.checkpoints\.minPauseSeconds: got 120; allowed: at most flink\.checkpoints\.intervalSeconds \(60\)/);
            assert.match(rejected("dev", { flink: { enabled: true }, nessie: { enabled: false }, trino: { enabled: false }, spark: { enabled: false } }), /flink\.enabled: got true; allowed: false, or nessie\.enabled true/);
        });
    });

    describe("the dev plan", () => {
        it("deploys no Flink (off by default in dev, its budget holds Trino)", () => {
            assert.deepStrictEqual(plannedObjects("dev").filter((o) => o.metadata?.labels?.["app.kubernetes.io/name"] === "flink").map((o) => `${o.kind}/${o.metadata.name}`), []);
        });
    });

    for (const stack of ["staging", "prod"]) {
        describe(`the ${stack} plan`, () => {
            const config = resolveConfig(rawConfigOf(stack));
            const engines = `${config.namespaces.prefix}-engines`;
            let objects: any[];
            const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === engines);
            before(() => {
                objects = plannedObjects(stack);
            });

            it(`runs ${config.flink.jobManagers} JobManagers (Kubernetes HA) and ${config.flink.taskManagers} TaskManagers of ${config.flink.slotsPerTaskManager} slots, each with a PDB`, () => {
                const jm = find("Deployment", FLINK_NAMES.jobmanager);
                const tm = find("Deployment", FLINK_NAMES.taskmanager);
                assert.strictEqual(jm.spec.replicas, config.flink.jobManagers);
                assert.strictEqual(tm.spec.replicas, config.flink.taskManagers);
                const conf = yaml.load(find("ConfigMap", FLINK_NAMES.config).data["config.yaml"]) as Record<string, unknown>;
                assert.strictEqual(conf["taskmanager.numberOfTaskSlots"], config.flink.slotsPerTaskManager);
                assert.strictEqual(conf["high-availability.type"], "kubernetes");
                for (const role of ["jobmanager", "taskmanager"] as const) assert.strictEqual(find("PodDisruptionBudget", FLINK_NAMES[role]).spec.maxUnavailable, 1);
                // With HA each JobManager publishes its own address as leader.
                const rpc = jm.spec.template.spec.containers[0].env.find((e: any) => e.name === "JOB_MANAGER_RPC_ADDRESS");
                assert.deepStrictEqual(rpc.valueFrom, { fieldRef: { fieldPath: "status.podIP" } });
            });

            it("copies the image's conf/ and the rendered config.yaml into an emptyDir before Flink starts, under restricted Pod Security", () => {
                for (const role of ["jobmanager", "taskmanager"] as const) {
                    const pod = find("Deployment", FLINK_NAMES[role]).spec.template;
                    const init = pod.spec.initContainers[0];
                    assert.match(init.command[2], /^cp \/opt\/flink\/conf\/\* \/conf\/ && cp \/rendered\/config\.yaml \/conf\/config\.yaml$/);
                    const flink = pod.spec.containers[0];
                    assert.deepStrictEqual(flink.args, [role]);
                    assert.ok(flink.volumeMounts.some((m: any) => m.name === "conf" && m.mountPath === "/opt/flink/conf" && !m.readOnly), "conf/ is the writable emptyDir");
                    assert.ok(pod.spec.volumes.find((v: any) => v.name === "conf").emptyDir);
                    assert.strictEqual(flink.securityContext.readOnlyRootFilesystem, true);
                    assert.deepStrictEqual(evaluatePod("restricted", pod.metadata, pod.spec), [], `${role}: restricted`);
                    assert.deepStrictEqual(
                        flink.env.filter((e: any) => e.name.startsWith("AWS_")).map((e: any) => e.valueFrom.secretKeyRef.name),
                        ["flink-s3", "flink-s3"],
                        "keys from the sealed flink-s3 Secret",
                    );
                }
                assert.ok(find("SealedSecret", FLINK_NAMES.s3));
            });

            it("binds the JobManagers and TaskManagers to exactly their ConfigMap verbs, and declares their tokens in the policy config", () => {
                for (const role of ["jobmanager", "taskmanager"] as const) {
                    assert.deepStrictEqual(find("Role", FLINK_NAMES[role]).rules, FLINK_RBAC[role].map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })));
                    assert.strictEqual(find("Deployment", FLINK_NAMES[role]).spec.template.spec.serviceAccountName, FLINK_NAMES[role]);
                }
                const policy = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "policy", "config", `${stack}.json`), "utf8"));
                const allowed = policy["service-account-token-automount"].exceptions.map((e: any) => `${e.kind}/${e.name}`);
                assert.ok(allowed.includes("Deployment/flink-jobmanager") && allowed.includes("Deployment/flink-taskmanager"));
            });

            it("keeps REST and the Web UI inside the cluster: a ClusterIP Service and no Ingress", () => {
                assert.strictEqual(find("Service", FLINK_NAMES.service).spec.type ?? "ClusterIP", "ClusterIP");
                const hosts = objects.filter((o) => o.kind === "Ingress").flatMap((o) => o.spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => p.backend.service.name)));
                assert.ok(!hosts.includes(FLINK_NAMES.service), "no Ingress routes to Flink");
            });

            it("has its own write identity on the flink and lakehouse buckets; Flink pods reach each other, the S3 gateways and Prometheus reaches 9249", () => {
                const needs = platformServices(config)(serviceScope(config)).flatMap((svc) => svc.parts.flatMap((p) => p.needs ?? []));
                const flink = identitiesOf(config.objectStore.buckets, config.objectStore.identities, needs).find((i) => i.name === FLINK_IDENTITY);
                assert.deepStrictEqual(identityActions(flink!), ["List:flink", "List:lakehouse", "Read:flink", "Read:lakehouse", "Write:flink", "Write:lakehouse"]);
                const network = new NetworkModel(objects);
                const pod = (o: any) => ({ namespace: o.metadata.namespace, labels: o.spec.template.metadata.labels });
                const jm = pod(find("Deployment", FLINK_NAMES.jobmanager));
                const tm = pod(find("Deployment", FLINK_NAMES.taskmanager));
                const s3 = pod(objects.find((o) => (o.kind === "Deployment" && o.metadata.name === "seaweedfs-s3") || (o.kind === "StatefulSet" && o.metadata.name === "seaweedfs")));
                assert.ok(network.allows(tm, jm, FLINK_PORTS.rpc) && network.allows(tm, jm, FLINK_PORTS.blob), "TaskManagers reach the JobManagers");
                assert.ok(network.allows(tm, tm, FLINK_PORTS.data) && network.allows(jm, tm, FLINK_PORTS.taskRpc), "TaskManagers exchange data; the JobManager deploys tasks");
                assert.ok(network.allows(tm, s3, 8333) && network.allows(jm, s3, 8333), "both reach the S3 gateways");
                const scrape = find("NetworkPolicy", FLINK_NAMES.policy).spec.ingress.find((r: any) => r.ports.length === 1 && r.ports[0].port === FLINK_PORTS.metrics);
                assert.deepStrictEqual(scrape?.from.map((f: any) => f.podSelector.matchLabels["app.kubernetes.io/name"]), ["prometheus"], "only Prometheus is let in on 9249");
            });
        });
    }
});
