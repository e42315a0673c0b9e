// The lakehouse catalog behind the platform realm: Nessie accepts only tokens for its audience, and
// every engine (Trino, Spark, Flink) signs in with a client of its own that the realm renders from
// the engine's need, its credential sealed in the engine's namespace and never in a ConfigMap. The
// real Nessie, Keycloak, pyiceberg, Trino and Spark run with these settings in e2e/catalog.spec.ts
// and e2e/lakehouse.spec.ts.
import * as assert from "assert";
import { OidcClientRequest, checkedClients, renderRealm } from "../components/keycloak/realm";
import { CATALOG_CREDENTIAL_ENV, NESSIE_AUDIENCE } from "../components/nessie/nessieProperties";
import { catalogClientId, catalogClientOptions, lakehouseNeeds } from "../components/nessie/service";
import { renderSparkDefaults, sparkDefaults } from "../components/spark/sparkDefaults";
import { ConfigError } from "../config/errors";
import { resolveConfig } from "../config";
import { serviceScope } from "../platform/compose";
import { NetworkModel } from "./support/networkReach";
import { plannedObjects } from "./support/plan";
import { rawConfigOf, withValues } from "./support/stacks";

const TOKEN_ENDPOINT = "http://keycloak.platform-management.svc.cluster.local:8080/realms/platform/protocol/openid-connect/token";
const catalogClient = (engine: string, tokenExchange = false): OidcClientRequest => ({ clientId: catalogClientId(engine), kind: "service", redirectUris: [], requester: engine, ...catalogClientOptions(tokenExchange) });

describe("the lakehouse catalog behind the platform realm", function () {
    this.timeout(300_000);

    describe("clients and settings (pure)", () => {
        const settings = resolveConfig(rawConfigOf("prod")).keycloak.realm;
        const mappers = (c: any) => Object.fromEntries(c.protocolMappers.filter((m: any) => m.protocolMapper === "oidc-audience-mapper").map((m: any) => [m.name, m.config["included.custom.audience"] ?? m.config["included.client.audience"]]));

        it("gives an engine's client tokens for Nessie; one that renews by token exchange may exchange, and its tokens name itself too", () => {
            const realm = renderRealm(settings, [catalogClient("trino", true), catalogClient("spark")]) as any;
            const [trino, spark] = realm.clients;
            assert.deepStrictEqual(mappers(trino), { "audience-nessie": NESSIE_AUDIENCE, "audience-self": "trino-catalog" });
            assert.deepStrictEqual(trino.attributes, { "standard.token.exchange.enabled": "true" });
            assert.deepStrictEqual(mappers(spark), { "audience-nessie": NESSIE_AUDIENCE });
            assert.deepStrictEqual(spark.attributes, {}, "no exchange for a client that fetches a new token");
            assert.deepStrictEqual([spark.serviceAccountsEnabled, spark.standardFlowEnabled, spark.directAccessGrantsEnabled], [true, false, false]);
        });

        it("refuses a client that asks for tokens for a service the realm does not serve, naming who asked", () => {
            assert.throws(
                () => checkedClients([catalogClient("spark")], "data.example.com", []),
                (e: unknown) => e instanceof ConfigError && /data-platform:spark: client "spark-catalog" asks for tokens for "nessie"; allowed: a service that accepts the realm's tokens \(none in this stack\)/.test(e.problems.join("\n")),
            );
            assert.deepStrictEqual(checkedClients([catalogClient("spark")], "data.example.com", [NESSIE_AUDIENCE]).length, 1);
        });

        it("asks for a catalog client and reaches Keycloak only when the stack has a realm", () => {
            const withRealm = lakehouseNeeds("spark", "lakehouse", serviceScope(resolveConfig(rawConfigOf("staging"))));
            assert.deepStrictEqual([withRealm.catalogClient?.name, withRealm.reaches], ["spark-catalog", ["nessie", "keycloak"]]);
            const noRealm = lakehouseNeeds("spark", "lakehouse", serviceScope(resolveConfig(withValues(rawConfigOf("dev"), { keycloak: { enabled: false } }))));
            assert.deepStrictEqual([noRealm.catalogClient, noRealm.reaches, noRealm.needs.length], [undefined, ["nessie"], 1]);
        });

        it("Spark: OAuth2 settings in spark-defaults.conf, the credential only as the driver's variable from its Secret, redacted in the UI", () => {
            const base = { master: "k8s://https://kubernetes.default.svc", namespace: "platform-engines", image: "spark:1", driverServiceAccount: "spark-driver", s3Secret: "spark-s3" };
            const catalog = { uri: "http://nessie:19120/iceberg", warehouse: "warehouse", s3: { endpoint: "http://s3:8333", region: "us-east-1", pathStyle: true }, oauth2: { tokenEndpoint: TOKEN_ENDPOINT, scope: "openid" } };
            const conf = sparkDefaults({ ...base, catalog, catalogSecret: "spark-catalog" });
            assert.deepStrictEqual(
                ["rest.auth.type", "oauth2-server-uri", "scope", "token-exchange-enabled"].map((k) => conf.get(`spark.sql.catalog.lakehouse.${k}`)),
                ["oauth2", TOKEN_ENDPOINT, "openid", "false"],
            );
            assert.strictEqual(conf.get("spark.sql.catalog.lakehouse.credential"), undefined, "the credential is no setting");
            assert.strictEqual(conf.get(`spark.kubernetes.driver.secretKeyRef.${CATALOG_CREDENTIAL_ENV}`), `spark-catalog:${CATALOG_CREDENTIAL_ENV}`);
            assert.strictEqual(conf.get(`spark.kubernetes.executor.secretKeyRef.${CATALOG_CREDENTIAL_ENV}`), undefined, "executors never call the catalog");
            assert.match("spark.sql.catalog.lakehouse.credential", new RegExp(conf.get("spark.redaction.regex")!.replace("(?i)", ""), "i"));
            assert.throws(() => sparkDefaults({ ...base, catalog }), /no Secret holds its credential/);
            assert.ok(!renderSparkDefaults(sparkDefaults({ ...base, catalog: { ...catalog, oauth2: undefined } })).includes("oauth2"));
        });
    });

    for (const stack of ["staging", "prod"]) {
        describe(`the ${stack} plan`, () => {
            const config = resolveConfig(rawConfigOf(stack));
            const engines = `${config.namespaces.prefix}-engines`;
            let objects: any[];
            const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
            const pod = (o: any) => ({ namespace: o.metadata.namespace, labels: o.spec.template.metadata.labels });
            before(() => {
                objects = plannedObjects(stack);
            });

            it("the realm has a catalog client for each engine, for Nessie's audience; Trino's renews by exchange", () => {
                const realm = JSON.parse(find("ConfigMap", "keycloak-realm").data["realm.json"]);
                const engineClients = realm.clients.filter((c: any) => c.clientId.endsWith("-catalog"));
                const expected = ["trino", "spark", ...(config.flink.enabled ? ["flink"] : [])].map((e) => catalogClientId(e));
                assert.deepStrictEqual(engineClients.map((c: any) => c.clientId).sort(), expected.sort());
                for (const c of engineClients) {
                    assert.ok(c.protocolMappers.some((m: any) => m.config["included.custom.audience"] === NESSIE_AUDIENCE), `${c.clientId}: tokens for nessie`);
                    assert.strictEqual(c.attributes["standard.token.exchange.enabled"], c.clientId === "trino-catalog" ? "true" : undefined, c.clientId);
                }
            });

            it("Nessie and every engine's pods reach Keycloak's HTTP port; other pods of the engines namespace do not", () => {
                const network = new NetworkModel(objects);
                const keycloak = pod(find("Deployment", "keycloak"));
                const clients = [find("Deployment", "nessie"), find("Deployment", "trino-coordinator"), find("Deployment", "trino-worker"), ...(config.flink.enabled ? [find("Deployment", "flink-taskmanager")] : [])].map(pod);
                const sparkDriver = { namespace: engines, labels: { "app.kubernetes.io/name": "spark", "spark-role": "driver" } };
                for (const c of [...clients, sparkDriver]) assert.ok(network.allows(c, keycloak, 8080), `${JSON.stringify(c.labels)} reaches Keycloak`);
                assert.ok(!network.allows(clients[0], keycloak, 9000), "not its management port");
                const other = { namespace: engines, labels: { "app.kubernetes.io/name": "something-else" } };
                assert.ok(!network.allows(other, keycloak, 8080));
            });

            it("seals each engine's credential in its own Secret; no ConfigMap holds one", () => {
                assert.ok(Object.keys(find("SealedSecret", "trino-secrets").spec.encryptedData).includes("TRINO_CATALOG_CREDENTIAL"));
                assert.deepStrictEqual(Object.keys(find("SealedSecret", "spark-catalog").spec.encryptedData), [CATALOG_CREDENTIAL_ENV]);
                if (config.flink.enabled) {
                    assert.deepStrictEqual(Object.keys(find("SealedSecret", "flink-catalog").spec.encryptedData), [CATALOG_CREDENTIAL_ENV]);
                    const env = find("Deployment", "flink-taskmanager").spec.template.spec.containers[0].env;
                    const plain = Object.fromEntries(env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
                    assert.strictEqual(plain.LAKEHOUSE_CATALOG_OAUTH2_SERVER_URI, TOKEN_ENDPOINT.replace("platform-management", `${config.namespaces.prefix}-management`));
                    assert.deepStrictEqual(env.find((e: any) => e.name === CATALOG_CREDENTIAL_ENV).valueFrom.secretKeyRef, { name: "flink-catalog", key: CATALOG_CREDENTIAL_ENV });
                }
                // The offline plan's generated secrets read "plan-<resource>": a credential would show as "<engine>-catalog:plan-…".
                for (const cm of objects.filter((o) => o.kind === "ConfigMap")) assert.doesNotMatch(JSON.stringify(cm.data ?? {}), /-catalog:plan-/, `${cm.metadata.name} holds a credential`);
            });
        });
    }
});
