// Real processes for tests: a PostgreSQL server and an S3 server on loopback, and the tools
// installed by scripts/install-test-deps. A missing tool fails the test with how to install it.
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { PROJECT_DIR } from "./stacks";
import { tempDir } from "./tempdirs";

export const TOOLS_VENV = path.join(PROJECT_DIR, ".tools", "venv");
const INSTALL_HINT = "run scripts/install-test-deps (see README: Tests)";

export function requireFile(file: string, what: string): string {
    if (!fs.existsSync(file)) throw new Error(`${what} not found at ${file}: ${INSTALL_HINT}`);
    return file;
}

/** The newest PostgreSQL server binaries installed by Debian's postgresql package. */
export function postgresBinDir(): string {
    const root = "/usr/lib/postgresql";
    const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(a) - Number(b)) : [];
    if (versions.length === 0) throw new Error(`PostgreSQL server not installed: ${INSTALL_HINT}`);
    return requireFile(path.join(root, versions[versions.length - 1], "bin"), "postgres binaries");
}

/** The lowest port of the kernel's ephemeral range (outgoing connections take their ports there). */
function ephemeralLow(): number {
    try {
        const low = Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
        return Number.isInteger(low) && low > 12000 ? low : 32768;
    } catch {
        return 32768;
    }
}

async function portFree(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(false));
        server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
}

const handedOut = new Set<number>();
const PORTS_FROM = 10000;

/**
 * A free loopback port for a process a test starts, never handed out twice in this run. It is
 * below the ephemeral range: a port from listen(0) is in that range, where any outgoing
 * connection (a JVM's to its catalog, a client's) can take it between our check and the server's
 * bind ("Address already in use", seen on a Trino worker in CI). With `twinOffset` the port
 * `port + twinOffset` is free and below that range too (SeaweedFS serves gRPC on port + 10000).
 */
export async function freePort(twinOffset = 0): Promise<number> {
    const span = ephemeralLow() - twinOffset - PORTS_FROM;
    for (let tries = 0; tries < 10_000; tries++) {
        const port = PORTS_FROM + Math.floor(Math.random() * span);
        const twin = port + twinOffset;
        if (handedOut.has(port) || handedOut.has(twin)) continue;
        if ((await portFree(port)) && (twinOffset === 0 || (await portFree(twin)))) {
            handedOut.add(port).add(twin);
            return port;
        }
    }
    throw new Error(`no free loopback port between ${PORTS_FROM} and ${PORTS_FROM + span}`);
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
        if (check()) return;
        await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${what}`);
}

/** Runs a command as the postgres OS user when we are root (the server refuses to run as root). */
function asPostgres(command: string, args: string[]): [string, string[]] {
    return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
}

export interface PostgresServer {
    readonly port: number;
    readonly superuserPassword: string;
    /** libpq environment of the superuser over TCP. */
    readonly env: Record<string, string>;
    psql(sql: string, database?: string, extraEnv?: Record<string, string>): string;
    stop(): void;
}

/** initdb + pg_ctl on 127.0.0.1: local socket trusted, TCP with SCRAM passwords (like our pg_hba). */
export async function startPostgres(): Promise<PostgresServer> {
    const bin = postgresBinDir();
    const dir = tempDir("pg");
    const data = path.join(dir, "data");
    const port = await freePort();
    const password = "test-superuser-password";
    if (process.getuid?.() === 0) execFileSync("chown", ["-R", "postgres:postgres", dir]);
    const pwfile = path.join(dir, "pw");
    fs.writeFileSync(pwfile, password, { mode: 0o644 });
    const run = (command: string, args: string[]) => {
        const [cmd, argv] = asPostgres(path.join(bin, command), args);
        execFileSync(cmd, argv, { stdio: "pipe" });
    };
    run("initdb", ["-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", `--pwfile=${pwfile}`, "-E", "UTF8", "--locale=C.UTF-8"]);
    run("pg_ctl", ["-D", data, "-w", "-l", path.join(dir, "log"), "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, "start"]);
    const env = { PGHOST: "127.0.0.1", PGPORT: String(port), PGUSER: "postgres", PGPASSWORD: password, PGDATABASE: "postgres" };
    const psql = (sql: string, database = "postgres", extraEnv: Record<string, string> = {}) =>
        execFileSync(path.join(bin, "psql"), ["-XAtq", "-v", "ON_ERROR_STOP=1", "-d", database], {
            input: sql,
            encoding: "utf8",
            env: { ...process.env, ...env, ...extraEnv },
            stdio: ["pipe", "pipe", "pipe"],
        }).trim();
    return {
        port,
        superuserPassword: password,
        env,
        psql,
        stop: () => {
            const [cmd, argv] = asPostgres(path.join(bin, "pg_ctl"), ["-D", data, "-m", "fast", "stop"]);
            spawnSync(cmd, argv, { stdio: "ignore" });
        },
    };
}

export interface S3Server {
    readonly endpoint: string;
    stop(): void;
}

/** moto's S3 server on loopback (tools/requirements.txt). */
export async function startS3(): Promise<S3Server> {
    const binary = requireFile(path.join(TOOLS_VENV, "bin", "moto_server"), "moto_server");
    const port = await freePort();
    const child: ChildProcess = spawn(binary, ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
    const endpoint = `http://127.0.0.1:${port}`;
    await waitFor(() => spawnSync("curl", ["-sf", "-o", "/dev/null", endpoint]).status === 0, "the S3 server");
    return { endpoint, stop: () => child.kill() };
}

/** PATH with the PostgreSQL binaries and our image's scripts first, as inside the image. */
export function imagePath(): string {
    // .tools/bin holds the image's rclone (scripts/install-test-deps builds it from images/patroni/rclone).
    return [path.join(PROJECT_DIR, "images", "patroni", "bin"), postgresBinDir(), path.join(PROJECT_DIR, ".tools", "bin"), process.env.PATH].join(":");
}

/**
 * Evaluates a JMESPath expression on each document with python's jmespath (in .tools/venv, with
 * boto3): the reference implementation, which Grafana's Go library follows.
 */
export function jmespath(expression: string, documents: readonly unknown[]): unknown[] {
    const script = "import sys, json, jmespath\nexpr, docs = json.load(sys.stdin)\nprint(json.dumps([jmespath.search(expr, d) for d in docs]))";
    const run = spawnSync(path.join(TOOLS_VENV, "bin", "python3"), ["-c", script], { input: JSON.stringify([expression, documents]), encoding: "utf8" });
    if (run.status !== 0) throw new Error(`jmespath: ${run.stderr}`);
    return JSON.parse(run.stdout);
}
