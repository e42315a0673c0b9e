// A Kafka KRaft cluster of real processes on loopback. Every node is started by the image's
// kafka-start from the server.properties our brokerProperties renders (placeholders included), with
// KAFKA_HOME=e2e/kafka standing in for /opt/kafka and the image's JMX exporter agent and rules.
import { ChildProcess, SpawnOptions, execFileSync, spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ClientTls, brokerProperties, propertiesText } from "../../components/kafka/brokerProperties";
import { CLIENT_TLS, NodeSet, heapOptions, nodeSets } from "../../components/kafka/topology";
import { parseQuantity } from "../../config/quantity";
import { KafkaSettings } from "../../config/types";
import { freePort } from "../../test/support/realTools";
import { PROJECT_DIR } from "../../test/support/stacks";
import { tempDir } from "../../test/support/tempdirs";
import { until as untilValue } from "../patroni/processes";
import { Sample, parseMetrics } from "../support/metrics";

export const KAFKA_HOME = path.join(PROJECT_DIR, "e2e", "kafka");
export const LIBS = path.join(KAFKA_HOME, ".deps", "libs");
export const AGENT_JAR = path.join(KAFKA_HOME, ".deps", "agent", "jmx_prometheus_javaagent.jar");
const KAFKA_START = path.join(PROJECT_DIR, "images", "kafka", "bin", "kafka-start");
const JMX_RULES = path.join(PROJECT_DIR, "images", "kafka", "jmx-exporter.yaml");
const LOOPBACK = "127.0.0.1";
/** No process of the check outlives this, even when the test runner itself is killed. */
const PROCESS_LIFETIME_S = 900;

/** Process groups started by the check and still running: killed when the runner exits without stopping them (Ctrl-C, a crash). */
const liveGroups = new Set<number>();
process.on("exit", () => {
    for (const group of liveGroups) killGroup(group, "SIGKILL");
});
// Without a listener these signals end Node without the exit event.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(signal, () => process.exit(128 + os.constants.signals[signal]));

/** Signals a detached child's whole process group: `timeout` and the JVM it runs. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
    try {
        process.kill(-pid, signal);
    } catch {
        // Already gone.
    }
}

/** Starts a command in its own process group, killed after `lifetimeS` and when the runner exits. */
export function spawnBounded(command: string, args: readonly string[], options: Omit<SpawnOptions, "detached">, lifetimeS = PROCESS_LIFETIME_S): ChildProcess {
    const child = spawn("timeout", ["--signal=KILL", String(lifetimeS), command, ...args], { ...options, detached: true });
    liveGroups.add(child.pid!);
    child.once("exit", () => liveGroups.delete(child.pid!));
    return child;
}

/** Runs e2e/kafka/fetch-jars (a no-op when the jars are current) and returns how long it took. */
export function fetchJars(): number {
    const started = Date.now();
    execFileSync(path.join(KAFKA_HOME, "fetch-jars"), { stdio: ["ignore", "inherit", "inherit"] });
    return Date.now() - started;
}

/** Polls `check` until it holds; fails with `what` after the timeout (the e2e's one poll loop, for a condition). */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number, intervalMs = 250): Promise<void> {
    await untilValue(what, timeoutMs, async () => ((await check()) ? true : undefined), intervalMs);
}

export interface NodePorts {
    readonly internal: number;
    readonly controller: number;
    readonly client: number;
    readonly metrics: number;
}

export interface LocalNode {
    readonly id: number;
    /** The pod name kafka-start takes the node id from. */
    readonly pod: string;
    readonly ports: NodePorts;
    readonly dir: string;
    /** log.dirs: what kafka-start formats. */
    readonly logDir: string;
    /** The rendered server.properties, with the placeholders kafka-start fills in. */
    readonly template: string;
    /** stdout and stderr of every start of the node. */
    readonly output: string;
}

/** The test's keystore in place of cert-manager's: a self-signed certificate for 127.0.0.1. */
interface TestKeystore {
    readonly path: string;
    readonly password: string;
    /** The password as the file `password` of this directory, as the Secret is mounted in the pod. */
    readonly passwordDir: string;
    /** The certificate as PEM, for clients' truststore. */
    readonly certificate: string;
}

function createKeystore(dir: string): TestKeystore {
    const keystore = { path: path.join(dir, CLIENT_TLS.keystore), password: randomBytes(12).toString("hex"), certificate: path.join(dir, "ca.pem"), passwordDir: path.join(dir, "keystore-password") };
    fs.mkdirSync(keystore.passwordDir);
    fs.writeFileSync(path.join(keystore.passwordDir, "password"), keystore.password, { mode: 0o400 });
    const keytool = (...args: string[]) => execFileSync("keytool", [...args, "-keystore", keystore.path, "-storepass", keystore.password], { stdio: "pipe" });
    keytool("-genkeypair", "-alias", "kafka", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=kafka-e2e", "-ext", `SAN=ip:${LOOPBACK},dns:localhost`, "-validity", "2", "-storetype", "PKCS12", "-keypass", keystore.password);
    keytool("-exportcert", "-rfc", "-alias", "kafka", "-file", keystore.certificate);
    return keystore;
}

/**
 * Our properties for a node on loopback. The inputs differ from the cluster's only in addresses,
 * ports and paths; the one change to the output is the bind address, because the function binds
 * every interface (`INTERNAL://:9092`) and these nodes must listen on 127.0.0.1 only.
 */
function loopbackProperties(set: NodeSet, node: Pick<LocalNode, "ports" | "logDir">, voters: readonly LocalNode[], settings: KafkaSettings, tls: ClientTls | undefined): Record<string, string> {
    const properties = brokerProperties(
        set.role,
        { nodeId: "@NODE_ID@", advertisedHost: LOOPBACK, internalPort: node.ports.internal, controllerPort: node.ports.controller, logDir: node.logDir },
        voters.map((v) => ({ id: v.id, host: LOOPBACK, port: v.ports.controller })),
        settings,
        tls,
    );
    return { ...properties, listeners: properties.listeners.replace(/:\/\/:/g, `://${LOOPBACK}:`) };
}

/** An address of /proc/net/tcp{,6} ("0100007F:1F90", little-endian words) as "127.0.0.1:8080" or "[::ffff:127.0.0.1]:8080". */
function procAddress(hex: string): string {
    const [ip, port] = hex.split(":");
    const words = ip.match(/.{8}/g)!.map((w) => w.match(/../g)!.reverse().join(""));
    const bytes = words.join("").match(/../g)!.map((b) => parseInt(b, 16));
    const address = bytes.length === 4 ? bytes.join(".") : bytes.slice(0, 12).every((b, i) => b === (i >= 10 ? 0xff : 0)) ? `[::ffff:${bytes.slice(12).join(".")}]` : `[${words.join("")}]`;
    return `${address}:${parseInt(port, 16)}`;
}

/** The TCP addresses a process listens on: its socket inodes looked up in /proc/net/tcp and tcp6. */
function listeningAddresses(pid: number): string[] {
    const inodes = new Set<string>();
    for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
        try {
            const inode = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
            if (inode) inodes.add(inode);
        } catch {
            // Closed meanwhile.
        }
    }
    const LISTEN = "0A";
    return ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((table) =>
        fs.readFileSync(table, "utf8").split("\n").slice(1).map((line) => line.trim().split(/\s+/))
            .filter((cols) => cols.length > 9 && cols[3] === LISTEN && inodes.has(cols[9]))
            .map((cols) => procAddress(cols[1])),
    );
}

/**
 * 16 random bytes in base64url like the stack's random.RandomId, but never starting with "-", as
 * Kafka's own Uuid.randomUuid() ensures: kafka-start passes the id as a separate argument, and
 * kafka-storage takes "-..." for an option (e2e/kafka/README.md, findings).
 */
function clusterId(): string {
    for (;;) {
        const id = randomBytes(16).toString("base64url");
        if (!id.startsWith("-")) return id;
    }
}

export class LocalCluster {
    readonly clusterId = clusterId();
    private readonly running = new Map<number, { process: ChildProcess; exited: Promise<void> }>();

    private constructor(
        readonly set: NodeSet,
        readonly nodes: readonly LocalNode[],
        readonly settings: KafkaSettings,
        private readonly keystore: TestKeystore | undefined,
    ) {}

    /** Renders every node's properties from the settings and starts all nodes at once (like podManagementPolicy Parallel). */
    static async start(settings: KafkaSettings): Promise<LocalCluster> {
        const sets = nodeSets("kafka", settings);
        if (sets.length !== 1 || sets[0].role !== "combined") throw new Error("the local cluster runs combined nodes only");
        const [set] = sets;
        const root = tempDir("kafka-e2e");
        const nodes: LocalNode[] = [];
        for (let ordinal = 0; ordinal < set.replicas; ordinal++) {
            const pod = `${set.statefulSet}-${ordinal}`;
            const dir = path.join(root, pod);
            fs.mkdirSync(dir);
            const ports = { internal: await freePort(), controller: await freePort(), client: await freePort(), metrics: await freePort() };
            nodes.push({ id: set.nodeIdOffset + ordinal, pod, ports, dir, logDir: path.join(dir, "data", "logs"), template: path.join(dir, "server.properties.template"), output: path.join(dir, "output.log") });
        }
        const keystore = settings.clientTls ? createKeystore(root) : undefined;
        for (const node of nodes) {
            const tls = keystore && { port: node.ports.client, keystorePath: keystore.path, passwordDir: keystore.passwordDir };
            fs.writeFileSync(node.template, propertiesText(loopbackProperties(set, node, nodes, settings, tls)));
        }
        const cluster = new LocalCluster(set, nodes, settings, keystore);
        for (const node of nodes) cluster.startNode(node);
        return cluster;
    }

    /** Brokers as the topics Job reaches them: the internal listener. */
    get internalBootstrap(): string {
        return this.nodes.map((n) => `${LOOPBACK}:${n.ports.internal}`).join(",");
    }

    /** Client settings as applications use them: the TLS listener when the stack has one. */
    clientProperties(): Record<string, string> {
        if (!this.keystore) return { "bootstrap.servers": this.internalBootstrap };
        return {
            "bootstrap.servers": this.nodes.map((n) => `${LOOPBACK}:${n.ports.client}`).join(","),
            "security.protocol": "SSL",
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": this.keystore.certificate,
        };
    }

    isRunning(node: LocalNode): boolean {
        return this.running.has(node.id);
    }

    /** kafka-start with the pod's environment (kafkaCluster.ts), adapted in paths and the agent's address. */
    startNode(node: LocalNode): void {
        if (this.running.has(node.id)) throw new Error(`${node.pod} is already running`);
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            KAFKA_HOME,
            KAFKA_PROPERTIES: node.template,
            KAFKA_RUNTIME_PROPERTIES: path.join(node.dir, "server.properties"),
            POD_NAME: node.pod,
            NODE_ID_OFFSET: String(this.set.nodeIdOffset),
            CLUSTER_ID: this.clusterId,
            KAFKA_HEAP_OPTS: heapOptions(this.set.resources, parseQuantity),
            KAFKA_OPTS: `-javaagent:${AGENT_JAR}=${LOOPBACK}:${node.ports.metrics}:${JMX_RULES}`,
            LOG_DIR: path.join(node.dir, "logs"),
        };
        const output = fs.openSync(node.output, "a");
        const child = spawnBounded(KAFKA_START, [], { env, stdio: ["ignore", output, output] });
        fs.closeSync(output);
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        this.running.set(node.id, { process: child, exited });
        void exited.then(() => {
            if (this.running.get(node.id)?.process === child) this.running.delete(node.id);
        });
    }

    /** What the node's JVM listens on (kafka-start execs the JVM as the only child of `timeout`). */
    listening(node: LocalNode): string[] {
        const timeoutPid = this.running.get(node.id)?.process.pid;
        if (timeoutPid === undefined) throw new Error(`${node.pod} is not running`);
        const jvm = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).find((p) => {
            try {
                return fs.readFileSync(`/proc/${p}/stat`, "utf8").replace(/^.*\) /, "").split(" ")[1] === String(timeoutPid);
            } catch {
                return false;
            }
        });
        if (!jvm) throw new Error(`no process under ${node.pod}'s timeout`);
        return listeningAddresses(Number(jvm));
    }

    /** Sends `signal` to the node and waits until it has exited (SIGKILL after 60 s). */
    async stopNode(node: LocalNode, signal: NodeJS.Signals): Promise<void> {
        const entry = this.running.get(node.id);
        if (!entry) return;
        killGroup(entry.process.pid!, signal);
        const timer = setTimeout(() => killGroup(entry.process.pid!, "SIGKILL"), 60_000);
        await entry.exited;
        clearTimeout(timer);
    }

    async stopAll(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
        await Promise.all(this.nodes.map((n) => this.stopNode(n, signal)));
    }

    /** The node's JMX exporter: the samples of GET /metrics. */
    async metrics(node: LocalNode): Promise<Sample[]> {
        const response = await fetch(`http://${LOOPBACK}:${node.ports.metrics}/metrics`, { signal: AbortSignal.timeout(10_000) });
        if (!response.ok) throw new Error(`${node.pod} /metrics: HTTP ${response.status}`);
        return parseMetrics(await response.text());
    }

    /** The sum of a metric over the running nodes. */
    async sumOf(name: string): Promise<number> {
        let sum = 0;
        for (const node of this.nodes.filter((n) => this.isRunning(n))) {
            for (const s of await this.metrics(node)) if (s.name === name) sum += s.value;
        }
        return sum;
    }

    /** Runs a shell script with the Kafka tools of KAFKA_HOME, as the topics Job does, bounded in time. */
    runScript(script: string, timeoutS: number): { status: number | null; output: string } {
        const env = { ...process.env, KAFKA_HOME, BOOTSTRAP_SERVERS: this.internalBootstrap, LOG_DIR: path.join(path.dirname(this.nodes[0].dir), "job-logs") };
        const result = spawnSync("timeout", ["-k", "5", String(timeoutS), "bash", "-c", script], { env, encoding: "utf8" });
        return { status: result.status, output: `${result.stdout}${result.stderr}` };
    }

    /** The last lines of every node's output, for failure reports. */
    outputTails(lines = 25): string {
        return this.nodes
            .map((n) => `--- ${n.pod} (${n.output})\n${fs.existsSync(n.output) ? fs.readFileSync(n.output, "utf8").split("\n").slice(-lines).join("\n") : "(no output)"}`)
            .join("\n");
    }
}
