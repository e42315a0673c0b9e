// The schema registry: its config (refused naming the key), the environment and secret file it
// runs with (pure), and what the plans deploy: its database declared on PostgreSQL, the password
// only in a sealed file, restricted Pod Security, and the network to PostgreSQL and from Prometheus.
import * as assert from "assert";
import { REGISTRY_PATHS, REGISTRY_PORTS, registryEnvironment, registrySecretsFile } from "../components/registry/registryConfig";
import { REGISTRY_NAMES } from "../components/registry/schemaRegistry";
import { REGISTRY_DATABASE } from "../components/registry/service";
import { resolveConfig } from "../config";
import { evaluatePod } from "../policy/lib/podSecurityStandards";
import { NetworkModel } from "./support/networkReach";
import { plannedObjects } from "./support/plan";
import { configProblems, rawConfigOf, withValues } from "./support/stacks";

const rejected = (stack: string, changes: Record<string, unknown>): string => configProblems(() => resolveConfig(withValues(rawConfigOf(stack), changes))).join("\n");

describe("schema registry (Apicurio Registry 3)", function () {
    this.timeout(300_000);

    describe("config", () => {
        it("is off in dev and on with two replicas in staging and prod", () => {
            assert.strictEqual(resolveConfig(rawConfigOf("dev")).schemaRegistry.enabled, false);
            for (const stack of ["staging", "prod"]) assert.deepStrictEqual([resolveConfig(rawConfigOf(stack)).schemaRegistry.enabled, resolveConfig(rawConfigOf(stack)).schemaRegistry.replicas], [true, 2], stack);
        });

        it("refuses a single replica outside dev, and the registry without PostgreSQL, naming the key", () => {
            assert.match(rejected("prod", { schemaRegistry: { replicas: 1 } }), /schemaRegistry\.replicas: got 1; allowed: at least 2 when environment is prod/);
            assert.match(rejected("staging", { postgres: { enabled: false }, connect: { enabled: false } }), /schemaRegistry\.enabled: got true; allowed: false, or postgres\.enabled true/);
        });
    });

    describe("its environment and secret file (pure)", () => {
        const env = registryEnvironment({ host: "postgres.platform-storage.svc.cluster.local", port: 5432, name: "registry", user: "registry" });

        it("keeps its storage in PostgreSQL with a pool a shared server can afford", () => {
            assert.deepStrictEqual([env.APICURIO_STORAGE_KIND, env.APICURIO_STORAGE_SQL_KIND, env.APICURIO_DATASOURCE_URL], ["sql", "postgresql", "jdbc:postgresql://postgres.platform-storage.svc.cluster.local:5432/registry"]);
            assert.ok(Number(env.APICURIO_DATASOURCE_JDBC_MAX_SIZE) <= 10, "Apicurio's default pool is up to 100 connections per replica");
        });

        it("reads its password from a file (quarkus.config.locations), never from the environment", () => {
            assert.strictEqual(env.QUARKUS_CONFIG_LOCATIONS, `file:${REGISTRY_PATHS.secretsFile}`);
            assert.ok(!Object.keys(env).some((k) => /PASSWORD/.test(k)));
            assert.match(registrySecretsFile("s3cret"), /^apicurio\.datasource\.password=s3cret$/m);
        });
    });

    for (const stack of ["staging", "prod"]) {
        describe(`what the ${stack} plan deploys`, () => {
            let objects: any[];
            const find = (kind: string, name: string, namespace?: string) => objects.find((o) => o.kind === kind && o.metadata.name === name && (!namespace || o.metadata.namespace === namespace));
            before(() => {
                objects = plannedObjects(stack);
            });

            it("runs replicas across nodes under restricted Pod Security, probed on the management port, inside the cluster only", () => {
                const registry = find("Deployment", REGISTRY_NAMES.registry);
                const pod = registry.spec.template;
                assert.strictEqual(registry.spec.replicas, 2);
                assert.deepStrictEqual(evaluatePod("restricted", pod.metadata, pod.spec), []);
                const container = pod.spec.containers[0];
                assert.strictEqual(container.securityContext.readOnlyRootFilesystem, true);
                assert.deepStrictEqual([container.readinessProbe.httpGet.path, container.readinessProbe.httpGet.port], ["/health/ready", "management"]);
                assert.ok(pod.spec.volumes.find((v: any) => v.name === "tmp").emptyDir);
                assert.ok(!container.env.some((e: any) => /PASSWORD/.test(e.name)), "no password in the environment");
                assert.ok(find("SealedSecret", REGISTRY_NAMES.secrets), "the password file is sealed");
                assert.strictEqual(find("PodDisruptionBudget", REGISTRY_NAMES.registry).spec.maxUnavailable, 1);
                const routed = objects.filter((o) => o.kind === "Ingress").flatMap((o) => o.spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => p.backend.service.name)));
                assert.ok(!routed.includes(REGISTRY_NAMES.registry));
            });

            it("has its database declared on PostgreSQL, reaches the primary, and lets Prometheus in on the management port only", () => {
                const sql = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "postgres-settings").data["databases.sql"];
                assert.match(sql, new RegExp(`create database %I owner %I', '${REGISTRY_DATABASE.name}', '${REGISTRY_DATABASE.owner}'`));
                const network = new NetworkModel(objects);
                const podOf = (o: any) => ({ namespace: o.metadata.namespace, labels: o.spec.template.metadata.labels });
                const registry = podOf(find("Deployment", REGISTRY_NAMES.registry));
                const primary = { namespace: "platform-storage", labels: { ...find("StatefulSet", "postgres").spec.template.metadata.labels, role: "primary" } };
                assert.ok(network.allows(registry, primary, 5432));
                const ingress = find("NetworkPolicy", REGISTRY_NAMES.registry).spec.ingress;
                assert.deepStrictEqual(ingress.map((r: any) => r.ports.map((p: any) => p.port)), [[REGISTRY_PORTS.management]]);
            });
        });
    }
});
