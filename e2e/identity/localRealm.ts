// The platform realm on one real Keycloak node, for the tiers whose services require its tokens
// (catalog, lakehouse): the distribution built with the image's options, started with the
// environment keycloakEnvironment renders for the stack (only addresses, ports and paths differ),
// on the tier's PostgreSQL, and the realm rendered by renderRealm for the clients the tier's
// processes use, applied by the realm sync Job's script. The identity tier checks Keycloak itself
// (two nodes, the plan's environment, the flows); this is its shortest way to a realm.
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { KEYCLOAK_ADMINS, KEYCLOAK_PATHS, issuer, keycloakEnvironment, keycloakSecretsFile, realmTokenEndpoint } from "../../components/keycloak/keycloakConfig";
import { KEYCLOAK_DATABASE, OIDC_CLIENT_NEED, clientRequestOf } from "../../components/keycloak/service";
import { serviceScope } from "../../platform/compose";
import { platformServices } from "../../platform/services";
import { OidcClientRequest, REALM, REALM_SECRET_FILES, renderRealm } from "../../components/keycloak/realm";
import { routeHost } from "../../components/web/siteIngress";
import { PlatformConfig } from "../../config/types";
import { PostgresServer, TOOLS_VENV, freePort } from "../../test/support/realTools";
import { PROJECT_DIR } from "../../test/support/stacks";
import { tempDir } from "../../test/support/tempdirs";
import { createDatabase } from "../objectstore/helpers";
import { KeycloakNode, LocalKeycloak, builtDistribution, jgroupsPort } from "./localKeycloak";
import { postToken } from "./oidcClient";

const SYNC = path.join(PROJECT_DIR, "images", "realm-sync", "keycloak-realm-sync");

export interface SyncRun {
    readonly status: number | null;
    readonly output: string;
    readonly ms: number;
}

/** The realm sync Job's script run as the Job runs it (Python 3 with the standard library only, as in the image). */
export function runSync(realmFile: string, url: string, adminSecret: string): Promise<SyncRun> {
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn(path.join(TOOLS_VENV, "bin", "python3"), [SYNC, realmFile], {
            env: { PATH: process.env.PATH, KEYCLOAK_URL: url, KEYCLOAK_CLIENT_ID: KEYCLOAK_ADMINS.syncClient, KEYCLOAK_CLIENT_SECRET: adminSecret, SYNC_TIMEOUT: "120" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        child.stdout.on("data", (d) => (output += d));
        child.stderr.on("data", (d) => (output += d));
        child.on("close", (status) => resolve({ status, output: output.trim(), ms: Date.now() - started }));
    });
}

/**
 * The realm file the sync Job reads, with its secret references pointing into `secretsDir`, and
 * a generated secret for every client and test user there.
 */
export function writeRealm(realm: Record<string, unknown>, clients: readonly OidcClientRequest[], testUsers: readonly string[], secretsDir: string): string {
    for (const c of clients) fs.writeFileSync(path.join(secretsDir, path.basename(REALM_SECRET_FILES.client(c.clientId))), randomBytes(16).toString("hex"));
    for (const u of testUsers) fs.writeFileSync(path.join(secretsDir, path.basename(REALM_SECRET_FILES.user(u))), `${randomBytes(12).toString("hex")}Aa1!`);
    const file = path.join(tempDir("realm"), "realm.json");
    fs.writeFileSync(file, JSON.stringify(realm, null, 2).split(REALM_SECRET_FILES.dir).join(secretsDir));
    return file;
}

/** The clients `ids` as the stack's services ask the realm for them (their needs), rendered as the plan's realm has them. */
export function stackClients(config: PlatformConfig, ids: readonly string[]): OidcClientRequest[] {
    const needs = platformServices(config)(serviceScope(config)).flatMap((s) => s.parts.flatMap((p) => p.needs ?? []));
    return ids.map((id) => {
        const need = needs.find((n) => n.kind === OIDC_CLIENT_NEED && n.name === id);
        if (!need) throw new Error(`no service of the stack asks for client ${id}`);
        return clientRequestOf(need);
    });
}

export interface LocalRealm {
    /** The node's HTTP address (what the Service is in a pod's view). */
    readonly base: string;
    /** The realm there: what consumers are configured with as Keycloak's internal realm URL. */
    readonly realmUrl: string;
    readonly tokenEndpoint: string;
    /** The public issuer the tokens name. */
    readonly issuer: string;
    /** A client's generated secret. */
    secret(clientId: string): string;
    /** A test user's generated password. */
    password(user: string): string;
    /** A client-credentials token of `clientId`, as a client gets it. */
    token(clientId: string): Promise<string>;
    readonly figures: { readonly buildMs: number; readonly readyMs: number; readonly syncMs: number };
    tail(): string;
    stop(): Promise<void>;
}

/** An HTTP port for Keycloak, chosen before it starts: its consumers are configured with the realm URL first. */
export async function realmPort(): Promise<{ http: number; management: number; realmUrl: string }> {
    const http = await freePort();
    return { http, management: await freePort(), realmUrl: `http://127.0.0.1:${http}/realms/${REALM}` };
}

/**
 * Starts one node for `config`'s realm with `clients`, on `ports` (realmPort), and syncs the realm;
 * `testUsers` (user: groups) join the stack's own, for stacks that declare none (staging, prod).
 */
export async function startLocalRealm(
    pg: PostgresServer,
    config: PlatformConfig,
    clients: readonly OidcClientRequest[],
    ports: { http: number; management: number },
    testUsers: Readonly<Record<string, readonly string[]>> = {},
): Promise<LocalRealm> {
    const settings = config.keycloak;
    const dist = await builtDistribution(settings.version);
    const dbPassword = randomBytes(12).toString("hex");
    createDatabase(pg, KEYCLOAK_DATABASE.name, KEYCLOAK_DATABASE.owner, dbPassword);
    const adminSecret = randomBytes(20).toString("hex");
    const confFile = path.join(tempDir("keycloak-conf"), path.basename(KEYCLOAK_PATHS.configFile));
    fs.writeFileSync(confFile, keycloakSecretsFile({ dbPassword, adminPassword: randomBytes(12).toString("hex"), syncClientSecret: adminSecret }));
    fs.chmodSync(path.dirname(confFile), 0o755);
    fs.chmodSync(confFile, 0o644);
    const host = routeHost(settings.host, config.domain);
    const env = {
        ...keycloakEnvironment({ host, db: { host: "127.0.0.1", port: pg.port, name: KEYCLOAK_DATABASE.name, user: KEYCLOAK_DATABASE.owner }, dbPoolMaxSize: 20 }),
        KC_HTTP_PORT: String(ports.http),
        KC_HTTP_MANAGEMENT_PORT: String(ports.management),
        KC_HTTP_HOST: "127.0.0.1",
        KC_CONFIG_FILE: confFile,
        KC_CACHE_EMBEDDED_NETWORK_BIND_ADDRESS: "127.0.0.1",
        KC_CACHE_EMBEDDED_NETWORK_BIND_PORT: String(await jgroupsPort()),
    };
    const keycloak = new LocalKeycloak(dist);
    const node: KeycloakNode = keycloak.start("keycloak-0", env, ports);
    const readyMs = await keycloak.ready(node);
    const base = `http://127.0.0.1:${ports.http}`;
    const secretsDir = tempDir("realm-secrets");
    const realmSettings = { ...settings.realm, testUsers: { ...settings.realm.testUsers, ...testUsers } };
    const realmFile = writeRealm(renderRealm(realmSettings, clients), clients, Object.keys(realmSettings.testUsers), secretsDir);
    const sync = await runSync(realmFile, base, adminSecret);
    if (sync.status !== 0) throw new Error(`realm sync failed:\n${sync.output}\n${keycloak.tail(node)}`);
    const secret = (clientId: string) => fs.readFileSync(path.join(secretsDir, path.basename(REALM_SECRET_FILES.client(clientId))), "utf8");
    const realmUrl = `${base}/realms/${REALM}`;
    const endpoint = realmTokenEndpoint(realmUrl);
    return {
        base,
        realmUrl,
        tokenEndpoint: endpoint,
        issuer: issuer(host),
        secret,
        password: (user) => fs.readFileSync(path.join(secretsDir, path.basename(REALM_SECRET_FILES.user(user))), "utf8"),
        token: async (clientId) => {
            const res = await postToken(endpoint, { grant_type: "client_credentials", scope: "openid" }, [clientId, secret(clientId)]);
            const body = (await res.json()) as { access_token?: string };
            if (!res.ok) throw new Error(`token of ${clientId}: HTTP ${res.status}: ${JSON.stringify(body)}`);
            return body.access_token!;
        },
        figures: { buildMs: dist.buildMs, readyMs, syncMs: sync.ms },
        tail: () => keycloak.tail(node),
        stop: () => keycloak.stop(),
    };
}
