// A Kafka Connect worker as a real local process, started as the image starts it: images/connect's
// connect-start with the rendered connect-distributed.properties, KAFKA_HOME=e2e/kafka standing in
// for /opt/kafka (the same release's jars, Connect's runtime among them), the Debezium plugin and
// the JMX exporter agent the Dockerfile downloads (fetched from its URLs, verified against its
// checksums), and the image's exporter rules.
import { ChildProcess, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dockerfileDownloads } from "../../components/images/dockerfileDownloads";
import { PROJECT_DIR } from "../../test/support/stacks";
import { tempDir } from "../../test/support/tempdirs";
import { KAFKA_HOME, killGroup, spawnBounded, until } from "../kafka/localCluster";
import { fetchVerified } from "../support/dockerfile";
import { Sample, parseMetrics } from "../support/metrics";

const IMAGE = path.join(PROJECT_DIR, "images", "connect");
const LOOPBACK = "127.0.0.1";

/** The Dockerfile's artifacts on this machine: the Debezium plugin unpacked as the image's plugin directory, and the agent. */
export interface ImageArtifacts {
    readonly pluginPath: string;
    readonly agentJar: string;
    /** How long fetching and unpacking took (ms). */
    readonly ms: number;
}

export async function imageArtifacts(): Promise<ImageArtifacts> {
    const started = Date.now();
    const downloads = dockerfileDownloads(fs.readFileSync(path.join(IMAGE, "Dockerfile"), "utf8"));
    const files = await fetchVerified(downloads, path.join(os.homedir(), ".cache", "data-platform-e2e", "connect-image"));
    const plugin = files.find((f) => f.endsWith("-plugin.tar.gz"));
    const agentJar = files.find((f) => /jmx_prometheus_javaagent-[0-9.]+\.jar$/.test(f));
    if (!plugin || !agentJar) throw new Error(`images/connect/Dockerfile downloads no Debezium plugin or no JMX agent: ${files.join(", ")}`);
    // As the image's first stage: the tarball unpacked into the plugin path, one directory per plugin.
    const pluginPath = tempDir("connect-plugins");
    execFileSync("tar", ["-xzf", plugin, "-C", pluginPath]);
    return { pluginPath, agentJar, ms: Date.now() - started };
}

export interface WorkerPlace {
    readonly restPort: number;
    readonly metricsPort: number;
}

/** A worker's REST API answer. */
export interface RestAnswer {
    readonly status: number;
    readonly body: any;
}

export class ConnectWorker {
    readonly dir = tempDir("connect-worker");
    readonly output = path.join(this.dir, "output.log");
    private process?: ChildProcess;
    private exited?: Promise<void>;

    constructor(
        /** connect-distributed.properties as the ConfigMap mounts it (the pod IP placeholder left for connect-start). */
        properties: string,
        readonly place: WorkerPlace,
        private readonly artifacts: ImageArtifacts,
        private readonly heap = "-Xms256m -Xmx768m",
    ) {
        fs.writeFileSync(path.join(this.dir, "connect-distributed.properties"), properties);
    }

    get restUrl(): string {
        return `http://${LOOPBACK}:${this.place.restPort}`;
    }

    get running(): boolean {
        return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
    }

    /** The container's command (connect-start) with the pod's environment, as images/connect and the Deployment set it. */
    start(): void {
        const log = fs.openSync(this.output, "a");
        const child = spawnBounded(path.join(IMAGE, "bin", "connect-start"), [], {
            env: {
                ...process.env,
                KAFKA_HOME,
                POD_IP: LOOPBACK,
                CONNECT_PROPERTIES: path.join(this.dir, "connect-distributed.properties"),
                CONNECT_RUNTIME_PROPERTIES: path.join(this.dir, "runtime.properties"),
                KAFKA_HEAP_OPTS: this.heap,
                KAFKA_OPTS: `-javaagent:${this.artifacts.agentJar}=${LOOPBACK}:${this.place.metricsPort}:${path.join(IMAGE, "jmx-exporter.yaml")}`,
                LOG_DIR: path.join(this.dir, "logs"),
            },
            stdio: ["ignore", log, log],
        });
        fs.closeSync(log);
        this.process = child;
        this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    }

    /** The properties connect-start wrote for the JVM: the template with the pod IP filled in. */
    runtimeProperties(): string {
        return fs.readFileSync(path.join(this.dir, "runtime.properties"), "utf8");
    }

    /** Waits for /health (the Deployment's probes): the worker joined its group and read the config topic. */
    async ready(timeoutMs = 120_000): Promise<void> {
        await until(
            async () => {
                if (!this.running) throw new Error(`the Connect worker exited:\n${this.tail()}`);
                return (await this.rest("GET", "/health").catch(() => ({ status: 0 }))).status === 200;
            },
            "the Connect worker's /health",
            timeoutMs,
            500,
        );
    }

    async rest(method: string, resource: string, body?: unknown): Promise<RestAnswer> {
        const res = await fetch(`${this.restUrl}${resource}`, {
            method,
            headers: body === undefined ? {} : { "Content-Type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        let parsed: unknown = text;
        try {
            parsed = text ? JSON.parse(text) : undefined;
        } catch {
            // Not JSON: kept as text.
        }
        return { status: res.status, body: parsed };
    }

    /** The connector's and its tasks' states, e.g. "RUNNING RUNNING". */
    async states(connector: string): Promise<string> {
        const { body } = await this.rest("GET", `/connectors/${connector}/status`);
        return [body?.connector?.state, ...(body?.tasks ?? []).map((t: any) => t.state)].join(" ");
    }

    async metrics(): Promise<Sample[]> {
        const res = await fetch(`http://${LOOPBACK}:${this.place.metricsPort}/metrics`, { signal: AbortSignal.timeout(10_000) });
        return parseMetrics(await res.text());
    }

    /** SIGKILL to the worker's process group, as when its pod dies. */
    async kill(): Promise<void> {
        if (!this.process) return;
        killGroup(this.process.pid!, "SIGKILL");
        await this.exited;
    }

    /** SIGTERM (a worker hands its tasks over and commits their offsets), then SIGKILL after 30 s. */
    async stop(): Promise<void> {
        if (!this.running) return;
        killGroup(this.process!.pid!, "SIGTERM");
        const timer = setTimeout(() => killGroup(this.process!.pid!, "SIGKILL"), 30_000);
        await this.exited;
        clearTimeout(timer);
    }

    tail(lines = 30): string {
        return fs.existsSync(this.output) ? fs.readFileSync(this.output, "utf8").trimEnd().split("\n").slice(-lines).join("\n") : "(no output)";
    }

    /** Lines of the worker's log matching `pattern`. */
    grep(pattern: RegExp): string[] {
        return fs.existsSync(this.output) ? fs.readFileSync(this.output, "utf8").split("\n").filter((l) => pattern.test(l)) : [];
    }
}
