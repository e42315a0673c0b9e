// The Nessie catalog for real: the nessie-quarkus 0.99.0 runner jar from Maven Central, started as
// the staging stack's replicas with the rendered application.properties, secrets file and JVM
// options (only addresses, ports and paths differ, and the test checks that), on a real PostgreSQL
// (JDBC2, database nessie) and a real SeaweedFS with the rendered identities (Nessie's own on the
// warehouse bucket). An engine's stand-in, pyiceberg with its own keys, creates a namespace and a
// table and commits snapshots through the Iceberg REST API of either replica.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { NESSIE_METRIC_SOURCES } from "../components/nessie/monitoring";
import { nessieJvmOptions } from "../components/nessie/nessieProperties";
import { CATALOG_CREDENTIAL_ENV, NESSIE_AUDIENCE, catalogVariables } from "../components/nessie/nessieProperties";
import { CATALOG_TOKEN_SCOPE, NESSIE_DATABASE, catalogClientId, catalogClientOptions } from "../components/nessie/service";
import { OidcClientRequest } from "../components/keycloak/realm";
import { ruleMetrics } from "../components/observability/alerts";
import { seriesNames } from "../components/observability/metrics";
import { resolveConfig } from "../config";
import { nessieHeapMB } from "../config/nessie";
import { platformObservability } from "../platform/services";
import { objectsOf, runPlan } from "../test/support/plan";
import { parseProperties as props } from "../test/support/properties";
import { PROJECT_DIR, rawConfigOf, withValues } from "../test/support/stacks";
import { NessieReplica } from "./catalog/localNessie";
import { CatalogStack, startCatalogStack } from "./catalog/stack";
import { E2E_IDENTITIES, Keyed, s3, stackIdentities } from "./objectstore/helpers";
import { Figures, seconds } from "./support/figures";
import { exportedNames } from "./support/metrics";
import { LocalRealm, realmPort, startLocalRealm } from "./identity/localRealm";
import { jwtClaims } from "./identity/oidcClient";

const PYTHON = path.join(PROJECT_DIR, ".tools", "catalog-venv", "bin", "python");
const CLIENT = path.join(__dirname, "catalog", "iceberg_client.py");

/** Keys of application.properties whose values are addresses, ports or paths: the only ones a local run may change or add. */
const LOCAL_KEYS = [
    "quarkus.config.locations",
    "quarkus.http.port",
    "quarkus.management.port",
    "quarkus.http.host",
    "quarkus.management.host",
    "quarkus.datasource.postgresql.jdbc.url",
    "quarkus.oidc.auth-server-url",
    "nessie.catalog.service.s3.default-options.endpoint",
    "nessie.version.store.persist.cache-invalidations.service-names",
];



/** The engine stand-in's client, as lakehouseNeeds asks for an engine's (tokens for Nessie), and one whose tokens are for no one else. */
const LOADER_CLIENT: OidcClientRequest = { clientId: catalogClientId("loader"), kind: "service", redirectUris: [], requester: "e2e", ...catalogClientOptions(false) };
const OTHER_CLIENT: OidcClientRequest = { clientId: "e2e-no-audience", kind: "service", redirectUris: [], requester: "e2e" };

type Op = { op: "create" | "append" | "read"; namespace: string; table: string; ids?: number[] };

describe("Nessie on real processes with the staging rendering", function () {
    this.timeout(900_000);
    const config = resolveConfig(withValues(rawConfigOf("staging"), { objectStore: { identities: E2E_IDENTITIES } }));
    const settings = config.nessie;
    const keyed = stackIdentities(config);
    const as = (name: string): Keyed => keyed.find((k) => k.identity.name === name)!;
    const figures = new Figures("Catalog e2e", "catalog e2e: ");
    const report = figures.report;
    let stack: CatalogStack;
    let replicas: NessieReplica[] = [];
    let realm: LocalRealm;

    /** pyiceberg through one replica's Iceberg REST API, as the `loader` engine identity. */
    const iceberg = (replica: NessieReplica, ops: Op[]) => {
        const loader = as("loader");
        const uri = `http://${replica.address}:${stack.ports.http}/iceberg`;
        // The catalog's variables as an engine gets them (catalogVariables), its credential from "its Secret".
        const signIn = { ...catalogVariables({ uri, warehouse: "", oauth2: { tokenEndpoint: realm.tokenEndpoint, scope: CATALOG_TOKEN_SCOPE } }), [CATALOG_CREDENTIAL_ENV]: `${LOADER_CLIENT.clientId}:${realm.secret(LOADER_CLIENT.clientId)}` };
        const run = spawnSync(PYTHON, [CLIENT, uri, stack.s3Endpoint, loader.accessKey, loader.secretKey, config.objectStore.region], { input: JSON.stringify(ops), encoding: "utf8", timeout: 300_000, env: { ...process.env, ...signIn } });
        assert.strictEqual(run.status, 0, `iceberg client failed:\n${run.stderr.slice(-3000)}`);
        return run.stdout.trim().split("\n").map((l) => JSON.parse(l));
    };

    before(async function () {
        // Nessie first, Keycloak after: in a fresh cluster nothing orders them, and Nessie must come up without the realm.
        const ports = await realmPort();
        stack = await startCatalogStack(config, keyed, undefined, ports.realmUrl);
        replicas = stack.replicas;
        report(`setup (runner jar, pyiceberg, ${stack.figures.java}): ${seconds(stack.figures.setupMs)}`);
        report(`${replicas.length} replicas ready after ${stack.figures.readyMs.map(seconds).join(", ")} (store, PostgreSQL and replicas: ${seconds(stack.figures.totalMs)}), before Keycloak`);
        realm = await startLocalRealm(stack.pg, config, [LOADER_CLIENT, OTHER_CLIENT], ports);
        report(`Keycloak for the realm: ready after ${seconds(realm.figures.readyMs)}, realm synced in ${seconds(realm.figures.syncMs)} (distribution built in ${seconds(realm.figures.buildMs)}; 0 s: cached)`);
    });

    after(async function () {
        const incomplete = this.test?.parent?.tests.some((t) => t.state !== "passed");
        if (incomplete && stack) console.log(stack.tails(), "\n", realm?.tail());
        await realm?.stop();
        await stack?.stop();
        figures.print();
    });

    it("runs the plan's application.properties and JVM options, apart from addresses, ports and paths", () => {
        const plan = runPlan("staging");
        assert.strictEqual(plan.code, 0, plan.stderr);
        const objects = objectsOf(plan.outDir);
        const planned = props(objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "nessie-config").data["application.properties"]);
        const local = props(stack.rendered.get(replicas[0].address)!);
        const differing = [...new Set([...Object.keys(planned), ...Object.keys(local)])].filter((k) => planned[k] !== local[k]);
        assert.deepStrictEqual(differing.filter((k) => !LOCAL_KEYS.includes(k)), [], "only addresses, ports and paths differ");
        assert.ok(differing.includes("nessie.version.store.persist.cache-invalidations.service-names") && planned["nessie.version.store.persist.cache-invalidations.service-names"] === "nessie-mgmt");
        const deployment = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "nessie");
        assert.strictEqual(deployment.spec.replicas, replicas.length);
        const env = deployment.spec.template.spec.containers[0].env.find((e: any) => e.name === "JAVA_OPTS_APPEND").value;
        assert.strictEqual(env, nessieJvmOptions(nessieHeapMB(settings.resources.limits.memory)));
    });

    it("answers only with a token of the platform realm for its audience: 401 without one or with another audience's, 200 with the engine's client; health needs none", async () => {
        const nessie = `http://${replicas[0].address}:${stack.ports.http}`;
        const get = async (url: string, token?: string) => (await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} })).status;
        const engine = await realm.token(LOADER_CLIENT.clientId);
        const other = await realm.token(OTHER_CLIENT.clientId);
        assert.ok([jwtClaims(engine).aud].flat().includes(NESSIE_AUDIENCE), `the engine's token is for ${NESSIE_AUDIENCE}: aud ${JSON.stringify(jwtClaims(engine).aud)}`);
        assert.strictEqual(jwtClaims(engine).iss, realm.issuer, "tokens name the public issuer, not the address they were fetched from");
        const paths = ["/api/v2/config", "/iceberg/v1/config"];
        const statuses: Record<string, number[]> = {};
        for (const p of paths) statuses[p] = [await get(nessie + p), await get(nessie + p, other), await get(nessie + p, engine)];
        report(`Nessie without a token, with another audience's, with the engine's: ${paths.map((p) => `${p} ${statuses[p].join("/")}`).join(", ")}`);
        for (const p of paths) assert.deepStrictEqual(statuses[p], [401, 401, 200], p);
        assert.strictEqual(await get(`http://${replicas[0].address}:${stack.ports.management}/q/health/ready`), 200);
    });

    it("keeps its version store in PostgreSQL: JDBC2's tables in the database nessie, owned by nessie", () => {
        const tables = stack.pg.psql("select tablename || ':' || tableowner from pg_tables where schemaname = 'public' order by 1", NESSIE_DATABASE.name).split("\n");
        assert.deepStrictEqual(tables.filter((t) => /^(objs2|refs2):/.test(t)), ["objs2:nessie", "refs2:nessie"]);
        for (const r of replicas) assert.match(stack.nessie.logOf(r), new RegExp(`Using objects cache with ${settings.cacheCapacityMB} MB`));
    });

    it("an engine with its own keys creates a namespace and a table and commits a snapshot through /iceberg; the files are in the warehouse", () => {
        const started = Date.now();
        const [created, appended] = iceberg(replicas[0], [
            { op: "create", namespace: "e2e", table: "orders" },
            { op: "append", namespace: "e2e", table: "orders", ids: [1, 2, 3] },
        ]);
        report(`create namespace + table and append 3 rows through ${replicas[0].name}: ${seconds(Date.now() - started)}`);
        const warehouse = `s3://${settings.warehouse.bucket}/${settings.warehouse.prefix}/`;
        assert.ok(created.location.startsWith(`${warehouse}e2e/orders`), created.location);
        assert.ok(appended.metadata_location.startsWith(created.location), appended.metadata_location);
        const [listed] = s3(stack.s3Endpoint, as("analyst"), [{ op: "list", bucket: settings.warehouse.bucket }]);
        const prefix = created.location.slice(`s3://${settings.warehouse.bucket}/`.length);
        const files = (listed.keys as string[]).filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
        assert.strictEqual(files.filter((f) => /^\/metadata\/\d{5}-.*\.metadata\.json$/.test(f)).length, 2, files.join("\n"));
        assert.ok(files.some((f) => /^\/metadata\/snap-\d+-.*\.avro$/.test(f)), "a manifest list");
        assert.strictEqual(files.filter((f) => /^\/data\/.*\.parquet$/.test(f)).length, 1, files.join("\n"));
        report(`warehouse files of e2e.orders: ${files.length} (${files.filter((f) => f.endsWith(".parquet")).length} data, ${files.filter((f) => f.endsWith(".metadata.json")).length} table metadata)`);
    });

    it("each replica serves the other's commits at once, and they accept each other's cache invalidations (and no one else's)", async () => {
        const other = replicas[1];
        assert.ok(other, "staging runs at least two replicas");
        const [read] = iceberg(other, [{ op: "read", namespace: "e2e", table: "orders" }]);
        assert.deepStrictEqual(read.ids, [1, 2, 3]);
        iceberg(other, [{ op: "append", namespace: "e2e", table: "orders", ids: [4, 5] }]);
        const [readBack] = iceberg(replicas[0], [{ op: "read", namespace: "e2e", table: "orders" }]);
        assert.deepStrictEqual(readBack.ids, [1, 2, 3, 4, 5]);
        // The endpoint the peers post to: the shared token is accepted, another is refused.
        const post = async (r: NessieReplica, t: string) =>
            (await fetch(`http://${r.address}:${stack.ports.management}/nessie-management/cache-coherency`, { method: "POST", headers: { "Content-Type": "application/json", "Nessie-Cache-Invalidation-Token": t }, body: JSON.stringify({ invalidations: [] }) })).status;
        for (const r of replicas) assert.doesNotMatch(stack.nessie.logOf(r), /invalid token|could not be sent/i, `${r.name} refused or failed an invalidation`);
        assert.deepStrictEqual([await post(other, stack.token), await post(other, "not-the-token")], [204, 400]);
        assert.match(stack.nessie.logOf(other), /invalid token/i, "the refused invalidation is logged");
    });

    it("reads the table back after a restart of every replica", async () => {
        for (const r of replicas) await stack.nessie.stop(r);
        const started = Date.now();
        for (const r of replicas) stack.nessie.restart(r);
        await Promise.all(replicas.map((r) => stack.nessie.waitReady(r, stack.ports.management)));
        const [read] = iceberg(replicas[replicas.length - 1], [{ op: "read", namespace: "e2e", table: "orders" }]);
        report(`restart of ${replicas.length} replicas: ready again after ${seconds(Date.now() - started)}, e2e.orders reads ${read.ids.length} rows`);
        assert.deepStrictEqual(read.ids, [1, 2, 3, 4, 5]);
    });

    it("exports the series Nessie's alerts read", async () => {
        const rules = ruleMetrics(platformObservability(config).ruleGroups).filter((r) => r.group === "platform-nessie");
        const ownMetrics = new Set(NESSIE_METRIC_SOURCES.nessie.metrics.flatMap(seriesNames));
        const read = new Set(rules.flatMap((r) => r.metrics).filter((m) => ownMetrics.has(m)));
        assert.ok(read.size >= 2, `alerts read ${[...read].join(", ")}`);
        // Micrometer exports a request timer once there has been a request.
        iceberg(replicas[0], [{ op: "read", namespace: "e2e", table: "orders" }]);
        const text = await (await fetch(`http://${replicas[0].address}:${stack.ports.management}/q/metrics`)).text();
        const exported = exportedNames(text);
        assert.deepStrictEqual([...read].filter((m) => !exported.has(m)), [], "read by an alert, not exported");
        const absent = [...ownMetrics].filter((m) => !exported.has(m));
        report(`metrics: ${read.size} series read by alerts, all exported; catalogue entries not exported now: ${absent.join(", ") || "none"}`);
    });
});
