// Flink for real with the staging rendering: the config.yaml the program renders (only the S3
// endpoint differs from the staging plan's ConfigMap, and the test checks that) is read back key
// by key through Flink 1.20.1's typed ConfigOptions, then runs a stateful job in a MiniCluster
// (flink-runtime, flink-streaming-java, flink-clients from Maven Central; the image's S3 file
// system and Prometheus reporter, fetched by the Dockerfile's URLs and checksums, as its plugins)
// that checkpoints into the flink bucket of a real SeaweedFS as Flink's own identity, and restores
// from that checkpoint; then Kubernetes HA against a local control plane as the flink-jobmanager
// ServiceAccount with the plan's Role. The check program is e2e/flink (Java; README there).
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as yaml from "js-yaml";
import * as path from "path";
import { FLINK_VERSION, flinkConf, renderFlinkConf } from "../components/flink/flinkConf";
import { FLINK_NAMES } from "../components/flink/flinkCluster";
import { FLINK_METRIC_SOURCES } from "../components/flink/monitoring";
import { FLINK_IDENTITY } from "../components/flink/service";
import { dockerfileDownloads } from "../components/images/dockerfileDownloads";
import { seriesNames } from "../components/observability/metrics";
import { bucketInitScript } from "../components/objectstore/seaweedfsCommands";
import { resolveConfig } from "../config";
import { plannedObjects } from "../test/support/plan";
import { PROJECT_DIR, rawConfigOf } from "../test/support/stacks";
import { tempDir } from "../test/support/tempdirs";
import { identitiesFile, s3, stackIdentities } from "./objectstore/helpers";
import { LocalStore, port, shellAddresses, startSingle } from "./objectstore/localStore";
import { ControlPlane, startControlPlane } from "./support/controlPlane";
import { fetchVerified } from "./support/dockerfile";
import { Figures, seconds } from "./support/figures";
import { exportedNames } from "./support/metrics";

const CHECK = path.join(PROJECT_DIR, "e2e", "flink");
const DOCKERFILE = path.join(PROJECT_DIR, "images", "flink", "Dockerfile");
/** Keys whose values are addresses: the local run changes them in the file. */
const LOCAL_KEYS = ["s3.endpoint"];

/** The MiniCluster's differences, given on its command line (not in the file), each for a reason. */
const miniClusterOverrides = (ports: { rest: number; blob: number; metrics: number }) => [
    // The MiniCluster would create the Kubernetes HA services and look for an API server.
    "high-availability.type=NONE",
    // Free loopback ports instead of the pods' fixed ones.
    `rest.port=${ports.rest}`,
    `blob.server.port=${ports.blob}`,
    `metrics.reporter.prom.port=${ports.metrics}`,
    "rest.bind-address=127.0.0.1",
    "jobmanager.bind-host=127.0.0.1",
    "taskmanager.bind-host=127.0.0.1",
    // Checkpoints every 2 s instead of every minute, so a test sees several.
    "execution.checkpointing.interval=2 s",
    "execution.checkpointing.min-pause=1 s",
];

interface Json {
    [key: string]: any;
}
const jsonLines = (text: string): Json[] => text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));

describe("Flink on real processes with the staging rendering", function () {
    this.timeout(1_200_000);
    const config = resolveConfig(rawConfigOf("staging"));
    const keyed = stackIdentities(config);
    const own = keyed.find((k) => k.identity.name === FLINK_IDENTITY)!;
    const figures = new Figures("Flink e2e", "flink e2e: ");
    const report = figures.report;
    let store: LocalStore;
    let s3Endpoint = "";
    let confDir = "";
    let conf = "";
    let classpath = "";
    let pluginsDir = "";
    let run: Json = {};
    let scratch = "";
    let controlPlane: ControlPlane | undefined;

    /** The check program's command line: `<mode> <confDir> <args…>` with its scratch directories. */
    const javaArgs = (args: string[], dir: string) => ["-Xmx768m", `-Djava.io.tmpdir=${scratch}`, `-Dhadoop.tmp.dir=${scratch}/hadoop`, "-cp", classpath, "e2e.FlinkCheck", args[0], dir, ...args.slice(1)];
    /** As a pod's environment gives it: the plugins root and Flink's own S3 keys, nothing else. */
    const javaEnv = () => ({ PATH: process.env.PATH, HOME: os.homedir(), FLINK_PLUGINS_DIR: pluginsDir, AWS_ACCESS_KEY_ID: own.accessKey, AWS_SECRET_ACCESS_KEY: own.secretKey, AWS_REGION: config.objectStore.region });
    /** Runs the check program; returns its exit status, JSON lines and stderr. */
    const check = (args: string[], dir = confDir) => {
        const result = spawnSync("java", javaArgs(args, dir), {
            encoding: "utf8",
            env: javaEnv(),
            timeout: 600_000,
            maxBuffer: 64 * 2 ** 20,
        });
        return { status: result.status, lines: jsonLines(result.stdout ?? ""), stderr: result.stderr ?? "" };
    };
    /** The check program in the background, calling `watch` every second until it exits (what only exists while it runs). */
    const checkWatching = (args: string[], watch: () => void): Promise<{ status: number | null; lines: Json[]; stderr: string }> =>
        new Promise((resolve) => {
            const child = spawn("java", javaArgs(args, confDir), { env: javaEnv() });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d) => (stdout += d));
            child.stderr.on("data", (d) => (stderr += d));
            const timer = setInterval(watch, 1000);
            // The program bounds its own waits (300 s for checkpoints, 60 s for the shutdown); this is the backstop.
            const kill = setTimeout(() => child.kill("SIGKILL"), 480_000);
            child.on("exit", (status) => {
                clearInterval(timer);
                clearTimeout(kill);
                resolve({ status, lines: jsonLines(stdout), stderr });
            });
        });

    before(async function () {
        const started = Date.now();
        // The check program and its classpath (flink-runtime & co. from Maven Central, cached in ~/.m2).
        const build = spawnSync("mvn", ["-q", "-B", "-Dstyle.color=never", "-f", path.join(CHECK, "pom.xml"), "package", "dependency:copy-dependencies"], { encoding: "utf8", timeout: 900_000 });
        assert.strictEqual(build.status, 0, `mvn: ${build.stdout}${build.stderr}`);
        classpath = `${path.join(CHECK, "target", "flink-check-0.jar")}:${path.join(CHECK, "target", "lib")}/*`;
        report(`check program built (mvn, flink-runtime ${FLINK_VERSION}): ${seconds(Date.now() - started)}`);
        // The image's plugins: the Dockerfile's own downloads, verified, laid out as under /opt/flink/plugins.
        const downloads = dockerfileDownloads(fs.readFileSync(DOCKERFILE, "utf8"));
        const files = await fetchVerified(downloads, path.join(os.homedir(), ".cache", "data-platform-e2e", "flink-image-jars"));
        pluginsDir = tempDir("flink-plugins");
        downloads.forEach((d, i) => {
            const relative = path.relative("/opt/flink/plugins", d.dest);
            assert.ok(!relative.startsWith(".."), `${d.dest} is a plugin`);
            fs.mkdirSync(path.dirname(path.join(pluginsDir, relative)), { recursive: true });
            fs.copyFileSync(files[i], path.join(pluginsDir, relative));
        });
        report(`the image's plugins, fetched and checksum-verified: ${downloads.map((d) => path.relative("/opt/flink/plugins", d.dest)).join(", ")}`);
        // One weed server with the staging identities and buckets.
        store = LocalStore.create("flink-store");
        const server = await startSingle(store, resolveConfig(rawConfigOf("dev")).objectStore.seaweedfs, identitiesFile(keyed));
        await store.waitReady([server]);
        s3Endpoint = `http://127.0.0.1:${server.port}`;
        const { master, filer } = shellAddresses(store);
        const init = store.shell(bucketInitScript(config.objectStore.buckets, master, filer));
        assert.strictEqual(init.status, 0, init.output);
        scratch = tempDir("flink-scratch");
        confDir = path.join(tempDir("flink-conf"), "conf");
        fs.mkdirSync(confDir);
        conf = renderFlinkConf(flinkConf({ settings: config.flink, clusterId: FLINK_NAMES.clusterId, namespace: `${config.namespaces.prefix}-engines`, s3: { endpoint: s3Endpoint, region: config.objectStore.region, pathStyle: true } }));
        fs.writeFileSync(path.join(confDir, "config.yaml"), conf);
        report(`SeaweedFS with the staging identities and buckets: ${seconds(Date.now() - started)} in all`);
    });

    after(async function () {
        if (this.currentTest?.state === "failed" && store) console.log(store.tails());
        await store?.stopAll();
        controlPlane?.stop();
        figures.print();
    });

    it("renders the staging plan's config.yaml, apart from the S3 endpoint", () => {
        const planned = plannedObjects("staging").find((o) => o.kind === "ConfigMap" && o.metadata.name === FLINK_NAMES.config).data["config.yaml"] as string;
        const entries = (text: string) => new Map(text.trim().split("\n").map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()] as [string, string]));
        const [local, staging] = [entries(conf), entries(planned)];
        assert.deepStrictEqual([...local.keys()], [...staging.keys()], "the same keys in the same order");
        const differing = [...local.keys()].filter((k) => local.get(k) !== staging.get(k));
        assert.deepStrictEqual(differing, LOCAL_KEYS);
    });

    it("reads every key back through Flink's typed ConfigOptions under its primary key, and fails on an unknown one", () => {
        const options = check(["options"]);
        assert.strictEqual(options.status, 0, options.stderr.slice(-3000) + JSON.stringify(options.lines.filter((l) => l.unknown || l.invalid)));
        const keys = conf.trim().split("\n").map((l) => l.slice(0, l.indexOf(":")));
        assert.deepStrictEqual(options.lines.map((l) => l.key).sort(), [...keys].sort(), "one line per rendered key");
        const stale = options.lines.filter((l) => l.deprecatedKey || l.deprecatedOption || l.unknown || l.invalid);
        assert.deepStrictEqual(stale, [], "no deprecated, unknown or invalid key");
        const value = (key: string) => options.lines.find((l) => l.key === key)!.value;
        // Typed values as Flink holds them.
        assert.strictEqual(value("execution.checkpointing.interval"), "PT1M");
        assert.strictEqual(value("execution.checkpointing.externalized-checkpoint-retention"), "RETAIN_ON_CANCELLATION");
        assert.strictEqual(value("taskmanager.memory.process.size"), "2 gb");
        report(`options: ${options.lines.length} keys, each a typed option under its primary key (${options.lines.filter((l) => l.owners?.some((o: string) => /^org\.apache\.hadoop|Constants/.test(o))).length} S3A keys checked against the plugin's Hadoop constants)`);

        const typo = path.join(tempDir("flink-typo"), "conf");
        fs.mkdirSync(typo);
        fs.writeFileSync(path.join(typo, "config.yaml"), `${conf}execution.checkpointing.intervall: 2 s\n`);
        const refused = check(["options"], typo);
        assert.strictEqual(refused.status, 2, refused.stderr.slice(-2000));
        assert.deepStrictEqual(refused.lines.filter((l) => l.unknown).map((l) => l.key), ["execution.checkpointing.intervall"]);
    });

    it("checkpoints a stateful job into the flink bucket as Flink's identity, with the rendered state settings", async () => {
        const ports = { rest: await port(), blob: await port(), metrics: await port() };
        const started = Date.now();
        const result = check(["run", "3", ...miniClusterOverrides(ports)]);
        assert.strictEqual(result.status, 0, result.stderr.slice(-4000) + JSON.stringify(result.lines));
        run = result.lines[result.lines.length - 1];
        assert.ok(run.completedCheckpoints >= 3, JSON.stringify(run));
        assert.strictEqual(run.failedCheckpointsBeforeCancel, 0, `no triggered checkpoint failed while the job ran: ${JSON.stringify(run)}`);
        assert.strictEqual(run.finalStatus, "CANCELED");
        assert.match(run.latestCheckpoint, new RegExp(`^s3://flink/checkpoints/${run.jobId}/chk-\\d+$`));
        const listed = s3(s3Endpoint, own, [{ op: "list", bucket: "flink" }])[0];
        const keys: string[] = listed.keys;
        const prefix = `checkpoints/${run.jobId}/`;
        const retained = [...new Set(keys.filter((k) => k.startsWith(prefix) && /\/chk-\d+\//.test(k)).map((k) => k.split("/")[2]))];
        assert.ok(keys.includes(`${run.latestCheckpoint.replace("s3://flink/", "")}/_metadata`), `the latest checkpoint's _metadata is in the bucket: ${keys.join(", ")}`);
        assert.ok(retained.length >= 1 && retained.length <= config.flink.checkpoints.retained, `at most ${config.flink.checkpoints.retained} checkpoints retained: ${retained.join(", ")}`);
        assert.ok(keys.some((k) => k.startsWith(`${prefix}shared/`)), "RocksDB's incremental files under shared/");
        // Nobody else's keys open Flink's state.
        const trino = keyed.find((k) => k.identity.name === "trino")!;
        assert.strictEqual(s3(s3Endpoint, trino, [{ op: "list", bucket: "flink" }])[0].status, 403);
        report(
            `run: ${run.completedCheckpoints} checkpoints completed (0 failed, ${run.refusedTriggersBeforeCancel} triggers refused before the tasks ran) in ${seconds(Date.now() - started)}; in s3://flink/${prefix}: ${retained.join(", ")} and ${keys.filter((k) => k.startsWith(`${prefix}shared/`)).length} shared files; source position ${run.position} at ${run.latestCheckpoint}`,
        );
    });

    it("serves every metric the alerts and the dashboard read on the Prometheus reporter", () => {
        const text = fs.readFileSync(path.join(path.dirname(confDir), "metrics.txt"), "utf8");
        const names = exportedNames(text);
        const wanted = FLINK_METRIC_SOURCES.flink.metrics.flatMap((m) => seriesNames(m));
        assert.deepStrictEqual(wanted.filter((n) => !names.has(n)), [], `exported: ${[...names].filter((n) => n.startsWith("flink_jobmanager")).join(", ")}`);
        report(`reporter: ${names.size} series names, all ${wanted.length} of the catalogue among them`);
    });

    it("restores a new run from the retained checkpoint: the source continues from its checkpointed position", async () => {
        assert.ok(run.latestCheckpoint, "the run left a checkpoint");
        const ports = { rest: await port(), blob: await port(), metrics: await port() };
        const started = Date.now();
        const result = check(["restore", run.latestCheckpoint, ...miniClusterOverrides(ports)]);
        assert.strictEqual(result.status, 0, result.stderr.slice(-4000) + JSON.stringify(result.lines));
        const restored = result.lines[result.lines.length - 1];
        assert.strictEqual(restored.restoredPosition, run.position, JSON.stringify(restored));
        assert.ok(restored.completedCheckpoints >= 1);
        report(`restore from ${run.latestCheckpoint}: position ${restored.restoredPosition} restored, a new checkpoint completed, in ${seconds(Date.now() - started)}`);
    });
    it("elects its leader on a real API server with only the flink-jobmanager Role, and keeps HA metadata in s3://flink/ha", async () => {
        controlPlane = startControlPlane();
        const engines = `${config.namespaces.prefix}-engines`;
        controlPlane.kubectl(["create", "namespace", engines]);
        // The plan's ServiceAccount, Role and RoleBinding of the JobManagers, as pulumi up creates them.
        const rbac = plannedObjects("staging").filter((o) => ["ServiceAccount", "Role", "RoleBinding"].includes(o.kind) && o.metadata.name === FLINK_NAMES.jobmanager && o.metadata.namespace === engines);
        assert.deepStrictEqual(rbac.map((o) => o.kind).sort(), ["Role", "RoleBinding", "ServiceAccount"]);
        controlPlane.kubectl(["apply", "-f", "-"], rbac.map((o) => yaml.dump(o)).join("---\n"));
        const account = controlPlane.serviceAccountKubeconfig(engines, FLINK_NAMES.jobmanager);
        const kubeconfig = path.join(tempDir("flink-kubeconfig"), "config");
        fs.writeFileSync(kubeconfig, account.text, { mode: 0o600 });
        const ports = { rest: await port(), blob: await port(), metrics: await port() };
        // Kubernetes HA stays on: the MiniCluster's JobManager services elect through the API server.
        const overrides = miniClusterOverrides(ports).filter((o) => !o.startsWith("high-availability.type=")).concat([`kubernetes.config.file=${kubeconfig}`, `kubernetes.context=${account.context}`]);
        const started = Date.now();
        // A MiniCluster removes its HA data when it shuts down: what it keeps is watched while it runs.
        const configMaps = new Map<string, Record<string, string>>();
        const haKeys = new Set<string>();
        const cp = controlPlane;
        let ticks = 0;
        const result = await checkWatching(["run", "2", ...overrides], () => {
            for (const c of cp.get(["-n", engines, "configmaps"]).items as any[]) if (c.metadata.name.startsWith(FLINK_NAMES.clusterId)) configMaps.set(c.metadata.name, { ...(c.metadata.annotations ?? {}), ...(c.data ?? {}) });
            if (ticks++ % 3 === 0) for (const k of s3(s3Endpoint, own, [{ op: "list", bucket: "flink" }])[0].keys as string[]) if (k.startsWith("ha/")) haKeys.add(k);
        });
        assert.strictEqual(result.status, 0, result.stderr.slice(-4000) + JSON.stringify(result.lines));
        const ha = result.lines[result.lines.length - 1];
        assert.ok(ha.completedCheckpoints >= 2, JSON.stringify(ha));
        const leader = configMaps.get(`${FLINK_NAMES.clusterId}-cluster-config-map`);
        assert.ok(leader, `the leader's ConfigMap while the cluster ran: ${[...configMaps.keys()].join(", ") || "none"}`);
        assert.ok(Object.keys(leader).some((k) => /leader/i.test(k)), `a leader record in it: ${Object.keys(leader).join(", ")}`);
        const jobGraphs = [...haKeys].filter((k) => k.startsWith(`ha/${FLINK_NAMES.clusterId}/submittedJobGraph`));
        assert.ok(jobGraphs.length > 0, `the job graph under s3://flink/ha/${FLINK_NAMES.clusterId}/ while the cluster ran: ${[...haKeys].join(", ")}`);
        // Deleting them at shutdown is reported, not asserted: a MiniCluster's shutdown with HA once hung in CI (bounded in FlinkCheck).
        const left = (controlPlane.get(["-n", engines, "configmaps"]).items as any[]).map((c) => c.metadata.name as string).filter((n) => n.startsWith(FLINK_NAMES.clusterId));
        report(`Kubernetes HA as flink-jobmanager: ${ha.completedCheckpoints} checkpoints in ${seconds(Date.now() - started)}; ConfigMaps while it ran: ${[...configMaps.keys()].join(", ")}; shutdown ${ha.shutdown}, ConfigMaps left: ${left.join(", ") || "none"}; ${haKeys.size} objects seen under s3://flink/ha (${[...new Set([...haKeys].map((k) => k.split("/").slice(0, 3).join("/")))].join(", ")})`);
    });
});
