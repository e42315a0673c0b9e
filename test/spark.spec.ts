// Spark: spark-defaults.conf and the pod templates (pure), the jobs config that is refused, and
// what the plan of each stack deploys for it. A real Spark runs with the same spark-defaults.conf
// and the maintenance job's arguments in e2e/lakehouse.spec.ts.
import * as assert from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { evaluatePod } from "../policy/lib/podSecurityStandards";
import { identitiesOf, identityActions } from "../components/objectstore/identities";
import { SPARK_IDENTITY } from "../components/spark/service";
import { podTemplate, renderSparkDefaults, sparkDefaults } from "../components/spark/sparkDefaults";
import { SPARK_NAMES, SPARK_RBAC, sparkJobName, sparkSubmitConf } from "../components/spark/sparkJobs";
import { sparkJvmMemoryMB } from "../components/spark/sparkResources";
import { resolveConfig } from "../config";
import { serviceScope } from "../platform/compose";
import { platformServices } from "../platform/services";
import { dockerfileDownloads } from "../components/images/dockerfileDownloads";
import { NetworkModel } from "./support/networkReach";
import { plannedObjects } from "./support/plan";
import { PROJECT_DIR, configProblems, rawConfigOf, withValues } from "./support/stacks";

const rejected = (stack: string, changes: Record<string, unknown>): string => configProblems(() => resolveConfig(withValues(rawConfigOf(stack), changes))).join("\n");

const RENDERING = {
    master: "k8s://https://kubernetes.default.svc",
    namespace: "platform-engines",
    image: "registry.example/spark:3.5.7",
    driverServiceAccount: "spark-driver",
    s3Secret: "spark-s3",
    catalog: { uri: "http://nessie.platform-engines.svc.cluster.local:19120/iceberg", warehouse: "warehouse", s3: { endpoint: "http://s3.platform-storage.svc.cluster.local:8333", region: "us-east-1", pathStyle: true } },
};

describe("Spark", function () {
    this.timeout(300_000);

    describe("spark-defaults.conf and pod templates (pure)", () => {
        it("sets every key once: native Kubernetes in cluster mode, the lakehouse catalog on Nessie's REST API with S3FileIO, the Prometheus servlet", () => {
            const text = renderSparkDefaults(sparkDefaults(RENDERING));
            const keys = text.trim().split("\n").map((l) => l.split(/\s+/)[0]);
            assert.strictEqual(new Set(keys).size, keys.length, "no key twice");
            const conf = new Map(text.trim().split("\n").map((l) => l.split(/\s+/, 2) as [string, string]));
            assert.strictEqual(conf.get("spark.submit.deployMode"), "cluster");
            assert.strictEqual(conf.get("spark.sql.catalog.lakehouse"), "org.apache.iceberg.spark.SparkCatalog");
            assert.strictEqual(conf.get("spark.sql.catalog.lakehouse.type"), "rest");
            assert.strictEqual(conf.get("spark.sql.catalog.lakehouse.io-impl"), "org.apache.iceberg.aws.s3.S3FileIO");
            assert.strictEqual(conf.get("spark.kubernetes.executor.secretKeyRef.AWS_SECRET_ACCESS_KEY"), "spark-s3:AWS_SECRET_ACCESS_KEY");
            assert.strictEqual(conf.get("spark.metrics.conf.*.sink.prometheusServlet.class"), "org.apache.spark.metrics.sink.PrometheusServlet");
        });

        it("renders driver and executor templates that pass restricted Pod Security, executors without a token", () => {
            for (const role of ["driver", "executor"] as const) {
                const pod = podTemplate({ role, labels: { "app.kubernetes.io/name": "spark" }, resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "2Gi" } }, tolerations: [{ key: "batch", operator: "Exists", effect: "NoSchedule" }] }) as any;
                assert.deepStrictEqual(evaluatePod("restricted", pod.metadata, pod.spec), [], `${role}: restricted`);
                assert.strictEqual(pod.spec.automountServiceAccountToken, role === "driver");
                assert.deepStrictEqual(pod.spec.tolerations, [{ key: "batch", operator: "Exists", effect: "NoSchedule" }]);
                assert.strictEqual(pod.spec.containers[0].name, `spark-kubernetes-${role}`);
            }
        });

        it("gives the JVM the memory limit less Spark's overhead (max(10%, 384 MiB))", () => {
            assert.strictEqual(sparkJvmMemoryMB("1Gi"), 640);
            assert.strictEqual(sparkJvmMemoryMB("8Gi"), 7447);
        });

        it("bakes only checksum-pinned jars from Maven Central into the image", () => {
            const downloads = dockerfileDownloads(fs.readFileSync(path.join(PROJECT_DIR, "images", "spark", "Dockerfile"), "utf8"));
            assert.deepStrictEqual(downloads.map((d) => path.basename(d.dest)), ["iceberg-spark-runtime-3.5_2.12.jar", "iceberg-aws-bundle.jar"]);
            for (const d of downloads) {
                assert.match(d.url, /^https:\/\/repo1\.maven\.org\/maven2\/org\/apache\/iceberg\/.*-1\.10\.1\.jar$/);
                assert.match(d.sha256, /^[0-9a-f]{64}$/);
            }
            assert.throws(() => dockerfileDownloads("ADD https://example.com/x.jar /x.jar\n"), /without --checksum/);
        });
    });

    describe("config", () => {
        it("refuses a job that names a catalog the platform does not configure", () => {
            assert.match(rejected("staging", { spark: { jobs: [{ name: "etl", application: "local:///opt/spark/jobs/etl.py", catalogs: ["warehouse"] }] } }), /spark\.jobs\[0\]\.catalogs\[0\]: got "warehouse"; allowed: one of lakehouse/);
        });
        it("refuses a jar without its main class, a bad schedule and two jobs of one name", () => {
            const problems = rejected("dev", {
                spark: { jobs: [{ name: "etl", application: "s3a://lakehouse/jobs/etl.jar", schedule: "daily" }, { name: "etl", application: "local:///opt/spark/jobs/etl.py" }] },
            });
            assert.match(problems, /spark\.jobs\[0\]\.mainClass: got nothing; allowed: the class to run/);
            assert.match(problems, /spark\.jobs\[0\]\.schedule: got "daily"; allowed: five cron fields/);
            assert.match(problems, /spark\.jobs\[1\]\.name: got "etl"; allowed: a name no other job has/);
        });
        it("refuses Spark without Nessie, and a Spark that is not 3.5", () => {
            assert.match(rejected("dev", { nessie: { enabled: false }, trino: { enabled: false } }), /spark\.enabled: got true; allowed: false, or nessie\.enabled true/);
            assert.match(rejected("dev", { spark: { version: "4.0.1" } }), /spark\.version: got "4\.0\.1"; allowed: a Spark 3\.5 release/);
        });
    });

    for (const stack of ["dev", "staging", "prod"]) {
        describe(`the ${stack} plan`, () => {
            const config = resolveConfig(rawConfigOf(stack));
            const engines = `${config.namespaces.prefix}-engines`;
            let objects: any[];
            const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === engines);
            before(() => {
                objects = plannedObjects(stack);
            });

            it("mounts spark-defaults.conf and the pod templates, and binds the submitters and drivers to exactly their verbs", () => {
                const conf = find("ConfigMap", SPARK_NAMES.conf).data;
                assert.deepStrictEqual(Object.keys(conf).sort(), ["driver.yaml", "executor.yaml", "spark-defaults.conf"]);
                for (const role of ["driver", "executor"] as const) {
                    const pod = yaml.load(conf[`${role}.yaml`]) as any;
                    assert.deepStrictEqual(evaluatePod("restricted", pod.metadata, pod.spec), [], `${role} template: restricted`);
                }
                for (const role of ["submitter", "driver"] as const) {
                    assert.deepStrictEqual(find("Role", SPARK_NAMES[role]).rules, SPARK_RBAC[role].map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })));
                    assert.strictEqual(find("RoleBinding", SPARK_NAMES[role]).subjects[0].name, SPARK_NAMES[role]);
                }
                assert.ok(find("SealedSecret", SPARK_NAMES.s3), "Spark's S3 keys, sealed");
            });

            it(`runs ${config.spark.jobs.length ? config.spark.jobs.map((j) => `${j.name} (${j.schedule ? "CronJob" : "Job"})`).join(", ") : "no job"} as spark-submit in cluster mode`, () => {
                for (const job of config.spark.jobs) {
                    const o = find(job.schedule ? "CronJob" : "Job", sparkJobName(job));
                    const pod = job.schedule ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
                    assert.strictEqual(pod.serviceAccountName, SPARK_NAMES.submitter);
                    const args: string[] = pod.containers[0].args;
                    assert.strictEqual(args[0], "/opt/spark/bin/spark-submit");
                    assert.ok(args.includes(job.application));
                    for (const [k, v] of sparkSubmitConf(job)) assert.ok(args.includes(`${k}=${v}`), `${k}=${v}`);
                    assert.deepStrictEqual(evaluatePod("restricted", {}, pod), [], "the submitting pod: restricted");
                }
                assert.strictEqual(objects.filter((o) => ["Job", "CronJob"].includes(o.kind) && o.metadata.name.startsWith("spark-")).length, config.spark.jobs.length);
            });

            it("has its own write identity on the warehouse; Spark pods reach Nessie, the S3 gateways and the API server", () => {
                const needs = platformServices(config)(serviceScope(config)).flatMap((svc) => svc.parts.flatMap((p) => p.needs ?? []));
                const spark = identitiesOf(config.objectStore.buckets, config.objectStore.identities, needs).find((i) => i.name === SPARK_IDENTITY);
                assert.deepStrictEqual(identityActions(spark!), ["List:lakehouse", "Read:lakehouse", "Write:lakehouse"]);
                const network = new NetworkModel(objects);
                const driver = { namespace: engines, labels: { "app.kubernetes.io/name": "spark", "spark-role": "driver" } };
                const executor = { namespace: engines, labels: { "app.kubernetes.io/name": "spark", "spark-role": "executor" } };
                const pod = (o: any) => ({ namespace: o.metadata.namespace, labels: o.spec.template.metadata.labels });
                const nessie = pod(find("Deployment", "nessie"));
                const s3 = pod(objects.find((o) => (o.kind === "Deployment" && o.metadata.name === "seaweedfs-s3") || (o.kind === "StatefulSet" && o.metadata.name === "seaweedfs")));
                assert.ok(network.allows(driver, nessie, 19120), "drivers reach Nessie");
                assert.ok(network.allows(executor, s3, 8333) && network.allows(driver, s3, 8333), "drivers and executors reach the S3 gateways");
                assert.ok(network.allows(executor, driver, 7078) && network.allows(driver, executor, 7079), "drivers and executors reach each other");
            });
        });
    }
});
