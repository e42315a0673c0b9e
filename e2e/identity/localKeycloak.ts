// Keycloak as real local processes: the keycloak-quarkus-dist distribution of the release in
// config (Maven Central, checked against Central's published sha1), augmented with the build-time
// options of images/keycloak/Dockerfile (read from its ENV line, so both run one configuration),
// then started like the container (`kc.sh start --optimized`) with the environment the plan
// renders, as an unprivileged user on an install it cannot write, as the read-only root file
// system has it.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as net from "net";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR } from "../../test/support/stacks";
import { tempDir } from "../../test/support/tempdirs";
import { killGroup } from "../kafka/localCluster";
import { letPostgresReach, until } from "../patroni/processes";

const DOCKERFILE = path.join(PROJECT_DIR, "images", "keycloak", "Dockerfile");
const CACHE = path.join(os.homedir(), ".cache", "data-platform-e2e", "keycloak");
/** The unprivileged user the nodes run as (the image runs as uid 1000; here any user without write access to the install). */
const RUN_AS = { uid: 65534, gid: 65534 };
/** No node outlives this, even when the test runner is killed. */
const LIFETIME_S = 900;

/** The build-time options of the image: the KC_* settings of the builder stage's ENV line. */
export function imageBuildOptions(dockerfile = fs.readFileSync(DOCKERFILE, "utf8")): Record<string, string> {
    const line = dockerfile.split("\n").find((l) => /^ENV KC_/.test(l));
    if (!line) throw new Error("images/keycloak/Dockerfile has no ENV line of build options");
    return Object.fromEntries(line.replace(/^ENV /, "").split(/\s+/).map((kv) => kv.split("=") as [string, string]));
}

/** The image's Keycloak release (its ARG default). */
export function imageVersion(dockerfile = fs.readFileSync(DOCKERFILE, "utf8")): string {
    const version = /^ARG KEYCLOAK_VERSION=(\S+)$/m.exec(dockerfile)?.[1];
    if (!version) throw new Error("images/keycloak/Dockerfile has no ARG KEYCLOAK_VERSION");
    return version;
}

const listenable = (port: number) =>
    new Promise<boolean>((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(false));
        server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
const takenJgroupsPorts = new Set<number>();

/**
 * A JGroups bind port for a local node: JGroups also listens on the port + 50000 (FD_SOCK2, failure
 * detection), so both must be free and the second below 65536: from 7800, as in the pod.
 */
export async function jgroupsPort(): Promise<number> {
    for (let port = 7800; port < 8000; port++) {
        if (!takenJgroupsPorts.has(port) && (await listenable(port)) && (await listenable(port + 50000))) {
            takenJgroupsPorts.add(port);
            return port;
        }
    }
    throw new Error("no free JGroups port pair between 7800 and 7999");
}

export interface BuiltDistribution {
    readonly home: string;
    readonly version: string;
    readonly downloadMs: number;
    readonly buildMs: number;
}

async function download(url: string, file: string): Promise<void> {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    fs.writeFileSync(file, Buffer.from(await response.arrayBuffer()));
}

/**
 * The distribution, downloaded once and checked against Maven Central's sha1, then built with the
 * image's options (once per release and options: the built tree is cached, read-only).
 */
export async function builtDistribution(version: string): Promise<BuiltDistribution> {
    const options = imageBuildOptions();
    const key = createHash("sha256").update(`${version} ${JSON.stringify(options)}`).digest("hex").slice(0, 12);
    const home = path.join(CACHE, `keycloak-${version}-${key}`);
    const tarball = path.join(CACHE, `keycloak-quarkus-dist-${version}.tar.gz`);
    let downloadMs = 0;
    let buildMs = 0;
    if (!fs.existsSync(path.join(home, ".built"))) {
        fs.mkdirSync(CACHE, { recursive: true });
        const url = `https://repo1.maven.org/maven2/org/keycloak/keycloak-quarkus-dist/${version}/keycloak-quarkus-dist-${version}.tar.gz`;
        let started = Date.now();
        if (!fs.existsSync(tarball)) {
            await download(url, `${tarball}.part`);
            const sha1 = (await (await fetch(`${url}.sha1`)).text()).trim().split(/\s+/)[0];
            const got = createHash("sha1").update(fs.readFileSync(`${tarball}.part`)).digest("hex");
            if (got !== sha1) throw new Error(`${url}: sha1 ${got}, Maven Central publishes ${sha1}`);
            fs.renameSync(`${tarball}.part`, tarball);
        }
        downloadMs = Date.now() - started;
        fs.rmSync(home, { recursive: true, force: true });
        const unpack = `${home}.unpack`;
        fs.rmSync(unpack, { recursive: true, force: true });
        fs.mkdirSync(unpack, { recursive: true });
        execFileSync("tar", ["-xzf", tarball, "-C", unpack, "--strip-components=1"]);
        started = Date.now();
        // As the image's builder stage: kc.sh build with the options in the environment.
        execFileSync(path.join(unpack, "bin", "kc.sh"), ["build"], { env: { ...process.env, ...options }, stdio: "pipe" });
        buildMs = Date.now() - started;
        fs.renameSync(unpack, home);
        fs.writeFileSync(path.join(home, ".built"), JSON.stringify({ version, options }));
        // Readable and executable by everyone, writable by none but its owner (root): the nodes cannot write it.
        execFileSync("chmod", ["-R", "a+rX,go-w", home]);
    }
    return { home, version, downloadMs, buildMs };
}

export interface KeycloakNode {
    readonly name: string;
    readonly env: Record<string, string>;
    /** Times the node was started again after it exited (as the kubelet restarts a container). */
    restarts: number;
    readonly httpPort: number;
    readonly managementPort: number;
    readonly dir: string;
    readonly log: string;
    child?: ChildProcess;
}

export class LocalKeycloak {
    readonly nodes: KeycloakNode[] = [];

    constructor(private readonly dist: BuiltDistribution) {}

    /** Starts a node with `env` (the rendered environment, already changed for this host) as an unprivileged user. */
    start(name: string, env: Record<string, string>, ports: { http: number; management: number }): KeycloakNode {
        const node: KeycloakNode = { name, env, restarts: 0, httpPort: ports.http, managementPort: ports.management, dir: tempDir(`keycloak-${name}`), log: "" };
        this.nodes.push(node);
        this.launch(node);
        return node;
    }

    private launch(node: KeycloakNode): void {
        const { dir, env } = node;
        // The install as the image has it, hard-linked (root's, not writable by the node's user), with
        // data/ a directory of the node's own, as the pod mounts an emptyDir there.
        const install = path.join(dir, "keycloak");
        if (fs.existsSync(install)) fs.rmSync(install, { recursive: true, force: true });
        execFileSync("cp", ["-al", this.dist.home, install]);
        fs.rmSync(path.join(install, "data"), { recursive: true, force: true });
        fs.mkdirSync(path.join(install, "data"));
        fs.mkdirSync(path.join(dir, "tmp"), { recursive: true });
        execFileSync("chown", ["-R", `${RUN_AS.uid}:${RUN_AS.gid}`, path.join(install, "data"), path.join(dir, "tmp")]);
        // The node's user must reach its directory under the run's temporary directories (root's, 0700).
        letPostgresReach(dir);
        const log = path.join(dir, "keycloak.log");
        (node as { log: string }).log = log;
        const out = fs.openSync(log, "a");
        const child = spawn(
            "timeout",
            ["--signal=KILL", String(LIFETIME_S), "setpriv", `--reuid=${RUN_AS.uid}`, `--regid=${RUN_AS.gid}`, "--clear-groups", "--", path.join(install, "bin", "kc.sh"), "start", "--optimized"],
            {
                cwd: path.join(dir, "tmp"),
                env: {
                    PATH: process.env.PATH,
                    HOME: path.join(dir, "tmp"),
                    ...env,
                    JAVA_OPTS_APPEND: `-Djava.io.tmpdir=${path.join(dir, "tmp")}`,
                },
                stdio: ["ignore", out, out],
                detached: true,
            },
        );
        fs.closeSync(out);
        node.child = child;
        process.once("exit", () => killGroup(child.pid!, "SIGKILL"));
    }

    /**
     * Waits for /health/ready on the management port (the readiness probe). A node that exits is
     * started again, at most `maxRestarts` times, as the kubelet restarts a failed container.
     */
    async ready(node: KeycloakNode, timeoutMs = 180_000, maxRestarts = 2): Promise<number> {
        const started = Date.now();
        await until(`${node.name} ready`, timeoutMs, async () => {
            if (node.child?.exitCode !== null && node.child?.exitCode !== undefined) {
                if (node.restarts >= maxRestarts) throw new Error(`${node.name} exited (${node.child.exitCode}) ${node.restarts + 1} times:\n${this.tail(node)}`);
                node.restarts++;
                this.launch(node);
                return undefined;
            }
            const res = await fetch(`http://127.0.0.1:${node.managementPort}/health/ready`, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
            return res?.status === 200 ? true : undefined;
        }, 500);
        return Date.now() - started;
    }

    async stop(): Promise<void> {
        for (const node of this.nodes) {
            if (node.child?.pid && node.child.exitCode === null) killGroup(node.child.pid, "SIGTERM");
        }
        await new Promise((r) => setTimeout(r, 3000));
        for (const node of this.nodes) if (node.child?.pid) killGroup(node.child.pid, "SIGKILL");
    }

    tail(node: KeycloakNode, lines = 30): string {
        return fs.existsSync(node.log) ? fs.readFileSync(node.log, "utf8").trimEnd().split("\n").slice(-lines).join("\n") : "(no log)";
    }

    grep(node: KeycloakNode, pattern: RegExp): string[] {
        return fs.existsSync(node.log) ? fs.readFileSync(node.log, "utf8").split("\n").filter((l) => pattern.test(l)) : [];
    }
}
