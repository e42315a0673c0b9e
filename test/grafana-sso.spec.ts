// Grafana signs in through the platform realm: its client in the realm, its grafana.ini rendered
// (pure) with the public issuer for browsers and Keycloak's Service for its own calls, its secret
// sealed, and the role expression evaluated by a real JMESPath implementation (python jmespath,
// the reference implementation Grafana's Go library follows) on the claims Keycloak puts in tokens.
import * as assert from "assert";
import { GRAFANA_OAUTH, grafanaRedirectUri, grafanaRoleExpression, grafanaSsoIni } from "../components/observability/grafanaSso";
import { resolveConfig } from "../config";
import { chartsOf, planOf, plannedObjects } from "./support/plan";
import { jmespath } from "./support/realTools";
import { configProblems, rawConfigOf, withValues } from "./support/stacks";

const DEFAULT_ROLES = { admin: ["platform-admin"], editor: ["data-engineer"], viewer: ["viewer"] };

describe("Grafana single sign-on (platform realm)", () => {
    describe("the role expression", () => {
        it("gives the highest Grafana role a user's realm roles map to, and nothing without one", () => {
            const claims = [
                { roles: ["viewer", "platform-admin"] },
                { roles: ["data-engineer", "viewer"] },
                { roles: ["viewer"] },
                { roles: ["default-roles-platform", "offline_access"] },
                { preferred_username: "no-roles-claim" },
            ];
            assert.deepStrictEqual(jmespath(grafanaRoleExpression(DEFAULT_ROLES), claims), ["Admin", "Editor", "Viewer", null, null]);
        });

        it("accepts several realm roles for one Grafana role, and leaves a level out when none is mapped", () => {
            const expression = grafanaRoleExpression({ admin: ["platform-admin", "sre"], editor: [], viewer: ["viewer"] });
            assert.deepStrictEqual(jmespath(expression, [{ roles: ["sre"] }, { roles: ["data-engineer"] }, { roles: ["viewer"] }]), ["Admin", null, "Viewer"]);
            assert.ok(!expression.includes("Editor"), expression);
        });
    });

    describe("grafana.ini (pure)", () => {
        const ini = grafanaSsoIni({
            grafanaHost: "grafana.data.example.com",
            issuer: "https://auth.data.example.com/realms/platform",
            internalRealmUrl: "http://keycloak.platform-management.svc.cluster.local:8080/realms/platform",
            clientId: "grafana",
            roles: DEFAULT_ROLES,
        });
        const oauth = ini["auth.generic_oauth"];

        it("sends browsers to the public issuer and makes Grafana's own calls to Keycloak's Service", () => {
            assert.strictEqual(oauth.auth_url, "https://auth.data.example.com/realms/platform/protocol/openid-connect/auth");
            assert.strictEqual(oauth.token_url, "http://keycloak.platform-management.svc.cluster.local:8080/realms/platform/protocol/openid-connect/token");
            assert.strictEqual(oauth.api_url, "http://keycloak.platform-management.svc.cluster.local:8080/realms/platform/protocol/openid-connect/userinfo");
            assert.strictEqual(ini.server.root_url, "https://grafana.data.example.com/");
            assert.strictEqual(ini.auth.signout_redirect_url, "https://auth.data.example.com/realms/platform/protocol/openid-connect/logout?client_id=grafana&post_logout_redirect_uri=https%3A%2F%2Fgrafana.data.example.com%2Flogin");
        });

        it("uses PKCE, refuses users without a mapped role, and reads the client secret from a file, never a value", () => {
            assert.strictEqual(oauth.use_pkce, true);
            assert.strictEqual(oauth.role_attribute_strict, true);
            assert.strictEqual(oauth.client_secret, `$__file{${GRAFANA_OAUTH.dir}/${GRAFANA_OAUTH.file}}`);
            // The login form stays for the sealed break-glass admin only: nobody signs up locally.
            assert.deepStrictEqual([ini.auth.disable_login_form, ini.users.allow_sign_up], [false, false]);
        });
    });

    describe("config", () => {
        it("maps the default realm roles to Grafana's Admin, Editor and Viewer", () => {
            assert.deepStrictEqual(resolveConfig(rawConfigOf("prod")).observability.grafana.roles, DEFAULT_ROLES);
        });

        it("refuses a Grafana role mapped to a role the realm does not have, naming the key, and a mapping nobody can sign in with", () => {
            const problems = (roles: unknown) => configProblems(() => resolveConfig(withValues(rawConfigOf("staging"), { observability: { grafana: { roles } } }))).join("\n");
            assert.match(problems({ admin: ["root"] }), /observability\.grafana\.roles\.admin\[0\]: got "root"; allowed: one of keycloak\.realm\.roles \(platform-admin, data-engineer, viewer\)/);
            assert.match(problems({ admin: [], editor: [], viewer: [] }), /observability\.grafana\.roles: .*allowed: at least one realm role mapped to a Grafana role/);
        });
    });

    describe("the dev plan", () => {
        it("asks the realm for Grafana's browser client, redirecting to Grafana's host only", () => {
            const realm = JSON.parse(plannedObjects("dev").find((o) => o.kind === "ConfigMap" && o.metadata.name === "keycloak-realm").data["realm.json"]);
            const client = realm.clients.find((c: any) => c.clientId === "grafana");
            assert.ok(client, "a grafana client in the realm");
            assert.deepStrictEqual([client.redirectUris, client.standardFlowEnabled, client.directAccessGrantsEnabled], [[grafanaRedirectUri("grafana.platform.localhost")], true, false]);
        });

        it("gives Grafana the rendered settings and its client secret as a sealed file", () => {
            const objects = plannedObjects("dev");
            const sealed = objects.find((o) => o.kind === "SealedSecret" && o.metadata.name === GRAFANA_OAUTH.secretName);
            assert.ok(sealed, "a SealedSecret grafana-oauth");
            assert.deepStrictEqual(Object.keys(sealed.spec.encryptedData), [GRAFANA_OAUTH.file]);
            const grafana = chartsOf(planOf("dev").outDir)["monitoring-kube-prometheus-stack"].values.grafana;
            assert.ok(grafana.extraSecretMounts.some((m: any) => m.secretName === GRAFANA_OAUTH.secretName && m.mountPath === GRAFANA_OAUTH.dir && m.readOnly));
            assert.deepStrictEqual(
                grafana["grafana.ini"],
                JSON.parse(
                    JSON.stringify(
                        grafanaSsoIni({
                            grafanaHost: "grafana.platform.localhost",
                            issuer: "https://auth.platform.localhost/realms/platform",
                            internalRealmUrl: "http://keycloak.platform-management.svc.cluster.local:8080/realms/platform",
                            clientId: "grafana",
                            roles: DEFAULT_ROLES,
                        }),
                    ),
                ),
            );
        });
    });
});
