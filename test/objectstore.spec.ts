// The object store (issue: lakehouse storage): placement, identities and command lines as pure
// functions; what the config refuses, naming the key; and what the offline plans of dev, staging
// and prod deploy — SeaweedFS' topology per stack, least-privilege identities delivered sealed,
// backups on the platform's store in dev, and the NetworkPolicies between all of it.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { bucketNeed, grantActions, identitiesOf, identityActions, renderS3Identities } from "../components/objectstore/identities";
import { masterPeers, volumeGroups } from "../components/objectstore/objectStore";
import { ADDRESS_FLAGS, bucketInitScript, renderFilerToml, volumeArgs } from "../components/objectstore/seaweedfsCommands";
import { PlatformConfig, resolveConfig } from "../config";
import { placementCopies, placementShortfall } from "../config/objectStore";
import { NetworkModel } from "./support/networkReach";
import { tempDir } from "./support/tempdirs";
import { objectsOf, planOf, runPlan } from "./support/plan";
import { PROJECT_DIR, rawConfigOf, scratchProject, withValues, configProblems as problemsOf } from "./support/stacks";

const seaweedfs = (changes: Record<string, unknown>) => ({ objectStore: { seaweedfs: { ...changes } } });

describe("object storage (SeaweedFS)", function () {
    this.timeout(300_000);

    describe("replica placement xyz against the volume servers", () => {
        it("counts copies digit by digit: 000 one, 001 and 010 two, 011 three", () => {
            assert.deepStrictEqual(["000", "001", "010", "011"].map(placementCopies), [1, 2, 2, 3]);
        });

        it("holds 001 on 3 servers of one rack, 010 only with two zones or more, never another data center", () => {
            assert.strictEqual(placementShortfall("001", 3, 0), undefined);
            assert.strictEqual(placementShortfall("010", 6, 3), undefined);
            assert.match(placementShortfall("010", 3, 0)!, /010 needs 2 racks and the volume servers are 1/);
            assert.match(placementShortfall("002", 2, 0)!, /needs 3 volume servers in a rack and each rack has 2/);
            assert.match(placementShortfall("100", 9, 3)!, /one data center/);
        });
    });

    describe("identities", () => {
        it("gives a read grant Read and List on its bucket only, a write grant also Write, and nobody Admin or DeleteBucket", () => {
            assert.deepStrictEqual(grantActions({ bucket: "lakehouse", access: "read" }), ["Read:lakehouse", "List:lakehouse"]);
            assert.deepStrictEqual(grantActions({ bucket: "backups", access: "write" }), ["Read:backups", "List:backups", "Write:backups"]);
            const all = identityActions({ grants: [{ bucket: "a1b", access: "write" }, { bucket: "c2d", access: "read" }] });
            assert.ok(all.every((a) => /^(Read|List|Write):/.test(a)), all.join(","));
        });

        it("merges a service's needs into one identity (write wins) beside config's, and refuses an unknown bucket or a name clash, naming the key", () => {
            const needs = [bucketNeed("nessie", "lakehouse", "read"), bucketNeed("nessie", "lakehouse", "write"), bucketNeed("postgres-backups", "backups", "write")];
            const merged = identitiesOf(["lakehouse", "backups"], [{ name: "analyst", grants: [{ bucket: "lakehouse", access: "read" }] }], needs);
            assert.deepStrictEqual(merged.map((i) => [i.name, i.fromConfig, i.grants]), [
                ["analyst", true, [{ bucket: "lakehouse", access: "read" }]],
                ["nessie", false, [{ bucket: "lakehouse", access: "write" }]],
                ["postgres-backups", false, [{ bucket: "backups", access: "write" }]],
            ]);
            assert.throws(() => identitiesOf(["lakehouse"], [], [bucketNeed("nessie", "warehouse", "write")]), /objectStore.buckets: no bucket "warehouse" \(the nessie identity needs it\); allowed: one of lakehouse/);
            assert.throws(() => identitiesOf(["lakehouse"], [{ name: "nessie", grants: [{ bucket: "lakehouse", access: "read" }] }], [bucketNeed("nessie", "lakehouse", "write")]), /objectStore.identities\[0\].name: got "nessie"/);
        });

        it("renders SeaweedFS' identities file, and a file even without identities (a gateway without one lets everyone in)", () => {
            const file = JSON.parse(renderS3Identities([{ name: "nessie", accessKey: "AK", secretKey: "SK", actions: ["List:lakehouse", "Read:lakehouse", "Write:lakehouse"] }]));
            assert.deepStrictEqual(file, { identities: [{ name: "nessie", credentials: [{ accessKey: "AK", secretKey: "SK" }], actions: ["List:lakehouse", "Read:lakehouse", "Write:lakehouse"] }] });
            assert.deepStrictEqual(JSON.parse(renderS3Identities([])), { identities: [] });
        });
    });

    describe("command lines and files", () => {
        const staging = resolveConfig(rawConfigOf("staging")).objectStore.seaweedfs;
        const prod = resolveConfig(rawConfigOf("prod")).objectStore.seaweedfs;

        it("names every master under the headless Service, itself included", () => {
            assert.deepStrictEqual(masterPeers(staging), ["seaweedfs-master-0.seaweedfs-master:9333", "seaweedfs-master-1.seaweedfs-master:9333", "seaweedfs-master-2.seaweedfs-master:9333"]);
        });

        it("makes one volume StatefulSet per zone whose servers report the zone as their rack", () => {
            assert.deepStrictEqual(volumeGroups(prod), [
                { name: "seaweedfs-volume-eu-west-1a", replicas: 3, rack: "eu-west-1a", zone: "eu-west-1a" },
                { name: "seaweedfs-volume-eu-west-1b", replicas: 3, rack: "eu-west-1b", zone: "eu-west-1b" },
                { name: "seaweedfs-volume-eu-west-1c", replicas: 3, rack: "eu-west-1c", zone: "eu-west-1c" },
            ]);
            const args = volumeArgs(prod, { ip: "x", bind: "0.0.0.0", port: 8080, metricsPort: 9327 }, "/data", ["m:9333"], "eu-west-1b");
            assert.ok(args.includes("-rack=eu-west-1b") && args.includes("-dataCenter=dc1") && args.includes("-max=0") && args.includes("-minFreeSpace=5"), args.join(" "));
            assert.deepStrictEqual(args.filter((a) => a.startsWith("-") && !ADDRESS_FLAGS.includes(a.split("=")[0])).length, 6, "six settings flags that no loopback run may change");
        });

        it("enables exactly one filer store: postgres2 with the database's owner, or leveldb on the volume", () => {
            const pg = renderFilerToml({ kind: "postgres", host: "postgres.platform-storage.svc.cluster.local", port: 5432, database: "seaweedfs", username: "seaweedfs", password: 'p"w' });
            assert.strictEqual((pg.match(/^enabled = true$/gm) ?? []).length, 1);
            assert.match(pg, /^\[postgres2\]$/m);
            assert.match(pg, /^password = "p\\"w"$/m, "values are TOML strings");
            assert.match(renderFilerToml({ kind: "leveldb", dir: "/data/filerldb2" }), /^\[leveldb2\]\nenabled = true\ndir = "\/data\/filerldb2"\n$/);
        });

        it("creates missing buckets and never deletes one", () => {
            const script = bucketInitScript(["lakehouse", "backups"], "seaweedfs-master:9333", "seaweedfs-filer:8888");
            assert.match(script, /s3\.bucket\.create -name \$bucket/);
            assert.doesNotMatch(script, /delete/);
        });

        it("retries a weed shell command while the masters' raft has no leader, and gives up after the attempts", () => {
            // A stand-in weed that answers as a master mid-election for its first calls, then lists
            // nothing and accepts creates; the script runs under the real sh with sleep stubbed.
            const run = (refusals: number, attempts: number) => {
                const dir = tempDir("bucket-init");
                fs.writeFileSync(path.join(dir, "calls"), "0");
                const fake = [
                    "#!/bin/sh",
                    `n=$(($(cat ${dir}/calls) + 1)); echo $n > ${dir}/calls`,
                    `cmd=$(cat); echo "$cmd" >> ${dir}/commands`,
                    `if [ $n -le ${refusals} ]; then echo "error: rpc error: code = Unknown desc = raft.Server: Not current leader"; exit 0; fi`,
                    'case "$cmd" in s3.bucket.list) [ -f ' + dir + '/created ] && cat ' + dir + '/created ;; "s3.bucket.create -name "*) echo "${cmd#s3.bucket.create -name }" >> ' + dir + "/created ;; esac",
                ].join("\n");
                fs.writeFileSync(path.join(dir, "weed"), fake, { mode: 0o755 });
                fs.writeFileSync(path.join(dir, "sleep"), "#!/bin/sh\n", { mode: 0o755 });
                const result = spawnSync("sh", ["-c", bucketInitScript(["lakehouse", "backups"], "m:9333", "f:8888", attempts)], {
                    encoding: "utf8",
                    env: { PATH: `${dir}:${process.env.PATH}` },
                });
                return { status: result.status, output: result.stdout + result.stderr, calls: Number(fs.readFileSync(path.join(dir, "calls"), "utf8")) };
            };
            const settled = run(3, 20);
            assert.strictEqual(settled.status, 0, settled.output);
            assert.match(settled.output, /no raft leader yet \(attempt 3\): s3\.bucket\.list/);
            assert.match(settled.output, /bucket lakehouse created\nbucket backups created/);
            assert.strictEqual(settled.calls, 3 + 1 + 2 + 1, "three refusals, then list, two creates and the final list");
            const never = run(100, 4);
            assert.strictEqual(never.status, 1, never.output);
            assert.match(never.output, /no raft leader after 4 attempts: s3\.bucket\.list/);
            assert.doesNotMatch(never.output, /created/);
        });
    });

    describe("what the config refuses, naming the key", () => {
        const dev = rawConfigOf("dev");
        const staging = rawConfigOf("staging");

        it("a replica placement that needs more volume servers, or zones, than configured", () => {
            assert.deepStrictEqual(problemsOf(() => resolveConfig(withValues(staging, seaweedfs({ replication: "010" })))), [
                'data-platform:objectStore.seaweedfs.replication: got "010"; allowed: a placement the volume servers can hold: 010 needs 2 racks and the volume servers are 1 (one per zone of objectStore.seaweedfs.zones, which lists none)',
            ]);
            assert.match(problemsOf(() => resolveConfig(withValues(staging, seaweedfs({ replication: "003" }))))[0], /003 needs 4 volume servers in a rack and each rack has 3/);
            assert.match(problemsOf(() => resolveConfig(withValues(staging, seaweedfs({ zones: ["a", "b"] }))))[0], /objectStore.seaweedfs.volumeServers: got 3; allowed: a multiple of the 2 zones/);
        });

        it("a single copy, a single server or fewer than three masters outside dev", () => {
            assert.match(problemsOf(() => resolveConfig(withValues(staging, seaweedfs({ replication: "000" }))))[0], /at least two copies \(001 or 010\) when environment is staging/);
            assert.match(problemsOf(() => resolveConfig(withValues(staging, seaweedfs({ topology: "single" }))))[0], /objectStore.seaweedfs.topology: got "single"; allowed: distributed when environment is staging/);
            assert.match(problemsOf(() => resolveConfig(withValues(staging, seaweedfs({ masters: 1 }))))[0], /objectStore.seaweedfs.masters: got 1; allowed: an odd number >= 3/);
        });

        it("a bucket grant naming an unknown bucket, and an identity with no grants", () => {
            const problems = problemsOf(() =>
                resolveConfig(withValues(dev, { objectStore: { identities: [{ name: "analyst", grants: [{ bucket: "warehouse", access: "read" }] }, { name: "nobody", grants: [] }] } })),
            );
            assert.deepStrictEqual(problems, [
                'data-platform:objectStore.identities[0].grants[0].bucket: got "warehouse"; allowed: one of objectStore.buckets: lakehouse, backups, flink',
                "data-platform:objectStore.identities[1].grants: got []; allowed: a non-empty list of { bucket, access }: an identity with no grants can do nothing",
            ]);
        });

        it("an external store without endpoint or credentials", () => {
            const problems = problemsOf(() => resolveConfig(withValues(dev, { objectStore: { kind: "external" } })));
            assert.deepStrictEqual(problems, [
                "data-platform:objectStore.external: got nothing; allowed: { endpoint, egressCidrs, pathStyle? } when objectStore.kind is external",
            ]);
            const noCredentials = problemsOf(() => resolveConfig(withValues(dev, { objectStore: { kind: "external", external: { endpoint: "https://s3.eu-west-1.amazonaws.com", egressCidrs: ["52.92.0.0/17"] } } })));
            assert.match(noCredentials[0], /^data-platform:objectStoreCredentials: not set; allowed: a JSON object/);
        });

        it("plaintext credentials, and secret ones without their keys (never echoing a value)", () => {
            const external = { objectStore: { kind: "external", external: { endpoint: "https://s3.eu-west-1.amazonaws.com", egressCidrs: ["52.92.0.0/17"] } } };
            const credentials = JSON.stringify({ "postgres-backups": { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s3cr3t-value" } });
            assert.deepStrictEqual(problemsOf(() => resolveConfig(withValues(dev, { ...external, objectStoreCredentials: credentials }))), [
                "data-platform:objectStoreCredentials is stored in plaintext; set it with `pulumi config set --secret objectStoreCredentials`",
            ]);
            const partial = problemsOf(() => resolveConfig(withValues(dev, { ...external, objectStoreCredentials: JSON.stringify({ nessie: { accessKeyId: "AKIAEXAMPLE" } }) }, ["objectStoreCredentials"])));
            assert.deepStrictEqual(partial, ["data-platform:objectStoreCredentials.nessie: secretAccessKey missing (value not shown: it is secret); allowed: " + partial[0].split("allowed: ")[1]]);
            assert.ok(!partial.join("").includes("AKIAEXAMPLE"));
            assert.deepStrictEqual(problemsOf(() => resolveConfig(withValues(dev, { ...external, objectStoreCredentials: credentials }, ["objectStoreCredentials"]))), []);
        });

        it("backups kept only in the platform's SeaweedFS outside dev, unless the risk is accepted", () => {
            const inCluster = { postgres: { backup: { target: "platform", bucket: "backups" } } };
            assert.deepStrictEqual(problemsOf(() => resolveConfig(withValues(staging, inCluster))), [
                'data-platform:postgres.backup.target: got "platform"; allowed: external when environment is staging: SeaweedFS keeps its filer metadata in this PostgreSQL, so backups kept only there are lost with it (set postgres.backup.acceptSameStoreRisk: true to accept that)',
            ]);
            const accepted = { postgres: { backup: { target: "platform", bucket: "backups", acceptSameStoreRisk: true } } };
            assert.deepStrictEqual(problemsOf(() => resolveConfig(withValues(staging, accepted))), []);
        });
    });

    describe("the plans", () => {
        const storage = "platform-storage";
        const find = (objects: any[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.namespace === storage && o.metadata.name === name);
        const args = (workload: any) => workload.spec.template.spec.containers[0].args as string[];
        const flag = (workload: any, name: string) => args(workload).find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);

        describe("dev: one weed server pod, and PostgreSQL's backups on it", () => {
            let objects: any[];
            before(() => {
                const plan = planOf("dev");
                assert.strictEqual(plan.code, 0, plan.stderr);
                objects = objectsOf(plan.outDir);
            });

            it("runs every role in one restricted pod on its volume, within 0.1 CPU / 0.25 GiB of requests", () => {
                const server = find(objects, "StatefulSet", "seaweedfs");
                assert.strictEqual(server.spec.replicas, 1);
                assert.deepStrictEqual(args(server).slice(0, 2), ["-logtostderr=true", "server"]);
                assert.ok(args(server).includes("-master.telemetry=false"));
                assert.strictEqual(flag(server, "-s3.config"), "/etc/seaweedfs-s3/s3.json");
                const pod = server.spec.template.spec;
                assert.deepStrictEqual([pod.securityContext.runAsUser, pod.securityContext.runAsGroup, pod.securityContext.fsGroup], [1000, 1000, 1000]);
                assert.strictEqual(pod.containers[0].securityContext.readOnlyRootFilesystem, true);
                assert.deepStrictEqual(pod.containers[0].volumeMounts.map((m: any) => m.mountPath).sort(), ["/data", "/etc/seaweedfs", "/etc/seaweedfs-s3", "/tmp"]);
                assert.deepStrictEqual(pod.containers[0].resources.requests, { cpu: "100m", memory: "256Mi" });
                assert.strictEqual(find(objects, "Service", "s3").spec.ports[0].port, 8333);
            });

            it("backs PostgreSQL up to the backups bucket through s3.<storage>.svc with its own sealed identity", () => {
                const daily = find(objects, "CronJob", "postgres-backup-daily");
                const env = daily.spec.jobTemplate.spec.template.spec.containers[0].env;
                const value = (name: string) => env.find((e: any) => e.name === name)?.value;
                assert.strictEqual(value("RCLONE_CONFIG_S3_ENDPOINT"), "http://s3.platform-storage.svc.cluster.local:8333");
                assert.strictEqual(value("BACKUP_DEST"), "s3:backups/dev/postgres");
                const secret = find(objects, "SealedSecret", "postgres-backup-s3");
                assert.deepStrictEqual(Object.keys(secret.spec.encryptedData).sort(), ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
                const network = new NetworkModel(objects);
                const backupPod = { namespace: storage, labels: daily.spec.jobTemplate.spec.template.metadata.labels };
                const server = { namespace: storage, labels: find(objects, "StatefulSet", "seaweedfs").spec.template.metadata.labels };
                assert.ok(network.allows(backupPod, server, 8333), "backup pods reach the S3 port");
                assert.ok(!network.allows(backupPod, server, 9333), "and nothing else of SeaweedFS");
                const api = { namespace: "platform-apps", labels: objects.find((o) => o.kind === "Deployment" && o.metadata.name === "sample-web").spec.template.metadata.labels };
                assert.ok(!network.allows(api, server, 8333), "a pod that was granted no bucket cannot reach S3");
            });

            it("creates the configured buckets with a Job after the server is up", () => {
                const job = objects.find((o) => o.kind === "Job" && o.metadata.labels["app.kubernetes.io/component"] === "bucket-init");
                assert.match(job.spec.template.spec.containers[0].command[2], /for bucket in lakehouse backups flink; do/);
            });
        });

        for (const stack of ["staging", "prod"]) {
            describe(`${stack}: masters, volume servers, filers on PostgreSQL and S3 gateways`, () => {
                let objects: any[];
                let config: PlatformConfig;
                before(() => {
                    const plan = planOf(stack);
                    assert.strictEqual(plan.code, 0, plan.stderr);
                    objects = objectsOf(plan.outDir);
                    config = resolveConfig(rawConfigOf(stack));
                });

                it("runs 3 raft masters with each other as peers, required apart, one down at a time", () => {
                    const masters = find(objects, "StatefulSet", "seaweedfs-master");
                    assert.strictEqual(masters.spec.replicas, 3);
                    assert.strictEqual(flag(masters, "-peers"), masterPeers(config.objectStore.seaweedfs).join(","));
                    assert.strictEqual(flag(masters, "-ip"), "$(POD_NAME).seaweedfs-master");
                    assert.ok(masters.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution);
                    assert.strictEqual(find(objects, "PodDisruptionBudget", "seaweedfs-master").spec.maxUnavailable, 1);
                    assert.strictEqual(find(objects, "Service", "seaweedfs-master").spec.publishNotReadyAddresses, true);
                });

                it("runs the volume servers of the placement, each StatefulSet selecting only its own pods", () => {
                    const sets = objects.filter((o) => o.kind === "StatefulSet" && o.metadata.name.startsWith("seaweedfs-volume"));
                    assert.strictEqual(sets.reduce((n, s) => n + s.spec.replicas, 0), config.objectStore.seaweedfs.volumeServers);
                    const selectors = sets.map((s) => JSON.stringify(s.spec.selector.matchLabels));
                    assert.strictEqual(new Set(selectors).size, sets.length);
                    for (const set of sets) {
                        const zone = set.spec.template.spec.affinity.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values[0];
                        assert.strictEqual(flag(set, "-rack"), zone ?? "rack1");
                    }
                    assert.strictEqual(flag(sets[0], "-master"), masterPeers(config.objectStore.seaweedfs).join(","));
                });

                it("keeps the filers stateless on the seaweedfs database, filer.toml sealed, and lets them reach PostgreSQL only", () => {
                    const filers = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "seaweedfs-filer");
                    assert.ok(filers.spec.replicas >= 2);
                    assert.ok(!filers.spec.template.spec.volumes.some((v: any) => v.persistentVolumeClaim));
                    assert.ok(find(objects, "SealedSecret", "seaweedfs-filer-config").spec.encryptedData["filer.toml"]);
                    assert.ok(find(objects, "SealedSecret", "postgres-db-seaweedfs"), "the database, declared through the contract");
                    const network = new NetworkModel(objects);
                    const filer = { namespace: storage, labels: filers.spec.template.metadata.labels };
                    const postgres = { namespace: storage, labels: find(objects, "StatefulSet", "postgres").spec.template.metadata.labels };
                    assert.ok(network.allows(filer, postgres, 5432));
                    const gateway = { namespace: storage, labels: objects.find((o) => o.kind === "Deployment" && o.metadata.name === "seaweedfs-s3").spec.template.metadata.labels };
                    assert.ok(!network.allows(gateway, postgres, 5432), "the gateways do not");
                    assert.ok(network.allows(gateway, filer, 18888) && network.allows(filer, { namespace: storage, labels: find(objects, "StatefulSet", "seaweedfs-master").spec.template.metadata.labels }, 19333));
                });

                it("serves S3 from at least 2 gateways that roll when the identities change", () => {
                    const gateways = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "seaweedfs-s3");
                    assert.ok(gateways.spec.replicas >= 2);
                    assert.match(gateways.spec.template.metadata.annotations["data-platform/identities"], /^[0-9a-f]{16}$/);
                    assert.ok(args(gateways).includes("-config=/etc/seaweedfs-s3/s3.json"));
                    assert.strictEqual(find(objects, "Service", "s3").spec.selector["app.kubernetes.io/component"], "gateway");
                });

                it("sends PostgreSQL's backups to the external S3, not to this store", () => {
                    const daily = find(objects, "CronJob", "postgres-backup-daily");
                    const endpoint = daily.spec.jobTemplate.spec.template.spec.containers[0].env.find((e: any) => e.name === "RCLONE_CONFIG_S3_ENDPOINT").value;
                    assert.strictEqual(endpoint, config.postgres.backup.external!.endpoint);
                });
            });
        }

        it("warns in the plan when a stack accepts keeping backups only in its own SeaweedFS", () => {
            const stack = yaml.load(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.staging.yaml"), "utf8")) as { config: Record<string, any> };
            const postgres = stack.config["data-platform:postgres"] ?? {};
            stack.config["data-platform:postgres"] = { ...postgres, backup: { target: "platform", bucket: "backups", acceptSameStoreRisk: true } };
            const plan = runPlan("staging", { stackDir: scratchProject({ staging: yaml.dump(stack) }) });
            assert.strictEqual(plan.code, 0, plan.stderr + plan.stdout);
            assert.match(plan.stdout + plan.stderr, /postgres\.backup\.acceptSameStoreRisk: PostgreSQL's backups are kept only in the platform's SeaweedFS/);
        });
    });
});
