// The lakehouse engines for real, on the catalog's real backends (PostgreSQL, SeaweedFS with the
// staging identities, a Nessie replica with the staging properties): a Trino coordinator and a
// worker from the trino-server 476 tarball with the etc/ files the program renders for staging
// (only addresses, ports, paths and a smaller heap differ, and the test checks that) run a SQL
// round trip into the warehouse through Nessie's Iceberg REST API.
import * as assert from "assert";
import { NESSIE_WAREHOUSE } from "../components/nessie/nessieProperties";
import { TRINO_METRIC_SOURCES, TRINO_SCRAPE_USER } from "../components/trino/monitoring";
import { TRINO_IDENTITY } from "../components/trino/service";
import { TRINO_NAMES } from "../components/trino/trinoCluster";
import { LAKEHOUSE_CATALOG, TRINO_ENV, TrinoRole, renderTrinoEtc, trinoEnvironment, workerPreStop } from "../components/trino/trinoProperties";
import { resolveConfig } from "../config";
import { trinoMemory, trinoQueryMaxMemoryMB } from "../config/trino";
import { TrinoSettings } from "../config/types";
import { seriesNames } from "../components/observability/metrics";
import { plannedObjects } from "../test/support/plan";
import { parseProperties as props } from "../test/support/properties";
import { rawConfigOf, withValues } from "../test/support/stacks";
import { tempDir } from "../test/support/tempdirs";
import { CatalogStack, startCatalogStack } from "./catalog/stack";
import { LocalRealm, realmPort, stackClients, startLocalRealm } from "./identity/localRealm";
import { CookieJar, forwardedHeaders, jwtClaims, loginAt, postToken } from "./identity/oidcClient";
import { CATALOG_CREDENTIAL_ENV } from "../components/nessie/nessieProperties";
import { CATALOG_TOKEN_SCOPE, catalogClientId } from "../components/nessie/service";
import { LocalTrino, TrinoNode, forwardedAs, httpsGet, localKeystore, setupTrino, trinoQuery } from "./lakehouse/localTrino";
import { TRINO_AUDIENCE, TRINO_AUTH_ENV } from "../components/trino/trinoAuthentication";
import { TRINO_CLIENTS } from "../components/trino/service";
import { routeHost } from "../components/web/siteIngress";
import { OidcClientRequest } from "../components/keycloak/realm";
import { E2E_IDENTITIES, Keyed, s3, stackIdentities } from "./objectstore/helpers";
import { port } from "./objectstore/localStore";
import { Figures, seconds } from "./support/figures";
import { prometheusVersion, startPrometheus } from "./support/prometheus";
import { until } from "./patroni/processes";
import { exportedNames, parseMetrics } from "./support/metrics";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { SPARK_METRIC_SOURCES } from "../components/spark/monitoring";
import { SPARK_IDENTITY } from "../components/spark/service";
import { renderSparkDefaults, sparkDefaults } from "../components/spark/sparkDefaults";
import { SPARK_NAMES, sparkSubmitConf } from "../components/spark/sparkJobs";
import { LocalSpark, SPARK_JOBS_DIR, setupSpark, sparkSubmit, sparkSubmitAsync } from "./lakehouse/localSpark";

/** Keys whose values are addresses, ports or paths: a local run may change them. */
const LOCAL_KEYS = [
    "http-server.http.port",
    "http-server.https.port",
    "http-server.https.keystore.path",
    "http-server.authentication.oauth2.token-url",
    "http-server.authentication.oauth2.jwks-url",
    "discovery.uri",
    "node.data-dir",
    "iceberg.rest-catalog.uri",
    "iceberg.rest-catalog.oauth2.server-uri",
    "s3.endpoint",
    "security.config-file",
];
/** Keys derived from the heap, which the local run makes smaller (two JVMs beside Nessie on one machine). */
const HEAP_KEYS = ["query.max-memory", "query.max-memory-per-node", "memory.heap-headroom-per-node"];
const LOCAL_HEAP = "1Gi";
/** spark-defaults.conf keys a local run changes: addresses and the image (spark-submit's --master local and --deploy-mode client override the first two). */
const SPARK_LOCAL_KEYS = ["spark.sql.catalog.lakehouse.uri", "spark.sql.catalog.lakehouse.s3.endpoint", "spark.sql.catalog.lakehouse.oauth2-server-uri", "spark.kubernetes.container.image"];

/** The part of a Spark run's output that says what failed: a Python traceback (spark-submit passes a Python driver's stderr to its stdout), else the exceptions. */
function sparkErrors(stderr: string): string {
    const traceback = stderr.lastIndexOf("Traceback (most recent call last)");
    if (traceback >= 0) return stderr.slice(traceback, traceback + 4000);
    return stderr.split("\n").filter((l) => /Exception|Error/.test(l)).slice(-20).join("\n") || stderr.slice(-3000);
}

/** spark-defaults.conf as Spark reads it: a key, whitespace, the value. */
function sparkConfOf(text: string): Map<string, string> {
    return new Map(text.split("\n").filter((l) => l.trim() && !l.startsWith("#")).map((l) => { const m = /^(\S+)\s+(.*)$/.exec(l)!; return [m[1], m[2]] as [string, string]; }));
}

describe("Lakehouse engines on real processes with the staging rendering", function () {
    this.timeout(1_200_000);
    const config = resolveConfig(withValues(rawConfigOf("staging"), { objectStore: { identities: E2E_IDENTITIES } }));
    const settings = config.trino;
    // The same settings with the local heap: the memory keys follow from it as they do from the real one.
    const local: TrinoSettings = { ...settings, coordinator: { ...settings.coordinator, jvmHeap: LOCAL_HEAP }, worker: { ...settings.worker, jvmHeap: LOCAL_HEAP } };
    const keyed = stackIdentities(config);
    const as = (name: string): Keyed => keyed.find((k) => k.identity.name === name)!;
    const figures = new Figures("Lakehouse e2e", "lakehouse e2e: ");
    const report = figures.report;
    let stack: CatalogStack;
    let trino: LocalTrino;
    let coordinator: TrinoNode;
    let worker: TrinoNode;
    const rendered = new Map<TrinoRole, Record<string, string>>();
    /** An analyst's client (tokens for Trino), as a tool that queries Trino signs in; and a person of the data-engineers group. */
    const ANALYST: OidcClientRequest = { clientId: "e2e-analyst", kind: "service", redirectUris: [], requester: "e2e", audiences: [TRINO_AUDIENCE] };
    const PERSON = "e2e-engineer";
    const trinoHost = routeHost(settings.ingress!.host, config.domain);
    const trinoServerName = `${TRINO_NAMES.service}.${config.namespaces.prefix}-engines.svc`;
    let https = { port: 0, ca: "" };
    /** A statement as the analyst, through the ingress's path (a fresh token each time: the tier outlives one). */
    const sql = async (statement: string) => trinoQuery(coordinator.port, statement, { token: await realm.token(ANALYST.clientId), host: trinoHost });
    /** The coordinator's /metrics as Prometheus scrapes it: HTTPS with the platform CA, a token of Trino's metrics client. */
    const scrapeCoordinator = async (headers: Record<string, string> = {}) =>
        httpsGet(`https://127.0.0.1:${https.port}/metrics`, https.ca, trinoServerName, { Authorization: `Bearer ${await realm.token(TRINO_CLIENTS.metrics)}`, Accept: "application/openmetrics-text;version=1.0.0", ...headers });
    let spark: LocalSpark;
    let sparkVersion = "";
    let sparkEnv: Record<string, string> = {};
    let sparkConfDir = "";
    let sparkDefaultsText = "";
    let realm: LocalRealm;
    const trinoClient = catalogClientId(TRINO_IDENTITY);
    const sparkClient = catalogClientId(SPARK_IDENTITY);
    const credential = (clientId: string) => `${clientId}:${realm.secret(clientId)}`;

    before(async function () {
        const tools = setupTrino();
        report(`setup (trino-server 476, ${tools.javaHome}): ${seconds(tools.ms)}`);
        const realmPorts = await realmPort();
        stack = await startCatalogStack(config, keyed, 1, realmPorts.realmUrl);
        report(`backends (PostgreSQL, SeaweedFS, Nessie): ${seconds(stack.figures.totalMs)}`);
        // The realm with the engines' catalog clients as Trino's and Spark's services ask for them: Nessie requires their tokens.
        realm = await startLocalRealm(stack.pg, config, [...stackClients(config, [trinoClient, sparkClient, TRINO_CLIENTS.login, TRINO_CLIENTS.metrics]), ANALYST], realmPorts, { [PERSON]: ["data-engineers"] });
        report(`Keycloak with the engines' catalog clients and Trino's login and metrics clients: ready after ${seconds(realm.figures.readyMs)}, realm synced in ${seconds(realm.figures.syncMs)}`);
        const keystorePassword = "e2e-keystore-password";
        // For the name the plan's PodMonitor checks (tlsConfig.serverName: the Service's), as cert-manager issues it.
        const tls = localKeystore(tempDir("trino-tls"), trinoServerName, keystorePassword);
        https = { port: await port(), ca: tls.ca };
        const oauth2 = { tokenEndpoint: realm.tokenEndpoint, scope: CATALOG_TOKEN_SCOPE };
        const own = as(TRINO_IDENTITY);
        trino = new LocalTrino(tempDir("trino"), tools.server, tools.javaHome, {
            [TRINO_ENV.accessKey]: own.accessKey,
            [TRINO_ENV.secretKey]: own.secretKey,
            [TRINO_ENV.sharedSecret]: "e2e-shared-secret-of-the-local-trino-nodes-000",
            [TRINO_ENV.catalogCredential]: credential(trinoClient),
            [TRINO_AUTH_ENV.clientSecret]: realm.secret(TRINO_CLIENTS.login),
            [TRINO_AUTH_ENV.keystorePassword]: keystorePassword,
        });
        const ports = { coordinator: await port(), worker: await port() };
        const files = (role: TrinoRole) => {
            const f = renderTrinoEtc(
                {
                    role,
                    environment: trinoEnvironment(config.environment),
                    memory: trinoMemory(local[role]),
                    queryMaxMemoryMB: trinoQueryMaxMemoryMB(local),
                    coordinatorSchedules: settings.coordinatorSchedules,
                    discoveryUri: `http://127.0.0.1:${ports.coordinator}`,
                    shutdownGracePeriodSeconds: settings.shutdown.gracePeriodSeconds,
                    port: ports[role],
                    dataDir: tempDir(`trino-${role}-data`),
                    etcDir: trino.etcOf(`trino-${role}-0`),
                    authentication:
                        role === "coordinator" ? { issuer: realm.issuer, internalRealmUrl: realm.realmUrl, clientId: TRINO_CLIENTS.login, keystorePath: tls.keystore, httpsPort: https.port } : undefined,
                },
                { restUri: stack.icebergUri, warehouse: NESSIE_WAREHOUSE, s3: { endpoint: stack.s3Endpoint, region: config.objectStore.region, pathStyle: true }, oauth2 },
            );
            rendered.set(role, f);
            return f;
        };
        const started = Date.now();
        coordinator = trino.start("trino-coordinator-0", ports.coordinator, files("coordinator"));
        worker = trino.start("trino-worker-0", ports.worker, files("worker"));
        const ready = await Promise.all([trino.waitReady(coordinator), trino.waitReady(worker)]);
        // The worker runs the tasks (include-coordinator=false): wait until the coordinator sees it.
        await waitForNodes(2);
        report(`coordinator and worker ready after ${ready.map(seconds).join(", ")}; the worker announced after ${seconds(Date.now() - started)}`);
        spark = await setupSpark();
        sparkVersion = /__version__[^=]*=\s*['"]([^'"]+)/.exec(fs.readFileSync(path.join(spark.home, "version.py"), "utf8"))![1];
        const ownSpark = as(SPARK_IDENTITY);
        // The driver's variables as the pod has them: the S3 keys and the catalog credential from their Secrets.
        sparkEnv = { AWS_ACCESS_KEY_ID: ownSpark.accessKey, AWS_SECRET_ACCESS_KEY: ownSpark.secretKey, AWS_REGION: config.objectStore.region, [CATALOG_CREDENTIAL_ENV]: credential(sparkClient) };
        sparkConfDir = tempDir("spark-conf");
        sparkDefaultsText = renderSparkDefaults(
            sparkDefaults({
                master: "k8s://https://kubernetes.default.svc",
                namespace: `${config.namespaces.prefix}-engines`,
                image: "spark:local",
                driverServiceAccount: SPARK_NAMES.driver,
                s3Secret: SPARK_NAMES.s3,
                catalogSecret: SPARK_NAMES.catalog,
                catalog: { uri: stack.icebergUri, warehouse: NESSIE_WAREHOUSE, s3: { endpoint: stack.s3Endpoint, region: config.objectStore.region, pathStyle: true }, oauth2 },
            }),
        );
        fs.writeFileSync(path.join(sparkConfDir, "spark-defaults.conf"), sparkDefaultsText);
    });

    after(async function () {
        const incomplete = this.test?.parent?.tests.some((t) => t.state !== "passed");
        if (incomplete) {
            for (const n of trino?.nodes ?? []) console.log(trino.tail(n));
            if (stack) console.log(stack.tails());
            if (realm) console.log(realm.tail());
        }
        await trino?.stopAll();
        await realm?.stop();
        await stack?.stop();
        figures.print();
    });

    /** Until the coordinator counts `n` active nodes (itself included), read from the gauge TrinoWorkersMissing reads (a query would wait for a worker). */
    async function waitForNodes(n: number, timeoutMs = 180_000): Promise<number> {
        const started = Date.now();
        let active: number | undefined;
        for (;;) {
            const { text } = await scrapeCoordinator();
            active = parseMetrics(text).find((m) => m.name === "trino_metadata_name_DiscoveryNodeManager_ActiveNodeCount")?.value;
            if (active === n) return Date.now() - started;
            if (Date.now() - started > timeoutMs) throw new Error(`the coordinator sees ${active} active nodes, not ${n}`);
            await new Promise((r) => setTimeout(r, 1000));
        }
    }

    it("runs the plan's coordinator and worker files, apart from addresses, ports, paths and a smaller heap", () => {
        const objects = plannedObjects("staging");
        for (const role of ["coordinator", "worker"] as const) {
            const data: Record<string, string> = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === `${TRINO_NAMES[role]}-etc`).data;
            const planned = Object.fromEntries(Object.entries(data).map(([k, v]) => [k.replace("catalog_", "catalog/"), v]));
            const mine = rendered.get(role)!;
            assert.deepStrictEqual(Object.keys(planned).sort(), Object.keys(mine).sort(), `${role}: the same files`);
            assert.strictEqual(mine["access-control-rules.json"], planned["access-control-rules.json"]);
            for (const file of Object.keys(mine).filter((f) => f.endsWith(".properties"))) {
                const [p, l] = [props(planned[file]), props(mine[file])];
                const differing = [...new Set([...Object.keys(p), ...Object.keys(l)])].filter((k) => p[k] !== l[k]);
                assert.deepStrictEqual(differing.filter((k) => !LOCAL_KEYS.includes(k) && !HEAP_KEYS.includes(k)), [], `${role} ${file}: only addresses, ports, paths and heap-derived memory differ`);
            }
            const jvm = (text: string) => text.split("\n").filter((l) => !/^-Xm[xs]/.test(l));
            assert.deepStrictEqual(jvm(mine["jvm.config"]), jvm(planned["jvm.config"]), `${role} jvm.config: only the heap differs`);
            assert.match(planned["jvm.config"], new RegExp(`^-Xmx${trinoMemory(settings[role]).heapMB}m$`, "m"));
            const deployment = objects.find((o) => o.kind === "Deployment" && o.metadata.name === TRINO_NAMES[role]);
            assert.strictEqual(deployment.spec.replicas, role === "worker" ? settings.workers : 1);
        }
        assert.strictEqual(props(planned("coordinator"))["node-scheduler.include-coordinator"], "false");
        function planned(role: TrinoRole) {
            return objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === `${TRINO_NAMES[role]}-etc`).data["config.properties"];
        }
    });

    it("requires a login: no token, a token for another audience and plain HTTP are refused; the Web UI sends browsers to the realm's login page", async () => {
        const statement = `http://127.0.0.1:${coordinator.port}/v1/statement`;
        const post = (headers: Record<string, string>) => fetch(statement, { method: "POST", headers, body: "SELECT 1" });
        const anonymous = await post({ ...forwardedHeaders(trinoHost), "X-Trino-User": "anyone" });
        const nessieToken = await realm.token(sparkClient);
        const otherAudience = await post(forwardedAs({ token: nessieToken, host: trinoHost }));
        const overHttp = await post({ Authorization: `Bearer ${await realm.token(ANALYST.clientId)}` });
        report(`Trino without a token ${anonymous.status}, with a token for Nessie ${otherAudience.status}, with the analyst's over plain HTTP ${overHttp.status}`);
        assert.deepStrictEqual([anonymous.status, otherAudience.status], [401, 401]);
        assert.notStrictEqual(overHttp.status, 200, "bearer tokens only over TLS");
        const ui = await fetch(`http://127.0.0.1:${coordinator.port}/ui/`, { headers: forwardedHeaders(trinoHost), redirect: "manual" });
        const location = new URL(ui.headers.get("location") ?? "https://invalid/");
        assert.strictEqual(`${location.origin}${location.pathname}`, `${realm.issuer}/protocol/openid-connect/auth`, "to the public login page");
        assert.deepStrictEqual([location.searchParams.get("client_id"), location.searchParams.get("redirect_uri")], [TRINO_CLIENTS.login, `https://${trinoHost}/oauth2/callback`]);
        const [analyst] = (await sql("SELECT current_user")).rows[0] as string[];
        assert.strictEqual(analyst, `service-account-${ANALYST.clientId}`, "a client is known by its service account's user name");
    });

    it("a person logs in to the Web UI through Keycloak's login page, and Trino knows them by their user name", async () => {
        const forwarded = forwardedHeaders(trinoHost);
        const jar = new CookieJar();
        const local = (uri: string) => `http://127.0.0.1:${coordinator.port}${new URL(uri).pathname}${new URL(uri).search}`;
        const started = Date.now();
        const ui = await fetch(`http://127.0.0.1:${coordinator.port}/ui/`, { headers: forwarded, redirect: "manual" });
        jar.keep(ui);
        const auth = new URL(ui.headers.get("location")!);
        const { location } = await loginAt(realm.base, `${auth.pathname}${auth.search}`, new URL(realm.issuer).host, PERSON, realm.password(PERSON));
        assert.ok(location.startsWith(`https://${trinoHost}/oauth2/callback?`), location);
        // The browser returns to Trino's callback through the ingress: Trino exchanges the code at Keycloak's Service.
        const callback = await fetch(local(location), { headers: { ...forwarded, Cookie: jar.header() }, redirect: "manual" });
        jar.keep(callback);
        assert.ok([302, 303].includes(callback.status), `callback: HTTP ${callback.status} ${(await callback.text()).slice(0, 300)}`);
        const info = await fetch(`http://127.0.0.1:${coordinator.port}/ui/api/cluster`, { headers: { ...forwarded, Cookie: jar.header() } });
        assert.strictEqual(info.status, 200, "the Web UI's API answers the signed-in browser");
        // The UI's cookie holds the person's access token (no refresh tokens): Trino knows the bearer by their user name.
        const cookie = jar.find(/OAuth2-Token/i);
        assert.ok(cookie, `Trino's token cookie among ${jar.names().join(", ")}`);
        const [user] = (await trinoQuery(coordinator.port, "SELECT current_user", { token: decodeURIComponent(cookie[1]), host: trinoHost })).rows[0] as string[];
        report(`Web UI login of ${PERSON} through Keycloak's login page and Trino's callback in ${seconds(Date.now() - started)}; as ${cookie[0]}'s bearer, current_user is ${user}`);
        assert.strictEqual(user, PERSON);
    });

    it("creates a schema and a Parquet table in the lakehouse catalog, inserts 10,000 rows and reads the right count and aggregate", async () => {
        const table = `${LAKEHOUSE_CATALOG}.e2e.orders`;
        const schema = await sql(`CREATE SCHEMA ${LAKEHOUSE_CATALOG}.e2e`);
        const create = await sql(`CREATE TABLE ${table} (id BIGINT, amount DOUBLE, region VARCHAR) WITH (format = 'PARQUET')`);
        const insert = await sql(
            `INSERT INTO ${table} SELECT x, x * 0.5, element_at(ARRAY['north', 'east', 'south', 'west'], CAST(x % 4 AS INTEGER) + 1) FROM UNNEST(sequence(1, 10000)) AS t(x)`,
        );
        assert.strictEqual(Number(insert.rows[0][0]), 10_000, "rows inserted");
        const count = await sql(`SELECT count(*) FROM ${table}`);
        assert.strictEqual(Number(count.rows[0][0]), 10_000);
        const aggregate = await sql(`SELECT region, count(*), sum(id), sum(amount) FROM ${table} GROUP BY region ORDER BY region`);
        assert.deepStrictEqual(
            aggregate.rows.map((r) => [r[0], Number(r[1])]),
            [["east", 2500], ["north", 2500], ["south", 2500], ["west", 2500]],
        );
        assert.strictEqual(aggregate.rows.reduce((s, r) => s + Number(r[2]), 0), 50_005_000, "sum(id) over all regions");
        assert.strictEqual(aggregate.rows.reduce((s, r) => s + Number(r[3]), 0), 25_002_500, "sum(amount) over all regions");
        report(`latencies: CREATE SCHEMA ${schema.ms} ms, CREATE TABLE ${create.ms} ms, INSERT 10,000 rows ${insert.ms} ms, count(*) ${count.ms} ms, GROUP BY ${aggregate.ms} ms`);
    });

    it("wrote Parquet data files into the warehouse bucket, and the table is in Nessie's API", async () => {
        const bucket = config.nessie.warehouse.bucket;
        const [listed] = s3(stack.s3Endpoint, as("analyst"), [{ op: "list", bucket }]);
        const files = (listed.keys as string[]).filter((k) => k.startsWith(`${config.nessie.warehouse.prefix}/e2e/orders`));
        const data = files.filter((k) => /\/data\/.*\.parquet$/.test(k));
        assert.ok(data.length >= 1, files.join("\n"));
        assert.ok(files.some((k) => /\/metadata\/.*\.metadata\.json$/.test(k)), "table metadata");
        const nessieApi = `http://${stack.replicas[0].address}:${stack.ports.http}/api/v2/trees/main/entries`;
        assert.strictEqual((await fetch(nessieApi)).status, 401, "Nessie requires a token: Trino's commits came with its client's");
        const entries = (await (await fetch(nessieApi, { headers: { Authorization: `Bearer ${await realm.token(trinoClient)}` } })).json()) as { entries: { name: { elements: string[] }; type: string }[] };
        const found = entries.entries.map((e) => `${e.type}:${e.name.elements.join(".")}`);
        assert.ok(found.includes("ICEBERG_TABLE:e2e.orders"), found.join(", "));
        report(`warehouse files of e2e.orders: ${files.length} (${data.length} Parquet); Nessie's main branch holds ${found.join(", ")}`);
    });

    it("Trino's catalog client may renew its token the way Trino does it, by exchanging it (and Spark's may not)", async () => {
        const exchange = async (clientId: string) => {
            const form = { grant_type: "urn:ietf:params:oauth:grant-type:token-exchange", subject_token: await realm.token(clientId), subject_token_type: "urn:ietf:params:oauth:token-type:access_token", scope: CATALOG_TOKEN_SCOPE };
            const res = await postToken(realm.tokenEndpoint, form, [clientId, realm.secret(clientId)]);
            return { status: res.status, body: (await res.json()) as { access_token?: string } };
        };
        const trinoRenewal = await exchange(trinoClient);
        assert.strictEqual(trinoRenewal.status, 200, JSON.stringify(trinoRenewal.body));
        const aud = jwtClaims(trinoRenewal.body.access_token!).aud;
        assert.ok([aud].flat().includes("nessie"), `the renewed token is for Nessie: ${JSON.stringify(aud)}`);
        const sparkRenewal = await exchange(sparkClient);
        report(`token exchange: ${trinoClient} ${trinoRenewal.status} (aud ${JSON.stringify(aud)}), ${sparkClient} ${sparkRenewal.status}`);
        assert.notStrictEqual(sparkRenewal.status, 200, "Spark fetches a new token instead: its client may not exchange");
    });

    it("serves the data after a restart of every Trino node", async () => {
        await trino.stop(worker);
        await trino.stop(coordinator);
        const started = Date.now();
        trino.restart(coordinator);
        trino.restart(worker);
        await Promise.all([trino.waitReady(coordinator), trino.waitReady(worker)]);
        await waitForNodes(2);
        const count = await sql(`SELECT count(*), sum(id) FROM ${LAKEHOUSE_CATALOG}.e2e.orders`);
        report(`restart of coordinator and worker: serving again after ${seconds(Date.now() - started)}, count(*) ${count.ms} ms`);
        assert.deepStrictEqual(count.rows[0].map(Number), [10_000, 50_005_000]);
    });

    it("Spark with the rendered spark-defaults.conf reads the table Trino wrote, and writes one that Trino reads", async () => {
        const objects = plannedObjects("staging");
        const planned = sparkConfOf(objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === SPARK_NAMES.conf).data["spark-defaults.conf"]);
        const mine = sparkConfOf(sparkDefaultsText);
        const differing = [...new Set([...planned.keys(), ...mine.keys()])].filter((k) => planned.get(k) !== mine.get(k));
        assert.deepStrictEqual(differing.filter((k) => !SPARK_LOCAL_KEYS.includes(k)), [], "only addresses and the image differ");
        assert.strictEqual(planned.size, mine.size);
        const started = Date.now();
        const run = sparkSubmit({ confDir: sparkConfDir, application: path.join(__dirname, "lakehouse", "spark_check.py"), args: ["e2e.orders", "e2e.regions"], env: sparkEnv });
        assert.strictEqual(run.status, 0, `spark-submit failed:\n${sparkErrors(run.stdout + run.stderr)}`);
        const result = JSON.parse(run.stdout.trim().split("\n").pop()!);
        assert.deepStrictEqual([result.read, result.ids, result.written, result.catalog], [10_000, 50_005_000, 4, "lakehouse"]);
        const back = await sql(`SELECT region, orders FROM ${LAKEHOUSE_CATALOG}.e2e.regions ORDER BY region`);
        assert.deepStrictEqual(back.rows.map((r) => [r[0], Number(r[1])]), [["east", 2500], ["north", 2500], ["south", 2500], ["west", 2500]]);
        report(`Spark (pyspark ${sparkVersion}, the image's ${spark.downloads.length} jars checksum-verified): read e2e.orders and wrote e2e.regions in ${seconds(Date.now() - started)}; Trino read it back in ${back.ms} ms`);
    });

    it("runs the scheduled iceberg-maintenance job with its planned arguments; its driver serves the Prometheus servlet", async () => {
        const objects = plannedObjects("staging");
        const cron = objects.find((o) => o.kind === "CronJob" && o.metadata.name === "spark-iceberg-maintenance");
        const args: string[] = cron.spec.jobTemplate.spec.template.spec.containers[0].args;
        const job = config.spark.jobs.find((j) => j.name === "iceberg-maintenance")!;
        const application = args.indexOf(job.application);
        assert.ok(application > 0, args.join(" "));
        // --conf pairs of the pod's spark-submit; the application from the image's jobs directory (COPY jobs/ /opt/spark/jobs/).
        const conf = args.slice(0, application).flatMap((a, i, all) => (all[i - 1] === "--conf" ? [a.split(/=(.*)/s).slice(0, 2) as [string, string]] : []));
        assert.deepStrictEqual(conf, sparkSubmitConf(job));
        const uiPort = await port();
        const started = Date.now();
        const submit = sparkSubmitAsync({
            confDir: sparkConfDir,
            conf: conf.filter(([k]) => !k.startsWith("spark.kubernetes.")),
            application: path.join(SPARK_JOBS_DIR, path.basename(job.application)),
            args: args.slice(application + 1),
            env: sparkEnv,
            uiPort,
        });
        let metrics = "";
        while (submit.child.exitCode === null && !metrics) {
            try {
                // Until the metrics system has registered its servlet, the UI answers with a page of its own.
                const response = await fetch(`http://127.0.0.1:${uiPort}/metrics/prometheus`, { signal: AbortSignal.timeout(2000) });
                const text = response.ok ? await response.text() : "";
                if (/^metrics_\w+\{/m.test(text)) metrics = text;
                else await new Promise((r) => setTimeout(r, 300));
            } catch {
                await new Promise((r) => setTimeout(r, 300));
            }
        }
        const done = await submit.done;
        assert.strictEqual(done.code, 0, `iceberg-maintenance failed:\n${sparkErrors(done.stdout + done.stderr)}`);
        const tables = done.stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
        assert.deepStrictEqual(tables.map((t) => t.table).sort(), ["e2e.orders", "e2e.regions"]);
        const exported = exportedNames(metrics);
        const catalogue = SPARK_METRIC_SOURCES.spark.metrics.flatMap(seriesNames);
        assert.ok(metrics, "the running driver served /metrics/prometheus");
        assert.deepStrictEqual(catalogue.filter((m) => !exported.has(m)), [], `not served by the driver (it serves ${[...exported].filter((m) => m.includes("jvm")).slice(0, 8).join(", ")}, ...)`);
        const after = await sql(`SELECT count(*) FROM ${LAKEHOUSE_CATALOG}.e2e.orders`);
        assert.strictEqual(Number(after.rows[0][0]), 10_000, "maintenance keeps the data");
        report(`iceberg-maintenance over ${tables.length} tables in ${seconds(Date.now() - started)} (${tables.map((t) => `${t.table}: ${t.rewrite_data_files.rewritten_data_files_count} data files and ${t.rewrite_manifests.rewritten_manifests_count} manifests rewritten`).join("; ")}); driver metrics: ${exported.size} series names`);
    });

    it("serves every metric of its catalogue: the coordinator at HTTPS to Prometheus' client (as the PodMonitor's oauth2 signs in), a worker to the scrape's user; OpenMetrics only", async () => {
        const basic = `Basic ${Buffer.from(`${TRINO_SCRAPE_USER}:`).toString("base64")}`;
        const response = await scrapeCoordinator();
        assert.strictEqual(response.status, 200);
        const text = response.text;
        const exported = exportedNames(text);
        const catalogue = TRINO_METRIC_SOURCES.trino.metrics.flatMap(seriesNames);
        assert.deepStrictEqual(catalogue.filter((m) => !exported.has(m)), [], "in the catalogue (read by alerts and the dashboard), not exported");
        // The worker serves its own pool's gauges, which the dashboard reads per node.
        const workerText = await (await fetch(`http://127.0.0.1:${worker.port}/metrics`, { headers: { Authorization: basic } })).text();
        assert.ok(exportedNames(workerText).has("trino_memory_type_MemoryPool_name_general_MaxBytes"));
        assert.strictEqual((await httpsGet(`https://127.0.0.1:${https.port}/metrics`, https.ca, trinoServerName)).status, 401, "no token, no metrics");
        assert.strictEqual((await scrapeCoordinator({ Authorization: basic })).status, 401, "a user name is not enough on the coordinator any more");
        assert.strictEqual((await scrapeCoordinator({ Accept: "text/plain;version=0.0.4" })).status, 406, "only OpenMetrics");
        report(`metrics: ${exported.size} series names on the coordinator; the ${catalogue.length} of the catalogue all exported`);
    });

    it("a real Prometheus scrapes both roles with the plan's PodMonitor endpoints: the coordinator at HTTPS with the platform CA and a token of Trino's metrics client, a worker as the scrape's user", async () => {
        const objects = plannedObjects("staging");
        const management = `${config.namespaces.prefix}-management`;
        const endpointOf = (job: string) => objects.find((o) => o.kind === "PodMonitor" && o.metadata.name === job && o.metadata.namespace === management).spec.podMetricsEndpoints[0];
        const coordinatorEndpoint = endpointOf(TRINO_NAMES.coordinator);
        const workerEndpoint = endpointOf(TRINO_NAMES.worker);
        const started = Date.now();
        const prometheus = await startPrometheus([
            {
                job: TRINO_NAMES.coordinator,
                endpoint: coordinatorEndpoint,
                address: `127.0.0.1:${https.port}`,
                // The one named difference: the token URL is Keycloak's Service in the plan, the local node here.
                tokenUrl: realm.tokenEndpoint,
                secrets: {
                    [coordinatorEndpoint.oauth2.clientSecret.name]: { clientId: TRINO_CLIENTS.metrics, clientSecret: realm.secret(TRINO_CLIENTS.metrics) },
                    [coordinatorEndpoint.tlsConfig.ca.secret.name]: { "ca.crt": https.ca },
                },
            },
            { job: TRINO_NAMES.worker, endpoint: workerEndpoint, address: `127.0.0.1:${worker.port}`, secrets: { [workerEndpoint.basicAuth.username.name]: { username: TRINO_SCRAPE_USER, password: "" } } },
        ]);
        try {
            await until("both targets up", 60_000, async () => {
                const targets = await prometheus.targets();
                return targets.length === 2 && targets.every((t) => t.health === "up") ? true : undefined;
            }, 1000);
            const series = (promql: string) => until(promql, 30_000, async () => ((await prometheus.query(promql)).length > 0 ? prometheus.query(promql) : undefined), 1000);
            const active = await series(`trino_metadata_name_DiscoveryNodeManager_ActiveNodeCount{job="${TRINO_NAMES.coordinator}"}`);
            const pools = await series(`trino_memory_type_MemoryPool_name_general_MaxBytes{job="${TRINO_NAMES.worker}"}`);
            report(`Prometheus ${prometheusVersion()}: both jobs up after ${seconds(Date.now() - started)} (the coordinator through OAuth2 and TLS), ActiveNodeCount ${active[0]?.value[1]}, the worker's pool ${pools.length} series`);
            assert.strictEqual(Number(active[0].value[1]), 2);
            assert.strictEqual(pools.length, 1);
        } catch (e) {
            console.log(JSON.stringify(await prometheus.targets()), prometheus.log().slice(-3000));
            throw e;
        } finally {
            prometheus.stop();
        }
    });

    it("drains a worker with the rendered preStop: the worker exits and the coordinator stops counting it", async () => {
        const started = Date.now();
        const preStop = spawnSync("/bin/sh", ["-c", workerPreStop(worker.port)], { encoding: "utf8", timeout: (2 * settings.shutdown.gracePeriodSeconds + settings.shutdown.drainSeconds) * 1000 });
        assert.strictEqual(preStop.status, 0, `preStop failed: ${preStop.stderr}`);
        // The preStop returns once the HTTP port is closed; the JVM's own shutdown follows, seconds
        // on a loaded machine.
        assert.ok(await trino.exited(worker, 20_000), "the worker has exited within 20 s of its preStop's return");
        const took = Date.now() - started;
        // Announced as shutting down for the grace period, then waits as long again after its (no) tasks.
        assert.ok(took >= 2 * settings.shutdown.gracePeriodSeconds * 1000 - 2000, `drained in ${took} ms`);
        const gone = await waitForNodes(1);
        report(`worker drained by its preStop in ${seconds(took)} (grace period ${settings.shutdown.gracePeriodSeconds} s, twice); the coordinator counted it gone ${seconds(gone)} later`);
    });
});
