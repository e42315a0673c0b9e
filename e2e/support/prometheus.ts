// A real Prometheus (the Debian package scripts/install-test-deps installs) scraping local
// processes with the endpoints of the plan's PodMonitors, translated field by field as the
// Prometheus operator translates a podMetricsEndpoint into a scrape config: scheme, path, Basic
// auth, OAuth2 client credentials and TLS. Only what the pod's address, Secrets and the cluster's
// token URL are differ: the caller names them.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { tempDir } from "../../test/support/tempdirs";
import { freePort } from "../../test/support/realTools";
import { killGroup } from "../kafka/localCluster";
import { until } from "../patroni/processes";

/** What a PodMonitor's Secrets and the pod's address are here. */
export interface LocalScrape {
    /** The PodMonitor's name (the job). */
    readonly job: string;
    /** A podMetricsEndpoint of the plan. */
    readonly endpoint: any;
    /** host:port of the pod's port. */
    readonly address: string;
    /** Values of the Secrets the endpoint names, by Secret name and key. */
    readonly secrets: Readonly<Record<string, Readonly<Record<string, string>>>>;
    /** The cluster's token URL, as this run reaches it. */
    readonly tokenUrl?: string;
}

/**
 * Short, for a check that waits on the first scrapes, and as long as the timeout: the Trino
 * coordinator's scrape (about 5,000 series over TLS, a token from Keycloak first) can outlast 2 s
 * on a loaded 2-core machine.
 */
const SCRAPE_INTERVAL = "5s";

/** The scrape config the operator makes of an endpoint; Secret values go to files, as the operator mounts them. */
export function scrapeConfig(s: LocalScrape, dir: string): Record<string, unknown> {
    const e = s.endpoint;
    const file = (ref: { name: string; key: string }) => {
        const f = path.join(dir, `${s.job}-${ref.name}-${ref.key}`);
        fs.writeFileSync(f, s.secrets[ref.name][ref.key]);
        return f;
    };
    return {
        job_name: s.job,
        scheme: e.scheme ?? "http",
        metrics_path: e.path,
        scrape_interval: SCRAPE_INTERVAL,
        scrape_timeout: SCRAPE_INTERVAL,
        static_configs: [{ targets: [s.address] }],
        ...(e.basicAuth ? { basic_auth: { username: s.secrets[e.basicAuth.username.name][e.basicAuth.username.key], password_file: file(e.basicAuth.password) } } : {}),
        ...(e.oauth2
            ? {
                  oauth2: {
                      client_id: s.secrets[e.oauth2.clientId.secret.name][e.oauth2.clientId.secret.key],
                      client_secret_file: file(e.oauth2.clientSecret),
                      token_url: s.tokenUrl ?? e.oauth2.tokenUrl,
                      scopes: e.oauth2.scopes,
                  },
              }
            : {}),
        ...(e.tlsConfig ? { tls_config: { ca_file: file(e.tlsConfig.ca.secret), server_name: e.tlsConfig.serverName } } : {}),
    };
}

/** The installed Prometheus' version. */
export function prometheusVersion(): string {
    return /version (\S+)/.exec(execFileSync("prometheus", ["--version"], { encoding: "utf8" }))?.[1] ?? "unknown";
}

export interface LocalPrometheus {
    /** The scrape pools' targets as /api/v1/targets reports them. */
    targets(): Promise<{ job: string; health: string; lastError: string }[]>;
    /** An instant query's result. */
    query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
    log(): string;
    stop(): void;
}

export async function startPrometheus(scrapes: readonly LocalScrape[]): Promise<LocalPrometheus> {
    const dir = tempDir("prometheus");
    const config = { global: { scrape_interval: SCRAPE_INTERVAL }, scrape_configs: scrapes.map((s) => scrapeConfig(s, dir)) };
    fs.writeFileSync(path.join(dir, "prometheus.yml"), yaml.dump(config));
    const port = await freePort();
    const logFile = path.join(dir, "prometheus.log");
    const out = fs.openSync(logFile, "a");
    const child: ChildProcess = spawn(
        "prometheus",
        [`--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`],
        { stdio: ["ignore", out, out], detached: true },
    );
    fs.closeSync(out);
    process.once("exit", () => killGroup(child.pid!, "SIGKILL"));
    const api = async (p: string) => ((await (await fetch(`http://127.0.0.1:${port}${p}`)).json()) as { data: any }).data;
    await until("Prometheus ready", 60_000, async () => ((await fetch(`http://127.0.0.1:${port}/-/ready`).catch(() => undefined))?.ok ? true : undefined), 500);
    return {
        targets: async () => (await api("/api/v1/targets")).activeTargets.map((t: any) => ({ job: t.labels.job, health: t.health, lastError: t.lastError })),
        query: async (promql) => (await api(`/api/v1/query?query=${encodeURIComponent(promql)}`)).result,
        log: () => fs.readFileSync(logFile, "utf8"),
        stop: () => killGroup(child.pid!, "SIGKILL"),
    };
}
