// Identity: the keycloak section of the config (refused naming the key) and the `platform` realm
// rendered as code (pure): roles from groups, clients from the services' requests with redirect
// URIs on the stack's domain only, and no secret in the rendered realm.
import * as assert from "assert";
import { OidcClientRequest, REALM_SECRET_FILES, checkedClients, renderRealm, secretReference } from "../components/keycloak/realm";
import { ConfigError } from "../config/errors";
import { resolveConfig } from "../config";
import { plannedObjects } from "./support/plan";
import { configProblems, rawConfigOf, withValues } from "./support/stacks";

const rejected = (stack: string, changes: Record<string, unknown>): string => configProblems(() => resolveConfig(withValues(rawConfigOf(stack), changes))).join("\n");
const grafana: OidcClientRequest = { clientId: "grafana", kind: "browser", redirectUris: ["https://grafana.data.example.com/login/generic_oauth"], requester: "observability.grafana" };
const scraper: OidcClientRequest = { clientId: "prometheus", kind: "service", redirectUris: [], requester: "observability" };

describe("identity (Keycloak)", () => {
    describe("config", () => {
        it("maps the default groups to the default roles", () => {
            const realm = resolveConfig(rawConfigOf("prod")).keycloak.realm;
            assert.deepStrictEqual(realm.groups, { "platform-admins": ["platform-admin"], "data-engineers": ["data-engineer"], viewers: ["viewer"] });
        });

        it("refuses a group mapped to an unknown role, naming the key", () => {
            assert.match(rejected("prod", { keycloak: { realm: { groups: { auditors: ["auditor"] } } } }), /keycloak\.realm\.groups\.auditors\[0\]: got "auditor"; allowed: one of keycloak\.realm\.roles \(platform-admin, data-engineer, viewer\)/);
        });

        it("refuses test users outside dev-environment stacks, and users of unknown groups", () => {
            assert.match(rejected("prod", { keycloak: { realm: { testUsers: { alice: ["viewers"] } } } }), /keycloak\.realm\.testUsers\.alice: got "alice"; allowed: no test users when environment is prod/);
            assert.match(rejected("dev", { keycloak: { realm: { testUsers: { alice: ["auditors"] } } } }), /keycloak\.realm\.testUsers\.alice\[0\]: got "auditors"; allowed: one of keycloak\.realm\.groups/);
        });

        it("refuses a single replica outside dev, and Keycloak without PostgreSQL", () => {
            assert.match(rejected("prod", { keycloak: { enabled: true, replicas: 1 } }), /keycloak\.replicas: got 1; allowed: at least 2 when environment is prod/);
            assert.match(rejected("dev", { keycloak: { enabled: true }, postgres: { enabled: false }, webServices: [] }), /keycloak\.enabled: got true; allowed: false, or postgres\.enabled true/);
        });
    });

    describe("the realm (pure)", () => {
        const settings = resolveConfig(rawConfigOf("prod")).keycloak.realm;

        it("grants roles through groups, protects against brute force, and allows neither registration nor password grants", () => {
            const realm = renderRealm(settings, [grafana, scraper]) as any;
            assert.deepStrictEqual(realm.groups.map((g: any) => [g.name, g.realmRoles]), [["platform-admins", ["platform-admin"]], ["data-engineers", ["data-engineer"]], ["viewers", ["viewer"]]]);
            assert.strictEqual(realm.bruteForceProtected, true);
            assert.strictEqual(realm.registrationAllowed, false);
            // Keycloak's own admin-cli (public, with password grants by default) gets them switched off too.
            assert.ok(realm.clients.every((c: any) => c.directAccessGrantsEnabled === false), JSON.stringify(realm.clients.map((c: any) => [c.clientId, c.directAccessGrantsEnabled])));
            assert.deepStrictEqual(realm.clients.map((c: any) => c.clientId), ["grafana", "prometheus", "admin-cli"]);
            assert.ok(realm.clients.slice(0, 2).every((c: any) => c.publicClient === false));
        });

        it("makes a browser client an authorization-code client with PKCE, and a service client a client-credentials one", () => {
            const [ui, service] = (renderRealm(settings, [grafana, scraper]) as any).clients;
            assert.deepStrictEqual([ui.standardFlowEnabled, ui.serviceAccountsEnabled, ui.attributes["pkce.code.challenge.method"], ui.webOrigins], [true, false, "S256", ["https://grafana.data.example.com"]]);
            assert.deepStrictEqual([service.standardFlowEnabled, service.serviceAccountsEnabled, service.redirectUris], [false, true, []]);
            assert.deepStrictEqual(ui.protocolMappers.map((m: any) => m.config["claim.name"]), ["groups", "roles"]);
        });

        it("holds no secret: client secrets and test passwords are references to the sync Job's files", () => {
            const realm = renderRealm({ ...settings, testUsers: { alice: ["viewers"] } }, [grafana]) as any;
            assert.strictEqual(realm.clients[0].secret, secretReference(REALM_SECRET_FILES.client("grafana")));
            assert.strictEqual(realm.users[0].credentials[0].value, secretReference(REALM_SECRET_FILES.user("alice")));
            assert.deepStrictEqual(realm.users[0].groups, ["/viewers"]);
        });

        it("refuses a redirect host outside the stack's domain, naming who asked", () => {
            const evil = { ...grafana, redirectUris: ["https://grafana.evil.example.org/login/generic_oauth"] };
            assert.throws(() => checkedClients([evil], "data.example.com"), (e: unknown) => e instanceof ConfigError && /observability\.grafana: got redirect URI "https:\/\/grafana\.evil\.example\.org\/login\/generic_oauth"; allowed: https:\/\/<host>\/<path> with <host> under the stack's domain data\.example\.com/.test(e.problems.join("\n")));
            assert.deepStrictEqual(checkedClients([grafana, scraper], "data.example.com"), [grafana, scraper]);
            assert.throws(() => checkedClients([grafana, grafana], "data.example.com"), /asked for twice/);
            assert.throws(() => checkedClients([{ ...scraper, clientId: "admin-cli" }], "data.example.com"), /got client "admin-cli"; allowed: a name other than Keycloak's own clients/);
        });
    });
    describe("the dev plan", () => {
        it("publishes the realms and the login pages' resources at auth.<domain>, never the admin console or API", () => {
            const ingress = plannedObjects("dev").find((o) => o.kind === "Ingress" && o.spec.rules?.some((r: any) => r.host === "auth.platform.localhost"));
            assert.ok(ingress, "an Ingress for auth.platform.localhost");
            const paths = ingress.spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => `${p.pathType} ${p.path}`));
            assert.deepStrictEqual(paths.sort(), ["Prefix /realms", "Prefix /resources"]);
        });

        it("admits into Keycloak's pods only what its policies name: the namespace-wide rule leaves them out, Grafana gets a rule of its own", () => {
            const objects = plannedObjects("dev");
            const policy = (name: string) => objects.find((o) => o.kind === "NetworkPolicy" && o.metadata.namespace === "platform-management" && o.metadata.name === name);
            assert.deepStrictEqual(policy("management-internal").spec.podSelector, { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "NotIn", values: ["keycloak"] }] });
            const fromGrafana = policy("keycloak-from-grafana").spec;
            assert.deepStrictEqual(fromGrafana.podSelector.matchLabels["app.kubernetes.io/name"], "keycloak");
            assert.deepStrictEqual(fromGrafana.ingress, [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "platform-management" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "grafana" } } }], ports: [{ port: 8080, protocol: "TCP" }] }]);
        });
    });

    describe("web services that sign in through the realm (sso: true)", () => {
        const sso = (changes: Record<string, unknown>) => ({ webServices: [{ name: "orders", image: "registry.example.com/orders:1.0.0", port: 8080, replicas: 2, ...changes }] });

        it("refuses sso on a service without an ingress host, or without Keycloak, naming the key", () => {
            assert.match(rejected("staging", sso({ sso: true })), /webServices\[0\]\.sso: got true; allowed: false, or webServices\[0\]\.ingress set: a sign-in returns to the service's published host/);
            assert.match(rejected("staging", { keycloak: { enabled: false }, ...sso({ sso: true, ingress: { host: "orders" } }) }), /webServices\[0\]\.sso: got true; allowed: false, or keycloak\.enabled true/);
        });

        it("refuses a variable of the service's own that the platform sets for sso", () => {
            assert.match(rejected("staging", sso({ sso: true, ingress: { host: "orders" }, env: { OIDC_ISSUER_URL: "https://elsewhere" } })), /webServices\[0\]\.env\.OIDC_ISSUER_URL: got "OIDC_ISSUER_URL"; allowed: a name the platform does not set/);
        });

        it("e2e plan: sample-api's client returns under its published URL; its pods get the issuer, the Service's realm URL and the secret as a sealed file, and may reach Keycloak", () => {
            const objects = plannedObjects("e2e");
            const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
            const realm = JSON.parse(find("ConfigMap", "keycloak-realm").data["realm.json"]);
            const client = realm.clients.find((c: any) => c.clientId === "sample-api");
            assert.deepStrictEqual([client.redirectUris, client.standardFlowEnabled], [["https://app.e2e.localhost/api/*"], true]);
            const settingsMap = find("ConfigMap", "sample-api-settings").data;
            assert.deepStrictEqual([settingsMap.OIDC_ISSUER_URL, settingsMap.OIDC_INTERNAL_REALM_URL, settingsMap.OIDC_CLIENT_ID], [
                "https://auth.e2e.localhost/realms/platform",
                "http://keycloak.platform-management.svc.cluster.local:8080/realms/platform",
                "sample-api",
            ]);
            assert.ok(Object.keys(find("SealedSecret", "sample-api-secrets").spec.encryptedData).includes("OIDC_CLIENT_SECRET"));
            const env = find("Deployment", "sample-api-blue").spec.template.spec.containers[0].env;
            assert.ok(env.some((e: any) => e.name === "OIDC_CLIENT_SECRET_FILE"), "the secret as a file (secrets: files)");
            const admitted = objects.find((o) => o.kind === "NetworkPolicy" && o.metadata.name === "keycloak-from-sample-api");
            assert.ok(admitted, "Keycloak's side admits sample-api");
            assert.strictEqual(admitted.metadata.namespace, "platform-management");
        });
    });
});
