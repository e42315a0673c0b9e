// Identity with real processes: Keycloak's distribution of the configured release (Maven Central)
// built with the image's options and started as two clustered nodes with the environment the e2e
// stack's plan renders, on a real PostgreSQL prepared by the plan's databases SQL; the `platform`
// realm applied by the realm sync Job's script, and the OIDC flows its consumers use. See
// e2e/identity/README.md.
//
// npx mocha --no-config -r ts-node/register/transpile-only -r test/support/tempdirs.ts --timeout 1200000 e2e/identity.spec.ts
import * as assert from "assert";
import { spawn } from "child_process";
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { KEYCLOAK_ADMINS, KEYCLOAK_PORTS, keycloakSecretsFile } from "../components/keycloak/keycloakConfig";
import { KEYCLOAK_NAMES } from "../components/keycloak/keycloakServer";
import { KEYCLOAK_METRIC_SOURCES, KEYCLOAK_SHARED_METRICS } from "../components/keycloak/monitoring";
import { OidcClientRequest, REALM, REALM_SECRET_FILES, renderRealm } from "../components/keycloak/realm";
import { GRAFANA_OIDC_CLIENT, grafanaRedirectUri, grafanaSsoIni } from "../components/observability/grafanaSso";
import { resolveConfig } from "../config";
import { PostgresServer, freePort, jmespath, postgresBinDir, startPostgres } from "../test/support/realTools";
import { rawConfigOf } from "../test/support/stacks";
import { tempDir } from "../test/support/tempdirs";
import { BuiltDistribution, KeycloakNode, LocalKeycloak, builtDistribution, imageBuildOptions, imageVersion, jgroupsPort } from "./identity/localKeycloak";
import { runSync, stackClients } from "./identity/localRealm";
import { jwtClaims, loginAt, postToken } from "./identity/oidcClient";
import { plannedObjectsOf } from "./patroni/planned";
import { until } from "./patroni/processes";
import { Figures, seconds } from "./support/figures";
import { parseMetrics } from "./support/metrics";

const STACK = "e2e";
const figures = new Figures("Identity e2e", "identity e2e: ");
const report = figures.report;
const PUBLIC_HOST = "auth.e2e.localhost";
/** The client the e2e stack's sample-api asks for (sso: true, published at app.e2e.localhost/api). */
const BROWSER: OidcClientRequest = { clientId: "sample-api", kind: "browser", redirectUris: ["https://app.e2e.localhost/api/*"], requester: "webServices[0].sso" };
/** Clients the check adds to the stack's realm, as the platform's consumers ask for them. */
const SERVICE: OidcClientRequest = { clientId: "e2e-service", kind: "service", redirectUris: [], requester: "e2e" };
/** Grafana's client as the composition asks for it (the e2e stack runs no Grafana: monitoring is off there). */
const GRAFANA_HOST = "grafana.e2e.localhost";
const GRAFANA: OidcClientRequest = { clientId: GRAFANA_OIDC_CLIENT, kind: "browser", redirectUris: [grafanaRedirectUri(GRAFANA_HOST)], requester: "observability.grafana" };

/** A browser's login against a node's internal address, as the ingress forwards it: the authorization request with PKCE, the login form, the redirect's code. */
async function authorizationCodeLogin(base: string, client: string, redirectUri: string, user: string, password: string, scope = "openid"): Promise<{ code: string; verifier: string; location: string }> {
    const verifier = randomBytes(48).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const query = new URLSearchParams({ client_id: client, response_type: "code", scope, state: "e2e-state", nonce: "e2e-nonce", redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: "S256" });
    const { location } = await loginAt(base, `/realms/${REALM}/protocol/openid-connect/auth?${query}`, PUBLIC_HOST, user, password);
    const code = new URL(location).searchParams.get("code");
    if (!code) throw new Error(`login of ${user} did not redirect with a code (location ${location})`);
    return { code, verifier, location };
}

const tokenEndpoint = (base: string, realm = REALM) => `${base}/realms/${realm}/protocol/openid-connect/token`;

async function token(base: string, form: Record<string, string>, basic?: [string, string], realm = REALM): Promise<any> {
    const res = await postToken(tokenEndpoint(base, realm), form, basic);
    const body = await res.json();
    if (!res.ok) throw new Error(`token endpoint: HTTP ${res.status}: ${JSON.stringify(body)}`);
    return body;
}

describe(`Identity with the ${STACK} stack's settings: Keycloak clustered on real PostgreSQL, the platform realm synced, OIDC flows`, () => {
    let dist: BuiltDistribution;
    let pg: PostgresServer | undefined;
    let keycloak: LocalKeycloak | undefined;
    let nodes: KeycloakNode[] = [];
    let plannedEnv: Record<string, string>;
    const localEnvs: Record<string, string>[] = [];
    let plannedRealm: any;
    let realmFile: string;
    const secretsDir = tempDir("realm-secrets");
    const secret = (name: string) => fs.readFileSync(path.join(secretsDir, name), "utf8");
    const adminClientSecret = randomBytes(20).toString("hex");
    const config = resolveConfig(rawConfigOf(STACK));
    const settings = config.keycloak;
    const base = (node: KeycloakNode) => `http://127.0.0.1:${node.httpPort}`;
    const clientSecret = (clientId: string) => secret(path.basename(REALM_SECRET_FILES.client(clientId)));
    /** Headers of the admin API, as the realm sync client (a bootstrap admin client of the master realm). */
    const adminHeaders = async (node: KeycloakNode) => {
        const admin = await token(base(node), { grant_type: "client_credentials" }, [KEYCLOAK_ADMINS.syncClient, adminClientSecret], "master");
        return { Authorization: `Bearer ${admin.access_token}`, "Content-Type": "application/json" };
    };
    let started = Date.now();

    before(async () => {
        started = Date.now();
        let t0 = Date.now();
        const objects = plannedObjectsOf(STACK);
        const deployment = objects.find((o) => o.kind === "Deployment" && o.metadata.name === KEYCLOAK_NAMES.server);
        plannedEnv = Object.fromEntries(deployment.spec.template.spec.containers[0].env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
        plannedRealm = JSON.parse(objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === KEYCLOAK_NAMES.realm).data["realm.json"]);
        const databasesSql = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "postgres-settings").data["databases.sql"];
        report(`planned ${STACK} in ${seconds(Date.now() - t0)}`);
        t0 = Date.now();
        assert.strictEqual(imageVersion(), settings.version, "images/keycloak/Dockerfile builds the release of keycloak.version");
        dist = await builtDistribution(settings.version);
        report(`keycloak-quarkus-dist ${dist.version}: downloaded and sha1-checked in ${seconds(dist.downloadMs)}, built with the image's options (${Object.entries(imageBuildOptions()).map(([k, v]) => `${k}=${v}`).join(" ")}) in ${seconds(dist.buildMs)} (0 s: cached)`);
        pg = await startPostgres();
        // The databases Job's SQL: roles with their passwords as psql variables, then the databases.
        const variables = [...new Set([...databasesSql.matchAll(/:'(pw_\w+)'/g)].map((m: RegExpMatchArray) => m[1]))];
        const passwords = Object.fromEntries(variables.map((v) => [v, randomBytes(12).toString("hex")]));
        const sqlFile = path.join(tempDir("sql"), "databases.sql");
        fs.writeFileSync(sqlFile, databasesSql);
        const psqlRun = await new Promise<number | null>((resolve) => {
            const child = spawn(path.join(postgresBinDir(), "psql"), ["-X", ...variables.flatMap((v) => ["-v", `${v}=${passwords[v]}`]), "-f", sqlFile], { env: { ...process.env, ...pg!.env }, stdio: "ignore" });
            child.on("close", resolve);
        });
        assert.strictEqual(psqlRun, 0, "the databases SQL ran");
        // Keycloak's secrets file, rendered by the program's function with this run's passwords.
        const confFile = path.join(tempDir("keycloak-conf"), "keycloak.conf");
        fs.writeFileSync(confFile, keycloakSecretsFile({ dbPassword: passwords.pw_keycloak, adminPassword: randomBytes(12).toString("hex"), syncClientSecret: adminClientSecret }));
        fs.chmodSync(path.dirname(confFile), 0o755);
        fs.chmodSync(confFile, 0o644);
        keycloak = new LocalKeycloak(dist);
        t0 = Date.now();
        for (const name of ["keycloak-0", "keycloak-1"]) {
            const http = await freePort();
            const management = await freePort();
            const jgroups = await jgroupsPort();
            const env = {
                ...plannedEnv,
                KC_HTTP_PORT: String(http),
                KC_HTTP_MANAGEMENT_PORT: String(management),
                KC_HTTP_HOST: "127.0.0.1",
                KC_DB_URL: `jdbc:postgresql://127.0.0.1:${pg.port}/keycloak`,
                KC_CONFIG_FILE: confFile,
                KC_CACHE_EMBEDDED_NETWORK_BIND_ADDRESS: "127.0.0.1",
                KC_CACHE_EMBEDDED_NETWORK_BIND_PORT: String(jgroups),
            };
            localEnvs.push(env);
            nodes.push(keycloak.start(name, env, { http, management }));
        }
        const readyMs = await Promise.all(nodes.map((n) => keycloak!.ready(n)));
        // Started together on an empty database, as the Deployment's two pods: one may lose the race for Liquibase's
        // changelog table and exit; the kubelet starts it again (restartPolicy Always), and so does the check.
        report(`two nodes ready after ${readyMs.map((ms) => seconds(ms)).join(" and ")}, started together on an empty database (${seconds(Date.now() - t0)} in all; restarted after exiting: ${nodes.map((n) => `${n.name} ${n.restarts}×`).join(", ")})`);
        // The realm sync Job's input: the plan's realm with the check's clients, its secret files in a local directory.
        const withClients = { ...plannedRealm, clients: [...plannedRealm.clients, ...(renderRealm(settings.realm, [GRAFANA, SERVICE]) as any).clients] };
        // A secret for every client with one: the stack's (sample-api, Trino's, the engines' catalog clients) and the check's.
        const withSecrets = (withClients.clients as any[]).filter((c) => typeof c.secret === "string").map((c) => c.clientId as string);
        for (const id of withSecrets) fs.writeFileSync(path.join(secretsDir, path.basename(REALM_SECRET_FILES.client(id))), randomBytes(16).toString("hex"));
        for (const u of Object.keys(settings.realm.testUsers)) fs.writeFileSync(path.join(secretsDir, path.basename(REALM_SECRET_FILES.user(u))), `${randomBytes(12).toString("hex")}Aa1!`);
        realmFile = path.join(tempDir("realm"), "realm.json");
        fs.writeFileSync(realmFile, JSON.stringify(withClients, null, 2).split(REALM_SECRET_FILES.dir).join(secretsDir));
    });

    after(async () => {
        try {
            await keycloak?.stop();
            pg?.stop();
        } finally {
            report(`whole run ${seconds(Date.now() - started)}`);
            figures.print();
        }
    });

    it("runs the planned environment, changed only in addresses, ports and paths; the plan's realm is the stack's realm with the clients its services ask for, sample-api's among them", () => {
        for (const local of localEnvs) {
            const changed = [...new Set([...Object.keys(local), ...Object.keys(plannedEnv)])].filter((k) => local[k] !== plannedEnv[k]).sort();
            // The bind address is the pod's IP (a fieldRef in the plan); KC_HTTP_HOST keeps the node on loopback.
            // (The first node's JGroups port may be the planned 7800 itself.)
            assert.deepStrictEqual(changed.filter((k) => k !== "KC_CACHE_EMBEDDED_NETWORK_BIND_PORT"), ["KC_CACHE_EMBEDDED_NETWORK_BIND_ADDRESS", "KC_CONFIG_FILE", "KC_DB_URL", "KC_HTTP_HOST", "KC_HTTP_MANAGEMENT_PORT", "KC_HTTP_PORT"]);
        }
        assert.strictEqual(plannedEnv.KC_HOSTNAME, `https://${PUBLIC_HOST}`);
        assert.strictEqual(plannedEnv.KC_HTTP_PORT, String(KEYCLOAK_PORTS.http));
        // The clients as the stack's services ask for them (sample-api's among them, as this check renders it).
        const asked = stackClients(config, (plannedRealm.clients as any[]).filter((c) => typeof c.secret === "string").map((c) => c.clientId));
        assert.deepStrictEqual(asked.find((c) => c.clientId === BROWSER.clientId), { ...BROWSER, audiences: [], tokenExchange: false, withoutPkce: false });
        assert.deepStrictEqual(plannedRealm, JSON.parse(JSON.stringify(renderRealm(settings.realm, asked))));
    });

    it("forms one cluster of both nodes over the database (jdbc-ping)", async () => {
        await until("a cluster view of 2 members", 60_000, () => (nodes.every((n) => keycloak!.grep(n, /ISPN000094: Received new cluster view.*\(2\)/).length > 0) ? true : undefined), 1000);
        const sizes = await Promise.all(nodes.map(async (n) => parseMetrics(await (await fetch(`http://127.0.0.1:${n.managementPort}/metrics`)).text()).find((s) => s.name === "vendor_cluster_size")?.value));
        assert.deepStrictEqual(sizes, [2, 2]);
        report(`cluster: both nodes see 2 members (vendor_cluster_size ${sizes.join(", ")})`);
    });

    it("creates the platform realm with the realm sync Job's script, and a second sync changes nothing", async () => {
        const first = await runSync(realmFile, base(nodes[0]), adminClientSecret);
        assert.strictEqual(first.status, 0, first.output);
        assert.match(first.output, /^created realm platform/m);
        const second = await runSync(realmFile, base(nodes[1]), adminClientSecret);
        assert.strictEqual(second.status, 0, second.output);
        assert.strictEqual(second.output.split("\n").pop(), "in sync: nothing to change", second.output);
        report(`realm sync: "${first.output.split("\n")[0]}" in ${seconds(first.ms)}; again on the other node: "${second.output.split("\n").pop()}" in ${seconds(second.ms)}`);
    });

    it("publishes the public issuer in discovery, with the Service's address for tokens and keys (backchannel)", async () => {
        const discovery: any = await (await fetch(`${base(nodes[0])}/realms/${REALM}/.well-known/openid-configuration`)).json();
        assert.strictEqual(discovery.issuer, `https://${PUBLIC_HOST}/realms/${REALM}`);
        assert.strictEqual(discovery.authorization_endpoint, `https://${PUBLIC_HOST}/realms/${REALM}/protocol/openid-connect/auth`);
        assert.strictEqual(discovery.token_endpoint, `${base(nodes[0])}/realms/${REALM}/protocol/openid-connect/token`);
        assert.strictEqual(discovery.jwks_uri, `${base(nodes[0])}/realms/${REALM}/protocol/openid-connect/certs`);
        report(`discovery: issuer ${discovery.issuer}, token endpoint ${discovery.token_endpoint}`);
    });

    it("gives a service client a token by client credentials, issued by the public issuer", async () => {
        const t0 = Date.now();
        const t = await token(base(nodes[1]), { grant_type: "client_credentials" }, [SERVICE.clientId, clientSecret(SERVICE.clientId)]);
        const claims = jwtClaims(t.access_token);
        assert.strictEqual(claims.iss, `https://${PUBLIC_HOST}/realms/${REALM}`);
        assert.strictEqual(claims.azp, SERVICE.clientId);
        report(`client credentials for ${SERVICE.clientId}: a token in ${Date.now() - t0} ms (iss ${claims.iss})`);
    });

    it("logs the test user in by authorization code (PKCE) on one node, exchanges the code on the other, with its groups and roles in the token; password grants are refused", async () => {
        const [user] = Object.keys(settings.realm.testUsers);
        const password = secret(path.basename(REALM_SECRET_FILES.user(user)));
        const t0 = Date.now();
        const redirectUri = BROWSER.redirectUris[0].replace(/\*$/, "oauth2/callback");
        const login = await authorizationCodeLogin(base(nodes[0]), BROWSER.clientId, redirectUri, user, password);
        const t = await token(base(nodes[1]), { grant_type: "authorization_code", code: login.code, redirect_uri: redirectUri, code_verifier: login.verifier }, [BROWSER.clientId, clientSecret(BROWSER.clientId)]);
        const id = jwtClaims(t.id_token);
        const access = jwtClaims(t.access_token);
        assert.strictEqual(id.preferred_username, user);
        assert.deepStrictEqual(id.groups, settings.realm.testUsers[user]);
        assert.ok(access.roles.includes("viewer"), `roles: ${access.roles}`);
        report(`authorization code login of ${user} in ${seconds(Date.now() - t0)}: groups ${JSON.stringify(id.groups)}, roles ${JSON.stringify(access.roles)}`);
        const refused = await postToken(tokenEndpoint(base(nodes[0])), { grant_type: "password", username: user, password }, [BROWSER.clientId, clientSecret(BROWSER.clientId)]);
        assert.deepStrictEqual([refused.status, ((await refused.json()) as any).error], [400, "unauthorized_client"], "direct access grants are off");
        // Keycloak's own public admin-cli client of the realm, which allows password grants by default.
        const adminCli = await postToken(tokenEndpoint(base(nodes[0])), { grant_type: "password", client_id: "admin-cli", username: user, password });
        assert.deepStrictEqual([adminCli.status, ((await adminCli.json()) as any).error], [400, "unauthorized_client"], "admin-cli takes no password grant either");
    });

    it("signs the test user in to Grafana with its rendered auth.generic_oauth: URLs as discovery has them, the code exchanged and user info read on the Service's address, the role expression on the real claims", async () => {
        const ini = grafanaSsoIni({ grafanaHost: GRAFANA_HOST, issuer: `https://${PUBLIC_HOST}/realms/${REALM}`, internalRealmUrl: `${base(nodes[1])}/realms/${REALM}`, clientId: GRAFANA.clientId, roles: config.observability.grafana.roles });
        const oauth = ini["auth.generic_oauth"] as Record<string, string>;
        // Discovery as Grafana's backchannel sees it (on the node its token_url names).
        const discovery: any = await (await fetch(`${base(nodes[1])}/realms/${REALM}/.well-known/openid-configuration`)).json();
        assert.deepStrictEqual(
            { auth_url: oauth.auth_url, token_url: oauth.token_url, api_url: oauth.api_url, logout: (ini.auth.signout_redirect_url as string).split("?")[0] },
            { auth_url: discovery.authorization_endpoint, token_url: discovery.token_endpoint, api_url: discovery.userinfo_endpoint, logout: discovery.end_session_endpoint.replace(base(nodes[1]), `https://${PUBLIC_HOST}`) },
        );
        const [user] = Object.keys(settings.realm.testUsers);
        const t0 = Date.now();
        // The browser is sent to auth_url (the public host: the ingress sends it to a node, here node 0).
        assert.strictEqual(new URL(oauth.auth_url).host, PUBLIC_HOST);
        const redirectUri = `${ini.server.root_url}login/generic_oauth`;
        const login = await authorizationCodeLogin(base(nodes[0]), oauth.client_id, redirectUri, user, secret(path.basename(REALM_SECRET_FILES.user(user))), oauth.scopes);
        const exchange = await postToken(oauth.token_url, { grant_type: "authorization_code", code: login.code, redirect_uri: redirectUri, code_verifier: login.verifier }, [oauth.client_id, clientSecret(GRAFANA.clientId)]);
        const tokens: any = await exchange.json();
        assert.strictEqual(exchange.status, 200, JSON.stringify(tokens));
        // User info on the Service's address, for a token whose issuer is the public one.
        const info = await fetch(oauth.api_url, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
        const userInfo: any = await info.json();
        assert.strictEqual(info.status, 200, JSON.stringify(userInfo));
        const id = jwtClaims(tokens.id_token);
        assert.deepStrictEqual([id.iss, id.aud, userInfo[oauth.login_attribute_path]], [`https://${PUBLIC_HOST}/realms/${REALM}`, GRAFANA.clientId, user]);
        // Grafana evaluates role_attribute_path on the ID token and the user info: the test user's group grants viewer.
        const roles = jmespath(oauth.role_attribute_path, [id, userInfo, { ...userInfo, roles: ["data-engineer"] }, { ...userInfo, roles: [] }]);
        assert.deepStrictEqual(roles, ["Viewer", "Viewer", "Editor", null]);
        report(`Grafana sign-in of ${user} with the rendered settings in ${seconds(Date.now() - t0)}: auth_url, token_url, api_url and the logout URL equal discovery's; role ${roles[0]} from roles ${JSON.stringify(userInfo.roles)} (a user without a mapped role: refused)`);
    });

    it("applies a changed redirect URI, and keeps what was made by hand", async () => {
        const headers = await adminHeaders(nodes[0]);
        assert.strictEqual((await fetch(`${base(nodes[0])}/admin/realms/${REALM}/groups`, { method: "POST", headers, body: JSON.stringify({ name: "made-by-hand" }) })).status, 201);
        const changed = JSON.parse(fs.readFileSync(realmFile, "utf8"));
        const ui = changed.clients.find((c: any) => c.clientId === BROWSER.clientId);
        ui.redirectUris = ["https://app.e2e.localhost/api/v2/*"];
        const changedFile = path.join(path.dirname(realmFile), "realm-changed.json");
        fs.writeFileSync(changedFile, JSON.stringify(changed, null, 2));
        const run = await runSync(changedFile, base(nodes[1]), adminClientSecret);
        assert.strictEqual(run.status, 0, run.output);
        assert.match(run.output, new RegExp(`^updated client ${BROWSER.clientId}: redirectUris$`, "m"));
        const clients: any = await (await fetch(`${base(nodes[0])}/admin/realms/${REALM}/clients?clientId=${BROWSER.clientId}`, { headers })).json();
        assert.deepStrictEqual(clients[0].redirectUris, ["https://app.e2e.localhost/api/v2/*"]);
        const groups = ((await (await fetch(`${base(nodes[0])}/admin/realms/${REALM}/groups`, { headers })).json()) as any[]).map((g: any) => g.name);
        assert.ok(groups.includes("made-by-hand"), `groups: ${groups}`);
        report(`changed redirect URI: "${run.output.split("\n")[0]}" in ${seconds(run.ms)}; the group made by hand is kept`);
    });

    it("revokes a role taken out of a group's config, and takes the test user out of a group its config no longer lists", async () => {
        const [user] = Object.keys(settings.realm.testUsers);
        const [group] = settings.realm.testUsers[user];
        const changed = JSON.parse(fs.readFileSync(realmFile, "utf8"));
        changed.groups.find((g: any) => g.name === group).realmRoles = ["data-engineer"];
        changed.users.find((u: any) => u.username === user).groups = ["/viewers"];
        const changedFile = path.join(path.dirname(realmFile), "realm-revoked.json");
        fs.writeFileSync(changedFile, JSON.stringify(changed, null, 2));
        const run = await runSync(changedFile, base(nodes[0]), adminClientSecret);
        assert.strictEqual(run.status, 0, run.output);
        for (const line of [`granted group ${group} roles data-engineer`, `revoked group ${group} roles viewer`, `added user ${user} to group viewers`, `removed user ${user} from group ${group}`]) assert.ok(run.output.split("\n").includes(line), `"${line}" in:\n${run.output}`);
        const headers = await adminHeaders(nodes[1]);
        const groups: any[] = (await (await fetch(`${base(nodes[1])}/admin/realms/${REALM}/groups?briefRepresentation=true`, { headers })).json()) as any[];
        const id = groups.find((g) => g.name === group).id;
        const roles = ((await (await fetch(`${base(nodes[1])}/admin/realms/${REALM}/groups/${id}/role-mappings/realm`, { headers })).json()) as any[]).map((r) => r.name);
        assert.deepStrictEqual(roles, ["data-engineer"]);
        const again = await runSync(changedFile, base(nodes[1]), adminClientSecret);
        assert.strictEqual(again.output.split("\n").pop(), "in sync: nothing to change", again.output);
        report(`revocation: ${run.output.split("\n").filter((l) => /^(revoked|removed)/.test(l)).join("; ")} in ${seconds(run.ms)}; again: nothing to change`);
    });

    it("serves every metric of the catalogue on the management port, login events among them", async () => {
        const names = new Set((await Promise.all(nodes.map(async (n) => parseMetrics(await (await fetch(`http://127.0.0.1:${n.managementPort}/metrics`)).text())))).flat().map((s) => s.name));
        const read = [...KEYCLOAK_METRIC_SOURCES.keycloak.metrics.map((m) => m.name), ...KEYCLOAK_SHARED_METRICS];
        const missing = read.filter((n) => !names.has(n));
        assert.deepStrictEqual(missing, []);
        report(`metrics: ${names.size} series names on the two nodes; all ${read.length} that the alerts and the dashboard read exported`);
    });
});
