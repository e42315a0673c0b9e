// Real Nessie servers on loopback for the catalog e2e: the runner jar (e2e/catalog/setup) started
// as the image starts it, from a working directory whose config/application.properties is the
// rendered file, with the rendered JVM options and the secrets file the properties name. Each
// replica has its own loopback address (127.0.0.2, 127.0.0.3, ...) and the same ports, because
// Nessie sends cache invalidations to its peers' addresses on its own management port.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { NESSIE_PATHS } from "../../components/nessie/nessieProperties";
import { until } from "../patroni/processes";

const SETUP = path.join(__dirname, "setup");
export const NESSIE_JAR = path.join(__dirname, ".deps", "nessie-quarkus-0.99.0-runner.jar");

/** Runs e2e/catalog/setup (a no-op when current); returns the Java it found and how long it took. */
export function setupCatalogTools(): { java: string; ms: number } {
    const started = Date.now();
    const java = execFileSync(SETUP, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
    return { java, ms: Date.now() - started };
}

export interface NessieReplica {
    readonly name: string;
    /** Its loopback address, which its peers send invalidations to. */
    readonly address: string;
    readonly dir: string;
    readonly log: string;
    child?: ChildProcess;
}

export interface ReplicaFiles {
    /** application.properties as rendered, with this replica's addresses. */
    readonly properties: string;
    readonly secrets: string;
    /** The rendered JVM options (the container's JAVA_OPTS_APPEND). */
    readonly jvmOptions: string;
}

export class LocalNessie {
    readonly replicas: NessieReplica[] = [];

    constructor(
        readonly root: string,
        private readonly java: string,
    ) {}

    /** Writes the replica's files (config/application.properties under its working directory, the secrets where the properties say) and starts it. */
    start(name: string, address: string, files: (replica: { dir: string; secretsFile: string }) => ReplicaFiles): NessieReplica {
        const dir = path.join(this.root, name);
        const secretsFile = path.join(dir, "secrets", NESSIE_PATHS.secretsFile);
        fs.mkdirSync(path.join(dir, "config"), { recursive: true });
        fs.mkdirSync(path.dirname(secretsFile), { recursive: true });
        fs.mkdirSync(path.join(dir, "tmp"), { recursive: true });
        const rendered = files({ dir, secretsFile });
        fs.writeFileSync(path.join(dir, "config", NESSIE_PATHS.configFile), rendered.properties);
        fs.writeFileSync(secretsFile, rendered.secrets, { mode: 0o600 });
        fs.writeFileSync(path.join(dir, "jvm.options"), rendered.jvmOptions);
        const replica: NessieReplica = { name, address, dir, log: path.join(dir, "output.log") };
        this.replicas.push(replica);
        this.spawn(replica);
        return replica;
    }

    private spawn(replica: NessieReplica): void {
        const out = fs.openSync(replica.log, "a");
        const jvm = fs.readFileSync(path.join(replica.dir, "jvm.options"), "utf8").trim().split(/\s+/);
        // The container's /tmp is its only writable path: java.io.tmpdir is this replica's own.
        replica.child = spawn(this.java, [...jvm, `-Djava.io.tmpdir=${path.join(replica.dir, "tmp")}`, "-jar", NESSIE_JAR], {
            cwd: replica.dir,
            stdio: ["ignore", out, out],
            env: { PATH: process.env.PATH, HOME: replica.dir },
        });
        fs.closeSync(out);
    }

    running(replica: NessieReplica): boolean {
        return replica.child !== undefined && replica.child.exitCode === null && replica.child.signalCode === null;
    }

    /** SIGTERM, as the kubelet stops a pod, and wait for the exit. */
    async stop(replica: NessieReplica): Promise<void> {
        if (!this.running(replica)) return;
        const exited = new Promise<void>((resolve) => replica.child!.once("exit", () => resolve()));
        replica.child!.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
        if (this.running(replica)) replica.child!.kill("SIGKILL");
    }

    restart(replica: NessieReplica): void {
        this.spawn(replica);
    }

    async waitReady(replica: NessieReplica, managementPort: number, timeoutMs = 180_000): Promise<number> {
        const started = Date.now();
        await until(`${replica.name} ready`, timeoutMs, async () => {
            if (!this.running(replica)) throw new Error(`${replica.name} exited:\n${this.tail(replica)}`);
            try {
                const response = await fetch(`http://${replica.address}:${managementPort}/q/health/ready`, { signal: AbortSignal.timeout(3000) });
                await response.arrayBuffer();
                return response.status === 200 ? true : undefined;
            } catch {
                return undefined;
            }
        }, 500);
        return Date.now() - started;
    }

    logOf(replica: NessieReplica): string {
        return fs.existsSync(replica.log) ? fs.readFileSync(replica.log, "utf8") : "";
    }

    tail(replica: NessieReplica, lines = 40): string {
        return `--- ${replica.name} (${replica.log})\n${this.logOf(replica).split("\n").slice(-lines).join("\n")}`;
    }

    async stopAll(): Promise<void> {
        await Promise.all(this.replicas.map((r) => this.stop(r)));
    }
}
