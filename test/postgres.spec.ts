import * as assert from "assert";
import * as yaml from "js-yaml";
import { externalStoreEgress } from "../components/objectstore/grants";
import { PostgresBackups } from "../components/postgres/postgresBackups";
import { PatroniCluster, patroniRbacRules } from "../components/postgres/patroniCluster";
import { PATHS, PORTS, renderPatroniConfig, timingIsSafe } from "../components/postgres/patroniConfig";
import { encryptionLabel, unsealValue } from "../components/secrets/sealing";
import { LOAD_SECRET_FILES } from "../components/meta/secretFiles";
import { resolveConfig } from "../config";
import { MockedResource, ofType, settled, testSealingKey, useMocks } from "./support/mocks";
import { STACKS, rawConfigOf } from "./support/stacks";

const FIXTURE_KEY = require("fs").readFileSync(require("path").join(__dirname, "..", "scripts", "plan", "fixtures", "plan-only-sealing-key.pem"), "utf8");

/** Registers a PatroniCluster for a stack's config under mocks and returns what it created. */
async function clusterOf(stack: string): Promise<MockedResource[]> {
    const resources = useMocks(stack);
    const config = resolveConfig(rawConfigOf(stack));
    const cluster = new PatroniCluster("postgres", {
        namespace: "platform-storage",
        scope: "postgres",
        settings: config.postgres,
        image: "registry.example.com/patroni@sha256:" + "a".repeat(64),
        exporterImage: "registry.example.com/postgres-exporter@sha256:" + "b".repeat(64),
        apiServerCidrs: ["10.0.0.1/32"],
        strictSpread: stack !== "dev",
        protect: stack === "prod",
        sealingKey: testSealingKey(),
    });
    // Backups as the postgres service builds them on an external S3 (staging, prod).
    const backup = config.postgres.backup;
    if (backup.enabled && backup.external) {
        const external = backup.external;
        new PostgresBackups(
            "postgres-backups",
            {
                context: cluster.maintenanceContext,
                settings: backup,
                destination: { endpoint: external.endpoint, region: external.region, bucket: backup.bucket, prefix: backup.prefix, credentialsSecret: external.credentialsSecret },
                egress: [externalStoreEgress(external.endpoint, external.egressCidrs)],
                sealingKey: testSealingKey(),
            },
            { parent: cluster },
        );
    }
    await settled(cluster.primaryHost, ...cluster.databases.map((d) => d.secretName));
    return resources;
}

const one = (resources: MockedResource[], type: string, name: string) => {
    const found = resources.find((r) => r.type === type && r.name === name);
    assert.ok(found, `no ${type} ${name}`);
    return found.inputs;
};

describe("PostgreSQL HA (PatroniCluster)", () => {
    describe("prod", () => {
        let resources: MockedResource[] = [];
        let sts: any;
        let patroniYaml: any;
        before(async () => {
            resources = await clusterOf("prod");
            sts = one(resources, "kubernetes:apps/v1:StatefulSet", "postgres-members");
            patroniYaml = require("js-yaml").load(one(resources, "kubernetes:core/v1:ConfigMap", "postgres-settings").data["patroni.yml"]);
        });

        it("runs three members kept on different nodes, with volumes that outlive the StatefulSet", () => {
            assert.strictEqual(sts.spec.replicas, 3);
            const required = sts.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
            assert.deepStrictEqual(required[0].topologyKey, "kubernetes.io/hostname");
            assert.deepStrictEqual(required[0].labelSelector.matchLabels, sts.spec.selector.matchLabels);
            assert.deepStrictEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
            assert.strictEqual(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "100Gi");
        });

        it("replicates synchronously", () => {
            assert.strictEqual(patroniYaml.bootstrap.dcs.synchronous_mode, true);
            assert.strictEqual(patroniYaml.bootstrap.dcs.synchronous_node_count, 1);
        });

        it("primary and replica Services select exactly the labels Patroni puts on its pods", () => {
            const podLabels = sts.spec.template.metadata.labels;
            const k8s = patroniYaml.kubernetes;
            // Patroni lists its members by these labels and <scope_label>=<scope>: every member pod must carry them all.
            const memberSelector = { ...k8s.labels, [k8s.scope_label ?? "cluster-name"]: patroniYaml.scope };
            for (const [k, v] of Object.entries(memberSelector)) assert.strictEqual(podLabels[k], v, `pod lacks Patroni's member label ${k}=${v}`);
            const labelled = (role: string) => ({ ...podLabels, [k8s.role_label]: role });
            const primary = one(resources, "kubernetes:core/v1:Service", "postgres-primary").spec.selector;
            const replicas = one(resources, "kubernetes:core/v1:Service", "postgres-replicas").spec.selector;
            for (const [k, v] of Object.entries(primary)) assert.strictEqual(labelled(k8s.leader_label_value)[k], v, `primary selector ${k}`);
            for (const [k, v] of Object.entries(replicas)) assert.strictEqual(labelled(k8s.follower_label_value)[k], v, `replica selector ${k}`);
            assert.strictEqual(primary.role, "primary");
            assert.strictEqual(replicas.role, "replica");
            assert.strictEqual(k8s.use_endpoints, false, "ConfigMaps mode");
        });

        it("grants Patroni exactly the verbs of the ConfigMaps DCS", () => {
            const role = one(resources, "kubernetes:rbac.authorization.k8s.io/v1:Role", "postgres-role");
            assert.deepStrictEqual(role.rules, [
                { apiGroups: [""], resources: ["configmaps"], verbs: ["create", "get", "list", "patch", "update", "watch", "delete"] },
                { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "patch", "update", "watch"] },
            ]);
            assert.deepStrictEqual(role.rules, patroniRbacRules());
            assert.ok(!JSON.stringify(role.rules).includes("endpoints"));
        });

        it("probes Patroni's REST API on the port it listens on", () => {
            const patroni = sts.spec.template.spec.containers.find((c: any) => c.name === "patroni");
            const restPort = patroni.ports.find((p: any) => p.name === "patroni");
            assert.strictEqual(restPort.containerPort, PORTS.patroni);
            assert.strictEqual(patroniYaml.restapi.listen, `0.0.0.0:${PORTS.patroni}`);
            assert.deepStrictEqual(patroni.readinessProbe.httpGet, { path: "/readiness", port: "patroni" });
            assert.deepStrictEqual(patroni.livenessProbe.httpGet, { path: "/liveness", port: "patroni" });
        });

        it("delivers passwords only sealed, and to containers only as files of mounted Secrets", () => {
            assert.strictEqual(ofType(resources, "kubernetes:core/v1:Secret").length, 0, "no plain Secret");
            const sealed = ofType(resources, "kubernetes:bitnami.com/v1alpha1:SealedSecret");
            const unsealed = sealed.flatMap((s) =>
                Object.values(s.inputs.spec.encryptedData as Record<string, string>).map((v) =>
                    unsealValue(FIXTURE_KEY, v, encryptionLabel(s.inputs.metadata.namespace, s.inputs.metadata.name, "strict")),
                ),
            );
            const passwords = ofType(resources, "random:index/randomPassword:RandomPassword").map((r) => `password-of-${r.name}`);
            assert.ok(passwords.length >= 5 && passwords.every((p) => unsealed.some((v) => v.includes(p))), "every password is in a SealedSecret");
            for (const r of resources) {
                const text = JSON.stringify(r.inputs);
                for (const p of passwords) assert.ok(!text.includes(p), `${r.type} ${r.name} contains a password in plaintext`);
            }
            const workloads = [sts.spec.template, ...ofType(resources, "kubernetes:batch/v1:Job").map((j) => j.inputs.spec.template), ...ofType(resources, "kubernetes:batch/v1:CronJob").map((c) => c.inputs.spec.jobTemplate.spec.template)];
            for (const template of workloads) {
                const secretVolumes = new Map<string, any>((template.spec.volumes ?? []).filter((v: any) => v.projected || v.secret).map((v: any) => [v.name, v]));
                for (const c of template.spec.containers) {
                    for (const e of c.env ?? []) {
                        assert.ok(!e.valueFrom?.secretKeyRef, `${c.name}: ${e.name} comes from a Secret as an environment value`);
                        if (/PASS|SECRET|KEY_ID/.test(e.name)) {
                            // Each credential is a file of a mounted Secret, its path in <NAME>_FILE.
                            assert.match(e.name, /_FILE$/, `${c.name}: ${e.name}`);
                            const mount = (c.volumeMounts ?? []).find((m: any) => e.value.startsWith(`${m.mountPath}/`) && secretVolumes.has(m.name));
                            assert.ok(mount, `${c.name}: ${e.name}=${e.value} is not in a mounted Secret`);
                            const file = e.value.slice(mount.mountPath.length + 1);
                            const sources = secretVolumes.get(mount.name).projected?.sources ?? [];
                            assert.ok(sources.some((src: any) => src.secret?.items.some((i: any) => i.path === file)), `${c.name}: ${file} is not projected from a Secret`);
                        }
                    }
                }
            }
            // Patroni reads its passwords from credentials.yml, projected from the credentials Secret beside patroni.yml.
            const patroni = sts.spec.template.spec.containers.find((c: any) => c.name === "patroni");
            assert.deepStrictEqual(patroni.command, ["patroni", "/etc/patroni"]);
            const settings = sts.spec.template.spec.volumes.find((v: any) => v.name === "settings");
            assert.deepStrictEqual(settings.projected.sources.map((src: any) => (src.configMap ?? src.secret).items.map((i: any) => i.path)), [["patroni.yml"], ["credentials.yml"]]);
            assert.strictEqual(settings.projected.sources[1].secret.name, "postgres-credentials");
            const credentialsYaml = unsealed.find((v) => v.includes("authentication"));
            assert.ok(credentialsYaml, "credentials.yml is sealed");
            const credentials = yaml.load(credentialsYaml) as any;
            assert.deepStrictEqual(Object.keys(credentials.postgresql.authentication).sort(), ["replication", "rewind", "superuser"]);
            assert.ok(credentials.restapi.authentication.password.startsWith("password-of-"));
        });

        it("keeps PGDATA in a subdirectory of the volume", () => {
            const mount = sts.spec.template.spec.containers[0].volumeMounts.find((m: any) => m.name === "data");
            assert.strictEqual(patroniYaml.postgresql.data_dir, PATHS.dataDir);
            assert.ok(PATHS.dataDir.startsWith(mount.mountPath + "/"));
        });

        it("allows one member down at a time", () => {
            const pdb = one(resources, "kubernetes:policy/v1:PodDisruptionBudget", "postgres-pdb");
            assert.strictEqual(pdb.spec.maxUnavailable, 1);
            assert.deepStrictEqual(pdb.spec.selector.matchLabels, sts.spec.selector.matchLabels);
        });

        it("backs up daily, weekly and monthly with 30/90/365 days of retention", () => {
            const crons = ofType(resources, "kubernetes:batch/v1:CronJob").filter((c) => !c.inputs.spec.suspend);
            const retention = Object.fromEntries(
                crons.map((c) => {
                    const env = c.inputs.spec.jobTemplate.spec.template.spec.containers[0].env;
                    const get = (n: string) => env.find((e: any) => e.name === n).value;
                    return [get("BACKUP_TIER"), Number(get("RETENTION_DAYS"))];
                }),
            );
            assert.deepStrictEqual(retention, { daily: 30, weekly: 90, monthly: 365 });
            const restore = ofType(resources, "kubernetes:batch/v1:CronJob").find((c) => c.inputs.spec.suspend);
            assert.ok(restore, "a suspended restore template");
        });

        it("runs restricted: non-root, no privilege escalation, no capabilities, read-only root", () => {
            const pod = sts.spec.template.spec;
            assert.strictEqual(pod.securityContext.runAsNonRoot, true);
            assert.strictEqual(pod.securityContext.seccompProfile.type, "RuntimeDefault");
            for (const c of pod.containers) {
                assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false, c.name);
                assert.deepStrictEqual(c.securityContext.capabilities.drop, ["ALL"], c.name);
                assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true, c.name);
                assert.ok(c.resources.requests && c.resources.limits, c.name);
            }
            assert.ok(pod.containers.some((c: any) => c.name === "exporter" && c.ports[0].containerPort === PORTS.exporter), "postgres_exporter sidecar");
        });
    });

    describe("dev", () => {
        let resources: MockedResource[] = [];
        before(async () => {
            resources = await clusterOf("dev");
        });

        it("runs a single asynchronous member, without backups until object storage is configured", () => {
            const sts = one(resources, "kubernetes:apps/v1:StatefulSet", "postgres-members");
            assert.strictEqual(sts.spec.replicas, 1);
            const patroniYaml = require("js-yaml").load(one(resources, "kubernetes:core/v1:ConfigMap", "postgres-settings").data["patroni.yml"]);
            assert.strictEqual(patroniYaml.bootstrap.dcs.synchronous_mode, false);
            assert.strictEqual(ofType(resources, "kubernetes:batch/v1:CronJob").length, 0);
        });
    });

    for (const stack of STACKS) {
        it(`${stack}: Patroni's timing keeps loop_wait + 2 * retry_timeout <= ttl`, () => {
            const { postgres } = resolveConfig(rawConfigOf(stack));
            const dcs = renderPatroniConfig({ scope: "postgres", podLabels: {}, settings: postgres }).bootstrap as any;
            assert.ok(dcs.dcs.loop_wait + 2 * dcs.dcs.retry_timeout <= dcs.dcs.ttl);
            assert.ok(timingIsSafe(postgres.timing));
        });
    }

    it("refuses to render an unsafe timing", () => {
        const { postgres } = resolveConfig(rawConfigOf("dev"));
        assert.throws(() => renderPatroniConfig({ scope: "s", podLabels: {}, settings: { ...postgres, timing: { ttl: 20, loopWait: 10, retryTimeout: 10 } } }), /unsafe Patroni timing/);
    });
});

describe("restore procedure (scripts/pg-restore)", () => {
    it("turns the suspended restore template into a one-off Job for the chosen backup", async () => {
        const resources = await clusterOf("prod");
        const template = resources.find((r) => r.type === "kubernetes:batch/v1:CronJob" && r.inputs.spec.suspend)!.inputs;
        const { restoreJob } = await import("../components/postgres/backups");
        const job = restoreJob(template, "postgres-restore-1", "weekly", "20260105T024500Z", ["nessie", "keycloak"]);
        const env = Object.fromEntries(job.spec.template.spec.containers[0].env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
        assert.strictEqual(job.kind, "Job");
        assert.strictEqual(env.RESTORE_TIER, "weekly");
        assert.strictEqual(env.RESTORE_STAMP, "20260105T024500Z");
        assert.strictEqual(env.RESTORE_DATABASES, "nessie keycloak");
        assert.deepStrictEqual(job.spec.template.spec.containers[0].command, ["bash", "-ceu", `${LOAD_SECRET_FILES}\npg-restore-backup "$RESTORE_TIER" "$RESTORE_STAMP" $RESTORE_DATABASES`]);
        assert.throws(() => restoreJob(template, "x", "hourly", "latest", []), /tier must be one of daily, weekly, monthly/);
        assert.throws(() => restoreJob(template, "x", "daily", "yesterday", []), /stamp must be "latest"/);
    });
});
