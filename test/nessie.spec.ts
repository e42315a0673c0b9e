// The Nessie catalog: its properties (pure), the config that is refused, and what the plan of each
// stack deploys for it. The real server runs with these properties in e2e/catalog.spec.ts.
import * as assert from "assert";
import { parseProperties as props } from "./support/properties";
import { NESSIE_AUDIENCE, NESSIE_PATHS, NESSIE_PORTS, nessieJvmOptions, renderNessieProperties, renderNessieSecrets } from "../components/nessie/nessieProperties";
import { issuer } from "../components/keycloak/keycloakConfig";
import { routeHost } from "../components/web/siteIngress";
import { NESSIE_DATABASE, NESSIE_IDENTITY } from "../components/nessie/service";
import { identitiesOf, identityActions } from "../components/objectstore/identities";
import { seaweedfsEndpoint } from "../components/objectstore/service";
import { serviceScope } from "../platform/compose";
import { platformServices } from "../platform/services";
import { resolveConfig } from "../config";
import { nessieHeapMB } from "../config/nessie";
import { NetworkModel } from "./support/networkReach";
import { objectsOf, planOf } from "./support/plan";
import { configProblems, rawConfigOf, withValues } from "./support/stacks";


/** The problems of a changed stack, one per line ("" when it is accepted). */
const rejected = (stack: string, changes: Record<string, unknown>): string => configProblems(() => resolveConfig(withValues(rawConfigOf(stack), changes))).join("\n");

describe("Nessie catalog", function () {
    this.timeout(300_000);

    describe("properties (pure)", () => {
        const rendering = {
            database: { host: "postgres.platform-storage.svc.cluster.local", port: 5432, name: "nessie", user: "nessie" },
            s3: { endpoint: "http://s3.platform-storage.svc.cluster.local:8333", region: "us-east-1", pathStyle: true },
            warehouse: { bucket: "lakehouse", prefix: "warehouse" },
            cacheCapacityMB: 256,
            secretsFile: "/run/secrets/nessie/secrets.properties",
        };

        it("keeps the version store in PostgreSQL (JDBC2) and the warehouse at s3://lakehouse/warehouse, with Nessie's own keys by reference", () => {
            const p = props(renderNessieProperties(rendering));
            assert.strictEqual(p["nessie.version.store.type"], "JDBC2");
            assert.strictEqual(p["quarkus.datasource.postgresql.jdbc.url"], "jdbc:postgresql://postgres.platform-storage.svc.cluster.local:5432/nessie");
            assert.strictEqual(p["nessie.catalog.warehouses.warehouse.location"], "s3://lakehouse/warehouse");
            assert.strictEqual(p["nessie.catalog.service.s3.default-options.access-key"], "urn:nessie-secret:quarkus:nessies3");
            assert.strictEqual(p["nessie.catalog.service.s3.default-options.path-style-access"], "true");
            assert.strictEqual(p["nessie.version.store.persist.cache-capacity-mb"], "256");
            assert.strictEqual(p["quarkus.management.port"], String(NESSIE_PORTS.management));
        });

        it("reads its secrets from a second file, and the first holds none", () => {
            const secrets = { databasePassword: "db-secret-value", accessKeyId: "AKIDVALUE", secretAccessKey: "s3-secret-value", invalidationToken: "token-value" };
            const text = renderNessieProperties(rendering);
            assert.strictEqual(props(text)["quarkus.config.locations"], rendering.secretsFile);
            for (const value of Object.values(secrets)) assert.ok(!text.includes(value), `${value} in application.properties`);
            assert.deepStrictEqual(props(renderNessieSecrets(secrets)), {
                "quarkus.datasource.postgresql.password": "db-secret-value",
                "nessies3.name": "AKIDVALUE",
                "nessies3.secret": "s3-secret-value",
                "nessie.version.store.persist.cache-invalidations.valid-tokens": "token-value",
            });
        });

        it("sends cache invalidations to its peers only when it has them", () => {
            assert.strictEqual(props(renderNessieProperties(rendering))["nessie.version.store.persist.cache-invalidations.service-names"], undefined);
            assert.strictEqual(props(renderNessieProperties({ ...rendering, peers: "nessie-mgmt" }))["nessie.version.store.persist.cache-invalidations.service-names"], "nessie-mgmt");
        });

        it("requires a bearer token of the realm for its audience when the stack has a realm: keys from the Service, the public issuer", () => {
            const realmUrl = "http://keycloak.platform-management.svc.cluster.local:8080/realms/platform";
            const p = props(renderNessieProperties({ ...rendering, authentication: { realmUrl, issuer: "https://auth.example.com/realms/platform", audience: NESSIE_AUDIENCE } }));
            assert.deepStrictEqual(
                [p["nessie.server.authentication.enabled"], p["quarkus.oidc.application-type"], p["quarkus.oidc.auth-server-url"], p["quarkus.oidc.token.issuer"], p["quarkus.oidc.token.audience"]],
                ["true", "service", realmUrl, "https://auth.example.com/realms/platform", "nessie"],
            );
            assert.strictEqual(props(renderNessieProperties(rendering))["nessie.server.authentication.enabled"], "false", "without a realm it says so");
            assert.strictEqual(props(renderNessieProperties(rendering))["quarkus.oidc.auth-server-url"], undefined);
        });

        it("sizes the heap as 60% of the memory limit", () => {
            assert.strictEqual(nessieHeapMB("1536Mi"), 921);
            assert.strictEqual(nessieJvmOptions(921), "-Xms64m -Xmx921m -XX:+ExitOnOutOfMemoryError");
        });
    });

    describe("config", () => {
        it("refuses a single replica outside dev", () => {
            assert.match(rejected("staging", { nessie: { replicas: 1 } }), /nessie\.replicas: got 1; allowed: at least 2 when environment is staging/);
        });
        it("refuses a warehouse bucket that the object store does not have", () => {
            assert.match(rejected("dev", { nessie: { warehouse: { bucket: "tables" } } }), /nessie\.warehouse\.bucket: got "tables"; allowed: one of objectStore\.buckets: lakehouse, backups/);
        });
        it("refuses an objects cache larger than half the heap", () => {
            assert.match(rejected("dev", { nessie: { cacheCapacityMB: 300 } }), /nessie\.cacheCapacityMB: got 300; allowed: at most 230: half of the JVM heap \(460 MiB, 60% of nessie\.resources\.limits\.memory 768Mi\)/);
        });
        it("refuses Nessie without the platform PostgreSQL", () => {
            assert.match(rejected("dev", { postgres: { enabled: false }, objectStore: { seaweedfs: { topology: "single" } }, nessie: { enabled: true } }), /nessie\.enabled: got true; allowed: false, or postgres\.enabled true/);
        });
    });

    for (const stack of ["dev", "staging", "prod"]) {
        describe(`the ${stack} plan`, () => {
            const config = resolveConfig(rawConfigOf(stack));
            let objects: any[];
            const engines = `${config.namespaces.prefix}-engines`;
            const storage = `${config.namespaces.prefix}-storage`;
            const find = (kind: string, name: string, namespace = engines) => objects.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace);
            before(() => {
                const plan = planOf(stack);
                assert.strictEqual(plan.code, 0, plan.stderr);
                objects = objectsOf(plan.outDir);
            });

            it(`runs ${config.nessie.replicas} restricted replica(s) with a read-only root, /tmp and the two files mounted, probed on the management port`, () => {
                const deployment = find("Deployment", "nessie");
                assert.strictEqual(deployment.spec.replicas, config.nessie.replicas);
                const pod = deployment.spec.template.spec;
                assert.deepStrictEqual([pod.securityContext.runAsUser, pod.securityContext.runAsGroup, pod.securityContext.fsGroup], [10000, 10001, 10001]);
                const [container] = pod.containers;
                assert.strictEqual(container.image.includes("nessie"), true);
                assert.strictEqual(container.securityContext.readOnlyRootFilesystem, true);
                assert.deepStrictEqual(container.volumeMounts.map((m: any) => m.mountPath).sort(), ["/deployments/config", "/run/secrets/nessie", "/tmp"]);
                assert.deepStrictEqual([container.readinessProbe.httpGet.path, container.readinessProbe.httpGet.port], ["/q/health/ready", "management"]);
                assert.deepStrictEqual(container.env, [{ name: "JAVA_OPTS_APPEND", value: nessieJvmOptions(nessieHeapMB(config.nessie.resources.limits.memory)) }]);
                assert.strictEqual(pod.automountServiceAccountToken, false);
            });

            it("mounts the properties the renderer makes for this stack, and only a sealed file of secrets", () => {
                const properties = find("ConfigMap", "nessie-config").data["application.properties"];
                assert.strictEqual(
                    properties,
                    renderNessieProperties({
                        database: { host: `postgres.${storage}.svc.cluster.local`, port: 5432, name: NESSIE_DATABASE.name, user: NESSIE_DATABASE.owner },
                        s3: { endpoint: seaweedfsEndpoint(storage), region: config.objectStore.region, pathStyle: true },
                        warehouse: config.nessie.warehouse,
                        cacheCapacityMB: config.nessie.cacheCapacityMB,
                        peers: config.nessie.replicas > 1 ? "nessie-mgmt" : undefined,
                        secretsFile: `${NESSIE_PATHS.secretsDir}/${NESSIE_PATHS.secretsFile}`,
                        authentication: {
                            realmUrl: `http://keycloak.${config.namespaces.prefix}-management.svc.cluster.local:8080/realms/platform`,
                            issuer: issuer(routeHost(config.keycloak.host, config.domain)),
                            audience: NESSIE_AUDIENCE,
                        },
                    }),
                );
                assert.deepStrictEqual(Object.keys(find("SealedSecret", "nessie-secrets").spec.encryptedData), [NESSIE_PATHS.secretsFile]);
            });

            it("has its database and its own write identity on the warehouse bucket", () => {
                assert.ok(config.postgres.databases.every((d) => d.name !== "nessie"), "nessie is declared by the service, not by config");
                const databasesJob = objects.find((o) => o.kind === "Job" && JSON.stringify(o).includes("pw_nessie"));
                assert.ok(databasesJob, "the databases Job creates nessie's database and owner");
                // The gateways' identities as the object store derives them from every service's needs.
                const needs = platformServices(config)(serviceScope(config)).flatMap((svc) => svc.parts.flatMap((p) => p.needs ?? []));
                const nessie = identitiesOf(config.objectStore.buckets, config.objectStore.identities, needs).find((i) => i.name === NESSIE_IDENTITY);
                assert.ok(nessie, "Nessie has an identity of its own");
                assert.deepStrictEqual(identityActions(nessie), ["List:lakehouse", "Read:lakehouse", "Write:lakehouse"]);
            });

            it("reaches PostgreSQL, Keycloak (the realm's keys) and the S3 port only; pods that do not use it are not let in; Prometheus scrapes the management port", () => {
                const network = new NetworkModel(objects);
                const nessie = { namespace: engines, labels: find("Deployment", "nessie").spec.template.metadata.labels };
                const members = objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === "postgres");
                const s3 = objects.find((o) => (o.kind === "Deployment" && o.metadata.name === "seaweedfs-s3") || (o.kind === "StatefulSet" && o.metadata.name === "seaweedfs"));
                const master = objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === (config.objectStore.seaweedfs.topology === "single" ? "seaweedfs" : "seaweedfs-master"));
                const pod = (o: any) => ({ namespace: o.metadata.namespace, labels: o.spec.template.metadata.labels });
                assert.ok(network.allows(nessie, pod(members), 5432), "Nessie reaches PostgreSQL");
                assert.ok(network.allows(nessie, pod(s3), 8333), "Nessie reaches the S3 gateways");
                assert.ok(!network.allows(nessie, pod(master), 9333), "and no other SeaweedFS port");
                const keycloak = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "keycloak");
                assert.ok(network.allows(nessie, pod(keycloak), 8080), "Nessie reaches Keycloak's Service port (discovery, keys)");
                assert.ok(!network.allows(nessie, pod(keycloak), 9000), "and not its management port");
                const web = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "sample-web");
                assert.ok(!network.allows(pod(web), nessie, NESSIE_PORTS.http), "a pod that does not depend on Nessie cannot call it");
                const prometheus = { namespace: `${config.namespaces.prefix}-management`, labels: { "app.kubernetes.io/name": "prometheus" } };
                assert.ok(network.allows(prometheus, nessie, NESSIE_PORTS.management), "Prometheus scrapes /q/metrics");
            });

            if (config.nessie.replicas > 1) {
                it("keeps the replicas' caches coherent: a headless nessie-mgmt Service of every replica, ready or not, which they reach on 9000; a PDB", () => {
                    const mgmt = find("Service", "nessie-mgmt");
                    assert.deepStrictEqual([mgmt.spec.clusterIP, mgmt.spec.publishNotReadyAddresses, mgmt.spec.ports[0].port], ["None", true, NESSIE_PORTS.management]);
                    const network = new NetworkModel(objects);
                    const nessie = { namespace: engines, labels: find("Deployment", "nessie").spec.template.metadata.labels };
                    assert.ok(network.allows(nessie, nessie, NESSIE_PORTS.management), "replicas reach each other's management port");
                    assert.strictEqual(find("PodDisruptionBudget", "nessie").spec.maxUnavailable, 1);
                });
            }
        });
    }
});
