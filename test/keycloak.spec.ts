// Identity: the keycloak section of the config (refused naming the key) and the `platform` realm
// rendered as code (pure): roles from groups, clients from the services' requests with redirect
// URIs on the stack's domain only, and no secret in the rendered realm.
import * as assert from "assert";
import { OidcClientRequest, REALM_SECRET_FILES, checkedClients, renderRealm, secretReference } from "../components/keycloak/realm";
import { ConfigError } from "../config/errors";
import { resolveConfig } from "../config";
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
            assert.ok(realm.clients.every((c: any) => c.directAccessGrantsEnabled === false && c.publicClient === false));
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
        });
    });
});
