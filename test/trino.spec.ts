// Trino: its memory model and files (pure), the config that is refused, and what the plan of each
// stack deploys for it. The real server runs with these files in e2e/lakehouse.spec.ts.
import * as assert from "assert";
import { NESSIE_PORTS } from "../components/nessie/nessieProperties";
import { identitiesOf, identityActions } from "../components/objectstore/identities";
import { TRINO_SCRAPE_USER } from "../components/trino/monitoring";
import { TRINO_IDENTITY } from "../components/trino/service";
import { TRINO_NAMES } from "../components/trino/trinoCluster";
import { TRINO_AUDIENCE, TRINO_AUTH_ENV, TRINO_HTTPS_PORT, TRINO_TLS } from "../components/trino/trinoAuthentication";
import { TRINO_CLIENTS } from "../components/trino/service";
import { issuer } from "../components/keycloak/keycloakConfig";
import { routeHost } from "../components/web/siteIngress";
import { TRINO_ENV, TRINO_PATHS, TRINO_PORT, renderConfigProperties, renderLakehouseCatalog, renderTrinoEtc, workerPreStop } from "../components/trino/trinoProperties";
import { resolveConfig } from "../config";
import { trinoMaxHeapMB, trinoMemory, trinoQueryMaxMemoryMB } from "../config/trino";
import { serviceScope } from "../platform/compose";
import { platformServices } from "../platform/services";
import { NetworkModel } from "./support/networkReach";
import { objectsOf, planOf } from "./support/plan";
import { parseProperties as props } from "./support/properties";
import { configProblems, rawConfigOf, withValues } from "./support/stacks";

/** The problems of a changed stack, one per line ("" when it is accepted). */
const rejected = (stack: string, changes: Record<string, unknown>): string => configProblems(() => resolveConfig(withValues(rawConfigOf(stack), changes))).join("\n");

const CATALOG = { restUri: "http://nessie.platform-engines.svc.cluster.local:19120/iceberg", warehouse: "warehouse", s3: { endpoint: "http://s3.platform-storage.svc.cluster.local:8333", region: "us-east-1", pathStyle: true } };

describe("Trino", function () {
    this.timeout(300_000);

    describe("memory and files (pure)", () => {
        it("gives the heap 70% of the memory limit, half of it to queries per node and 30% as headroom, so both fit in the heap", () => {
            const m = trinoMemory({ resources: { requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } } });
            assert.deepStrictEqual(m, { heapMB: 2867, queryMaxMemoryPerNodeMB: 1433, heapHeadroomMB: 860 });
            assert.ok(m.queryMaxMemoryPerNodeMB + m.heapHeadroomMB < m.heapMB);
        });

        it("leaves the JVM max(384 MiB, 15%) of the limit beside an explicit heap", () => {
            assert.strictEqual(trinoMaxHeapMB("12Gi"), 10444);
            assert.strictEqual(trinoMaxHeapMB("1536Mi"), 1152);
        });

        it("adds up query.max-memory over the nodes that run tasks", () => {
            const prod = resolveConfig(rawConfigOf("prod")).trino;
            assert.strictEqual(trinoQueryMaxMemoryMB(prod), 3 * trinoMemory(prod.worker).queryMaxMemoryPerNodeMB);
            const dev = resolveConfig(rawConfigOf("dev")).trino;
            assert.strictEqual(trinoQueryMaxMemoryMB(dev), trinoMemory(dev.coordinator).queryMaxMemoryPerNodeMB, "dev: the coordinator is the only node that runs tasks");
        });

        it("names the lakehouse catalog's connector correctly and uses the native S3 file system, with keys from the environment only", () => {
            const p = props(renderLakehouseCatalog(CATALOG));
            assert.strictEqual(p["connector.name"], "iceberg");
            assert.strictEqual(p["iceberg.catalog.type"], "rest");
            assert.strictEqual(p["iceberg.rest-catalog.uri"], CATALOG.restUri);
            assert.strictEqual(p["fs.native-s3.enabled"], "true");
            assert.strictEqual(p["s3.path-style-access"], "true");
            assert.deepStrictEqual([p["s3.aws-access-key"], p["s3.aws-secret-key"]], [`\${ENV:${TRINO_ENV.accessKey}}`, `\${ENV:${TRINO_ENV.secretKey}}`]);
            // 476 refuses the later rename, and the legacy Hive S3 settings are gone.
            assert.deepStrictEqual(Object.keys(p).filter((k) => k === "fs.s3.enabled" || k.startsWith("hive.s3.")), []);
        });

        it("signs in to the catalog with its own client when Nessie requires tokens: the credential from the environment, renewed by token exchange", () => {
            const tokenEndpoint = "http://keycloak.platform-management.svc.cluster.local:8080/realms/platform/protocol/openid-connect/token";
            const p = props(renderLakehouseCatalog({ ...CATALOG, oauth2: { tokenEndpoint, scope: "openid" } }));
            assert.deepStrictEqual(
                [p["iceberg.rest-catalog.security"], p["iceberg.rest-catalog.oauth2.credential"], p["iceberg.rest-catalog.oauth2.server-uri"], p["iceberg.rest-catalog.oauth2.scope"], p["iceberg.rest-catalog.oauth2.token-refresh-enabled"]],
                ["OAUTH2", `\${ENV:${TRINO_ENV.catalogCredential}}`, tokenEndpoint, "openid", "true"],
            );
            assert.deepStrictEqual(Object.keys(props(renderLakehouseCatalog(CATALOG))).filter((k) => k.includes("oauth2") || k.endsWith(".security")), [], "no sign-in without a realm");
        });

        it("lets only the coordinator decide about include-coordinator, and only workers drain with a grace period", () => {
            const base = { environment: "prod", memory: { heapMB: 2048, queryMaxMemoryPerNodeMB: 1024, heapHeadroomMB: 614 }, queryMaxMemoryMB: 3072, discoveryUri: "http://trino:8080", shutdownGracePeriodSeconds: 60 };
            const coordinator = props(renderConfigProperties({ ...base, role: "coordinator", coordinatorSchedules: false }));
            const worker = props(renderConfigProperties({ ...base, role: "worker" }));
            assert.deepStrictEqual([coordinator["coordinator"], coordinator["node-scheduler.include-coordinator"], coordinator["shutdown.grace-period"]], ["true", "false", undefined]);
            assert.deepStrictEqual([worker["coordinator"], worker["node-scheduler.include-coordinator"], worker["shutdown.grace-period"]], ["false", undefined, "60s"]);
            assert.strictEqual(worker["internal-communication.shared-secret"], `\${ENV:${TRINO_ENV.sharedSecret}}`);
        });

        it("asks a worker to shut down and waits for it to exit before the kubelet's SIGTERM", () => {
            assert.match(workerPreStop(), /-X PUT .*'"SHUTTING_DOWN"' http:\/\/localhost:8080\/v1\/info\/state && while curl -sf -o \/dev\/null http:\/\/localhost:8080\/v1\/info; do sleep 2; done$/);
        });
    });

    describe("config", () => {
        it("refuses a heap larger than the memory limit leaves room for, naming the key", () => {
            assert.match(rejected("prod", { trino: { worker: { jvmHeap: "12Gi" } } }), /trino\.worker\.jvmHeap: got "12Gi"; allowed: a heap of at most 10444 MiB: trino\.worker\.resources\.limits\.memory \(12Gi\) less 1844 MiB for the JVM beside its heap/);
        });
        it("refuses a memory limit too small for a useful heap", () => {
            assert.match(rejected("dev", { trino: { coordinator: { resources: { requests: { memory: "512Mi" }, limits: { memory: "768Mi" } } } } }), /trino\.coordinator\.resources\.limits\.memory: got "768Mi"; allowed: at least 1280Mi \(the heap, 70% of it, must be at least 768 MiB and leave max\(384 MiB, 15%\) to the JVM\), or set trino\.coordinator\.jvmHeap/);
        });
        it("refuses a coordinator that runs tasks and fewer than 2 workers outside dev", () => {
            const problems = rejected("staging", { trino: { coordinatorSchedules: true, workers: 1 } });
            assert.match(problems, /trino\.coordinatorSchedules: got true; allowed: false when environment is staging/);
            assert.match(problems, /trino\.workers: got 1; allowed: at least 2 when environment is staging/);
        });
        it("is published outside dev only behind the realm's login", () => {
            assert.match(rejected("staging", { keycloak: { enabled: false }, observability: { grafana: { roles: undefined } } }), /trino\.ingress: got "set"; allowed: null \(not published\) when environment is staging and keycloak\.enabled is false: Trino authenticates its users only through the platform realm/);
            assert.strictEqual(rejected("dev", { keycloak: { enabled: false } }), "", "dev without a realm may publish an open Trino");
        });
        it("unpublished (trino.ingress: null) it still requires the realm's tokens: its client then only validates in-cluster clients' bearer tokens", () => {
            const config = resolveConfig(withValues(rawConfigOf("staging"), { trino: { ingress: null } }));
            assert.strictEqual(config.trino.ingress, undefined);
            const needs = platformServices(config)(serviceScope(config)).flatMap((svc) => svc.parts.flatMap((p) => p.needs ?? []));
            const login = needs.find((n) => n.kind === "oidcClient" && n.name === TRINO_CLIENTS.login);
            assert.deepStrictEqual([login?.detail?.kind, login?.detail?.redirectUris, login?.detail?.audiences], ["service", "", TRINO_AUDIENCE]);
            assert.ok(needs.some((n) => n.kind === "oidcAudience" && n.name === TRINO_AUDIENCE), "Trino still accepts the realm's tokens for it");
        });
        it("refuses a cluster where no node runs tasks, and an image older than 476", () => {
            assert.match(rejected("dev", { trino: { coordinatorSchedules: false, workers: 0 } }), /trino\.workers: got 0; allowed: at least 1 when trino\.coordinatorSchedules is false/);
            assert.match(rejected("dev", { trino: { image: "trinodb/trino:475" } }), /trino\.image: got "trinodb\/trino:475"; allowed: trinodb\/trino 476 or newer/);
        });
        it("refuses Trino without Nessie, its catalog", () => {
            assert.match(rejected("dev", { nessie: { enabled: false } }), /trino\.enabled: got true; allowed: false, or nessie\.enabled true/);
        });
    });

    for (const stack of ["dev", "staging", "prod"]) {
        describe(`the ${stack} plan`, () => {
            const config = resolveConfig(rawConfigOf(stack));
            const t = config.trino;
            const engines = `${config.namespaces.prefix}-engines`;
            let objects: any[];
            const find = (kind: string, name: string, namespace = engines) => objects.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace);
            const etc = (role: "coordinator" | "worker") => Object.fromEntries(Object.entries(find("ConfigMap", `${TRINO_NAMES[role]}-etc`).data as Record<string, string>).map(([k, v]) => [k.replace("catalog_", "catalog/"), v]));
            before(() => {
                const plan = planOf(stack);
                assert.strictEqual(plan.code, 0, plan.stderr);
                objects = objectsOf(plan.outDir);
            });

            it(`runs one coordinator${t.workers ? ` and ${t.workers} workers` : " that runs the tasks itself"}, restricted, with a read-only root and writable /data/trino and /tmp`, () => {
                const roles = t.workers > 0 ? (["coordinator", "worker"] as const) : (["coordinator"] as const);
                assert.strictEqual(find("Deployment", TRINO_NAMES.worker) === undefined, t.workers === 0);
                for (const role of roles) {
                    const deployment = find("Deployment", TRINO_NAMES[role]);
                    assert.strictEqual(deployment.spec.replicas, role === "coordinator" ? 1 : t.workers);
                    const pod = deployment.spec.template.spec;
                    assert.deepStrictEqual([pod.securityContext.runAsUser, pod.securityContext.runAsNonRoot, pod.automountServiceAccountToken], [1000, true, false]);
                    const [container] = pod.containers;
                    assert.strictEqual(container.securityContext.readOnlyRootFilesystem, true);
                    const coordinator = role === "coordinator";
                    assert.deepStrictEqual(container.volumeMounts.map((m: any) => m.mountPath).sort(), ["/data/trino", TRINO_PATHS.etc, ...(coordinator ? [TRINO_TLS.dir] : []), "/tmp"]);
                    assert.deepStrictEqual(container.readinessProbe.exec.command, ["/usr/lib/trino/bin/health-check"]);
                    // The sign-in's secrets (OAuth2 client, keystore) stay on the coordinator.
                    const variables = [...Object.values(TRINO_ENV), ...(coordinator ? Object.values(TRINO_AUTH_ENV) : [])];
                    assert.deepStrictEqual(container.env.map((e: any) => [e.name, e.valueFrom.secretKeyRef.name]), variables.map((v) => [v, "trino-secrets"]));
                }
                assert.strictEqual(find("Deployment", TRINO_NAMES.coordinator).spec.strategy.type, "Recreate", "never two coordinators");
            });

            it("mounts the files the renderer makes for this stack, heap and query memory from the memory limit", () => {
                const coordinator = etc("coordinator");
                assert.deepStrictEqual(
                    coordinator,
                    renderTrinoEtc(
                        {
                            role: "coordinator",
                            environment: stack,
                            memory: trinoMemory(t.coordinator),
                            queryMaxMemoryMB: trinoQueryMaxMemoryMB(t),
                            coordinatorSchedules: t.coordinatorSchedules,
                            discoveryUri: `http://localhost:${TRINO_PORT}`,
                            shutdownGracePeriodSeconds: t.shutdown.gracePeriodSeconds,
                            authentication: {
                                issuer: issuer(routeHost(config.keycloak.host, config.domain)),
                                internalRealmUrl: `http://keycloak.${config.namespaces.prefix}-management.svc.cluster.local:8080/realms/platform`,
                                clientId: TRINO_CLIENTS.login,
                                keystorePath: `${TRINO_TLS.dir}/${TRINO_TLS.keystore}`,
                            },
                        },
                        {
                            ...CATALOG,
                            restUri: `http://nessie.${engines}.svc.cluster.local:${NESSIE_PORTS.http}/iceberg`,
                            s3: { ...CATALOG.s3, endpoint: `http://s3.${config.namespaces.prefix}-storage.svc.cluster.local:8333` },
                            oauth2: { tokenEndpoint: `http://keycloak.${config.namespaces.prefix}-management.svc.cluster.local:8080/realms/platform/protocol/openid-connect/token`, scope: "openid" },
                        },
                    ),
                );
                assert.strictEqual(props(coordinator["config.properties"])["node-scheduler.include-coordinator"], String(stack === "dev"));
                assert.deepStrictEqual(Object.keys(find("SealedSecret", "trino-secrets").spec.encryptedData).sort(), [...Object.values(TRINO_ENV), ...Object.values(TRINO_AUTH_ENV)].sort());
            });

            if (t.workers > 0) {
                it("drains workers: a preStop, 2 x grace period + drain time to do it, a PDB, workers spread over nodes", () => {
                    const pod = find("Deployment", TRINO_NAMES.worker).spec.template.spec;
                    assert.deepStrictEqual(pod.containers[0].lifecycle.preStop.exec.command, ["/bin/sh", "-c", workerPreStop()]);
                    assert.strictEqual(pod.terminationGracePeriodSeconds, 2 * t.shutdown.gracePeriodSeconds + t.shutdown.drainSeconds);
                    assert.strictEqual(props(etc("worker")["config.properties"])["discovery.uri"], `http://trino.${engines}.svc.cluster.local:${TRINO_PORT}`);
                    assert.strictEqual(find("PodDisruptionBudget", TRINO_NAMES.worker).spec.maxUnavailable, 1);
                    assert.ok(pod.affinity.podAntiAffinity, "workers spread over nodes");
                    assert.strictEqual(find("Deployment", TRINO_NAMES.coordinator).spec.template.spec.containers[0].lifecycle, undefined, "the coordinator does not drain");
                });
            }

            it("has its own write identity on the warehouse bucket", () => {
                const needs = platformServices(config)(serviceScope(config)).flatMap((svc) => svc.parts.flatMap((p) => p.needs ?? []));
                const trino = identitiesOf(config.objectStore.buckets, config.objectStore.identities, needs).find((i) => i.name === TRINO_IDENTITY);
                assert.ok(trino, "Trino has an identity of its own");
                assert.deepStrictEqual(identityActions(trino), ["List:lakehouse", "Read:lakehouse", "Write:lakehouse"]);
            });

            it("reaches Nessie and the S3 gateways, its nodes reach each other, Prometheus scrapes /metrics with a user", () => {
                const network = new NetworkModel(objects);
                const pod = (o: any) => ({ namespace: o.metadata.namespace, labels: o.spec.template.metadata.labels });
                const coordinator = pod(find("Deployment", TRINO_NAMES.coordinator));
                const nessie = pod(find("Deployment", "nessie"));
                const s3 = pod(objects.find((o) => (o.kind === "Deployment" && o.metadata.name === "seaweedfs-s3") || (o.kind === "StatefulSet" && o.metadata.name === "seaweedfs")));
                assert.ok(network.allows(coordinator, nessie, NESSIE_PORTS.http), "Trino reaches Nessie");
                assert.ok(network.allows(coordinator, s3, 8333), "Trino reaches the S3 gateways");
                assert.ok(!network.allows(coordinator, nessie, NESSIE_PORTS.management), "and not Nessie's management port");
                if (t.workers > 0) {
                    const worker = pod(find("Deployment", TRINO_NAMES.worker));
                    assert.ok(network.allows(worker, coordinator, TRINO_PORT) && network.allows(coordinator, worker, TRINO_PORT) && network.allows(worker, worker, TRINO_PORT), "nodes talk to each other");
                    assert.ok(network.allows(worker, s3, 8333), "workers read and write the warehouse");
                }
                const web = pod(objects.find((o) => o.kind === "Deployment" && o.metadata.name === "sample-web"));
                assert.ok(!network.allows(web, coordinator, TRINO_PORT), "a pod that does not depend on Trino cannot query it");
                const prometheus = { namespace: `${config.namespaces.prefix}-management`, labels: { "app.kubernetes.io/name": "prometheus" } };
                assert.ok(network.allows(prometheus, coordinator, TRINO_HTTPS_PORT), "Prometheus scrapes the coordinator at HTTPS");
                const management = `${config.namespaces.prefix}-management`;
                const endpoint = find("PodMonitor", TRINO_NAMES.coordinator, management).spec.podMetricsEndpoints[0];
                assert.deepStrictEqual([endpoint.port, endpoint.scheme, endpoint.tlsConfig.serverName, endpoint.tlsConfig.ca.secret.name], ["https", "https", `trino.${engines}.svc`, "scrape-ca-trino"]);
                assert.deepStrictEqual([endpoint.oauth2.clientId.secret.name, endpoint.oauth2.clientSecret.name, endpoint.oauth2.tokenUrl], ["scrape-oauth2-trino", "scrape-oauth2-trino", `http://keycloak.${management}.svc.cluster.local:8080/realms/platform/protocol/openid-connect/token`]);
                assert.deepStrictEqual(Object.keys(find("SealedSecret", "scrape-oauth2-trino", management).spec.encryptedData).sort(), ["clientId", "clientSecret"]);
                assert.strictEqual(find("Certificate", "scrape-ca-trino", management).spec.issuerRef.name, find("Certificate", TRINO_NAMES.tls).spec.issuerRef.name, "the scrape trusts the CA of the coordinator's certificate");
                const keycloak = pod(find("Deployment", "keycloak", management));
                assert.ok(network.allows(prometheus, keycloak, 8080), "Prometheus fetches its token at Keycloak's Service");
                if (t.workers > 0) {
                    const workerMonitor = find("PodMonitor", TRINO_NAMES.worker, management).spec.podMetricsEndpoints[0];
                    assert.strictEqual(workerMonitor.basicAuth.username.name, "scrape-auth-trino-worker", `workers, which authenticate nobody, are scraped as ${TRINO_SCRAPE_USER}`);
                }
            });

            it("is published at trino.<domain> with TLS, the ingress controller let in to the coordinator's HTTP port only", () => {
                const ingress = objects.find((o) => o.kind === "Ingress" && o.metadata.namespace === engines);
                const host = `trino.${config.domain}`;
                assert.deepStrictEqual(ingress.spec.rules.map((r: any) => [r.host, r.http.paths[0].backend.service.name, r.http.paths[0].backend.service.port.number]), [[host, "trino", TRINO_PORT]]);
                assert.deepStrictEqual(ingress.spec.tls, [{ hosts: [host], secretName: `${host.replace(/\./g, "-")}-tls` }]);
                const controller = find("NetworkPolicy", "trino-from-ingress");
                assert.deepStrictEqual(controller.spec.podSelector.matchLabels, { "app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": TRINO_NAMES.coordinator });
                assert.deepStrictEqual(controller.spec.ingress[0].ports, [{ protocol: "TCP", port: TRINO_PORT }]);
            });

            it("requires a login through the platform realm: OAuth2 for the Web UI and clients, HTTPS from the platform CA, the realm's endpoints in the cluster", () => {
                const p = props(etc("coordinator")["config.properties"]);
                const management = `${config.namespaces.prefix}-management`;
                assert.deepStrictEqual([p["http-server.authentication.type"], p["web-ui.authentication.type"], p["http-server.process-forwarded"], p["http-server.https.enabled"]], ["oauth2", "oauth2", "true", "true"]);
                assert.strictEqual(p["http-server.authentication.oauth2.issuer"], issuer(routeHost(config.keycloak.host, config.domain)));
                assert.ok(p["http-server.authentication.oauth2.auth-url"].startsWith(`${p["http-server.authentication.oauth2.issuer"]}/`), "browsers log in at the public host");
                for (const key of ["token-url", "jwks-url"]) assert.ok(p[`http-server.authentication.oauth2.${key}`].startsWith(`http://keycloak.${management}.svc.cluster.local:8080/`), `${key}: Keycloak's Service`);
                if (t.workers > 0) assert.strictEqual(props(etc("worker")["config.properties"])["http-server.authentication.type"], undefined, "workers authenticate nobody");
                const realm = JSON.parse(find("ConfigMap", "keycloak-realm", management).data["realm.json"]);
                const login = realm.clients.find((c: any) => c.clientId === TRINO_CLIENTS.login);
                assert.deepStrictEqual(login.redirectUris, [`https://trino.${config.domain}/oauth2/callback`]);
                assert.strictEqual(login.attributes["pkce.code.challenge.method"], undefined, "Trino sends no PKCE challenge");
                assert.ok(login.protocolMappers.some((m: any) => m.config["included.custom.audience"] === TRINO_AUDIENCE), "its tokens are for Trino");
                const certificate = find("Certificate", TRINO_NAMES.tls);
                assert.deepStrictEqual(certificate.spec.dnsNames, [`trino.${engines}.svc.cluster.local`, `trino.${engines}.svc`, "trino"]);
                assert.strictEqual(certificate.spec.keystores.pkcs12.passwordSecretRef.name, TRINO_NAMES.keystorePassword);
                assert.deepStrictEqual(find("Service", "trino").spec.ports.map((x: any) => x.port), [TRINO_PORT, TRINO_HTTPS_PORT]);
            });
        });
    }
});
