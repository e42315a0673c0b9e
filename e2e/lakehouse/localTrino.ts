// Real Trino nodes on loopback for the lakehouse e2e: the trino-server tarball (e2e/lakehouse/setup)
// started as the image's run-trino starts it (launcher run, --etc-dir, -Dnode.id), each node with an
// etc/ directory of the rendered files and the environment the pod gets from trino-secrets. And a
// small client of Trino's HTTP client protocol (POST /v1/statement, follow nextUri).
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import { forwardedHeaders } from "../identity/oidcClient";
import { until } from "../patroni/processes";

const SETUP = path.join(__dirname, "setup");

/** Runs e2e/lakehouse/setup (a no-op when current); returns the server's directory, the Java home, and how long it took. */
export function setupTrino(): { server: string; javaHome: string; ms: number } {
    const started = Date.now();
    const [server, javaHome] = execFileSync(SETUP, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim().split("\n");
    return { server, javaHome, ms: Date.now() - started };
}

export interface TrinoNode {
    readonly name: string;
    readonly port: number;
    readonly etc: string;
    readonly log: string;
    child?: ChildProcess;
}

export class LocalTrino {
    readonly nodes: TrinoNode[] = [];

    constructor(
        readonly root: string,
        private readonly server: string,
        private readonly javaHome: string,
        private readonly env: Readonly<Record<string, string>>,
    ) {}

    /** The etc/ directory a node of this name gets. */
    etcOf(name: string): string {
        return path.join(this.root, name, "etc");
    }

    /** Writes the node's etc/ files (by path relative to etc/) and starts it. */
    start(name: string, port: number, files: Readonly<Record<string, string>>): TrinoNode {
        const etc = this.etcOf(name);
        for (const [file, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(etc, file)), { recursive: true });
            fs.writeFileSync(path.join(etc, file), text);
        }
        const node: TrinoNode = { name, port, etc, log: path.join(this.root, name, "output.log") };
        this.nodes.push(node);
        this.spawn(node);
        return node;
    }

    private spawn(node: TrinoNode): void {
        const out = fs.openSync(node.log, "a");
        // As run-trino does when node.properties has no node.id: the pod's name.
        node.child = spawn(path.join(this.server, "bin", "launcher"), ["run", "--etc-dir", node.etc, `-Dnode.id=${node.name}`], {
            stdio: ["ignore", out, out],
            env: { PATH: `${this.javaHome}/bin:${process.env.PATH}`, JAVA_HOME: this.javaHome, HOME: path.dirname(node.etc), ...this.env },
        });
        fs.closeSync(out);
    }

    running(node: TrinoNode): boolean {
        return node.child !== undefined && node.child.exitCode === null && node.child.signalCode === null;
    }

    /** Resolves when the node's process has exited (at once when it is not running). */
    exited(node: TrinoNode, timeoutMs: number): Promise<boolean> {
        if (!this.running(node)) return Promise.resolve(true);
        return new Promise((resolve) => {
            const timer = setTimeout(() => resolve(false), timeoutMs);
            node.child!.once("exit", () => {
                clearTimeout(timer);
                resolve(true);
            });
        });
    }

    /** SIGTERM, as the kubelet stops a pod, and wait for the exit. */
    async stop(node: TrinoNode): Promise<void> {
        if (!this.running(node)) return;
        node.child!.kill("SIGTERM");
        if (!(await this.exited(node, 30_000))) node.child!.kill("SIGKILL");
    }

    restart(node: TrinoNode): void {
        this.spawn(node);
    }

    /** Until /v1/info says "starting": false, as the image's health-check asks. */
    async waitReady(node: TrinoNode, timeoutMs = 240_000): Promise<number> {
        const started = Date.now();
        await until(`${node.name} ready`, timeoutMs, async () => {
            if (!this.running(node)) throw new Error(`${node.name} exited:\n${this.tail(node)}`);
            try {
                const info = (await (await fetch(`http://127.0.0.1:${node.port}/v1/info`, { signal: AbortSignal.timeout(3000) })).json()) as { starting?: boolean };
                return info.starting === false ? true : undefined;
            } catch {
                return undefined;
            }
        }, 500);
        return Date.now() - started;
    }

    logOf(node: TrinoNode): string {
        return fs.existsSync(node.log) ? fs.readFileSync(node.log, "utf8") : "";
    }

    /** The log's last lines, after its error lines: a failed start ends in Guice's long class legend, which hides the cause. */
    tail(node: TrinoNode, lines = 60): string {
        const log = this.logOf(node).split("\n");
        const errors = log.filter((l) => /^\d+\) \[Guice|^Caused by:|ERROR|Exception:/.test(l)).slice(0, 20);
        return `--- ${node.name} (${node.log})\n${errors.length ? `errors:\n${errors.join("\n")}\nlast lines:\n` : ""}${log.slice(-lines).join("\n")}`;
    }

    async stopAll(): Promise<void> {
        await Promise.all(this.nodes.map((n) => this.stop(n)));
    }
}

export interface QueryResult {
    readonly columns: string[];
    readonly rows: unknown[][];
    /** Wall time from submission to the last page. */
    readonly ms: number;
}

/** One page of a statement's results. */
interface StatementPage {
    readonly nextUri?: string;
    readonly columns?: { readonly name: string }[];
    readonly data?: unknown[][];
    readonly error?: { readonly errorName: string; readonly message: string };
}

/** A user signed in through the realm: their bearer token, sent as the ingress sends it (HTTPS ended there, X-Forwarded-*). */
export interface TrinoSignIn {
    readonly token: string;
    /** The published host (trino.<domain>). */
    readonly host: string;
}

/** Headers of a request the ingress forwards for a signed-in user. */
export function forwardedAs(signIn: TrinoSignIn): Record<string, string> {
    return { Authorization: `Bearer ${signIn.token}`, ...forwardedHeaders(signIn.host) };
}

/**
 * Runs one statement through the client protocol, as `user` (no authentication) or as a signed-in
 * user through the ingress's path; a failed query throws with Trino's message.
 */
export async function trinoQuery(port: number, sql: string, as: string | TrinoSignIn = "e2e"): Promise<QueryResult> {
    const started = Date.now();
    const local = `http://127.0.0.1:${port}`;
    const headers = { ...(typeof as === "string" ? { "X-Trino-User": as } : forwardedAs(as)), "X-Trino-Source": "data-platform-e2e" };
    // Behind the ingress the next pages are named on the public host: the ingress would send them here.
    const here = (uri: string) => (typeof as === "string" ? uri : `${local}${new URL(uri).pathname}${new URL(uri).search}`);
    const first = await fetch(`${local}/v1/statement`, { method: "POST", headers, body: sql });
    if (!first.ok) throw new Error(`${sql}\n  HTTP ${first.status}: ${(await first.text()).slice(0, 300)}`);
    let page = (await first.json()) as StatementPage;
    const rows: unknown[][] = [];
    let columns: string[] = [];
    for (;;) {
        if (page.error) throw new Error(`${sql}\n  failed: ${page.error.errorName}: ${page.error.message}`);
        if (page.columns) columns = page.columns.map((c) => c.name);
        if (page.data) rows.push(...page.data);
        if (!page.nextUri) break;
        const response = await fetch(here(page.nextUri), { headers });
        if (response.status === 503) {
            await new Promise((r) => setTimeout(r, 100));
            continue;
        }
        page = (await response.json()) as StatementPage;
    }
    return { columns, rows, ms: Date.now() - started };
}

/** A GET over HTTPS that trusts `ca` and checks the certificate is for `servername`, as Prometheus' tlsConfig does. */
export function httpsGet(url: string, ca: string, servername: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
        const request = https.get(url, { ca, servername, headers }, (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (d) => (text += d));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        });
        request.on("error", reject);
    });
}

/**
 * A CA and a server certificate for `dnsName` and 127.0.0.1 signed by it, as a PKCS#12 keystore:
 * what cert-manager makes of the platform CA for the coordinator, made here with openssl.
 */
export function localKeystore(dir: string, dnsName: string, password: string): { keystore: string; ca: string } {
    const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=e2e platform CA");
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "tls.key", "-out", "tls.csr", "-subj", `/CN=${dnsName}`);
    fs.writeFileSync(path.join(dir, "san.ext"), `subjectAltName=DNS:${dnsName},IP:127.0.0.1\nextendedKeyUsage=serverAuth\n`);
    run("x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "tls.crt", "-days", "2", "-extfile", "san.ext");
    run("pkcs12", "-export", "-in", "tls.crt", "-inkey", "tls.key", "-certfile", "ca.crt", "-out", "keystore.p12", "-passout", `pass:${password}`);
    return { keystore: path.join(dir, "keystore.p12"), ca: fs.readFileSync(path.join(dir, "ca.crt"), "utf8") };
}
