// SeaweedFS on loopback for the object store's real-process check: `weed` built by the toolchain
// (scripts/toolchain storage), every role started with the command line the program renders
// (components/objectstore/seaweedfsCommands.ts) given 127.0.0.1, free ports and temp directories,
// and the files it renders (filer.toml, s3.json). Kills, leaders and metrics for the checks.
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { SeaweedfsSettings } from "../../config/types";
import { FilerStore, Listen, filerArgs, gatewayArgs, masterArgs, renderFilerToml, serverArgs, volumeArgs } from "../../components/objectstore/seaweedfsCommands";
import { freePort } from "../../test/support/realTools";
import { PROJECT_DIR } from "../../test/support/stacks";
import { tempDir } from "../../test/support/tempdirs";
import { Deadline, alive, deadline, shellQuote, signal, sleep, until } from "../patroni/processes";
import { exportedNames } from "../support/metrics";

/** The weed binary of the toolchain. */
export function weedBinary(): string {
    const bin = execFileSync(path.join(PROJECT_DIR, "scripts", "toolchain"), ["bin"], { encoding: "utf8" }).trim();
    const weed = path.join(bin, "weed");
    if (!fs.existsSync(weed)) throw new Error(`weed not built: run scripts/toolchain storage (${weed} is missing)`);
    return weed;
}

/** A port whose SeaweedFS gRPC twin (+10000) is free too. */
export const portPair = (): Promise<number> => freePort(10000);

export const port = (): Promise<number> => freePort();

export interface WeedProcess {
    readonly name: string;
    readonly role: "master" | "volume" | "filer" | "gateway" | "server";
    readonly args: string[];
    readonly dir: string;
    readonly port: number;
    readonly metricsPort: number;
    readonly log: string;
    child?: ChildProcess;
}

async function httpStatus(url: string, timeoutMs = 2000): Promise<number> {
    try {
        const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        await response.arrayBuffer();
        return response.status;
    } catch {
        return 0;
    }
}

export async function getJson(url: string): Promise<any | undefined> {
    try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
        return response.ok ? await response.json() : undefined;
    } catch {
        return undefined;
    }
}

/** A store of processes under one root directory (pkill -f on it ends them all). */
export class LocalStore {
    readonly processes: WeedProcess[] = [];
    private readonly guard: Deadline;

    constructor(readonly root: string, readonly weed: string) {
        // Nothing outlives the run, even when mocha is killed.
        this.guard = deadline(20 * 60, `pkill -9 -f ${shellQuote(root)}`);
    }

    static create(label: string): LocalStore {
        return new LocalStore(tempDir(label), weedBinary());
    }

    of(role: WeedProcess["role"]): WeedProcess[] {
        return this.processes.filter((p) => p.role === role);
    }

    /** Starts a process (cwd its own directory, where filer.toml is found) and returns at once. */
    start(spec: Omit<WeedProcess, "log" | "child">): WeedProcess {
        const proc: WeedProcess = { ...spec, log: path.join(spec.dir, "output.log") };
        this.spawn(proc);
        this.processes.push(proc);
        return proc;
    }

    /** Starts a killed process again, with the same command line and directory. */
    restart(proc: WeedProcess): void {
        this.spawn(proc);
    }

    private spawn(proc: WeedProcess): void {
        for (const dir of [proc.dir, path.join(this.root, "home"), path.join(this.root, "tmp")]) fs.mkdirSync(dir, { recursive: true });
        const out = fs.openSync(proc.log, "a");
        // HOME and TMPDIR inside the root: nothing of a role may depend on the machine's.
        proc.child = spawn(this.weed, proc.args, { cwd: proc.dir, stdio: ["ignore", out, out], env: { PATH: process.env.PATH, HOME: path.join(this.root, "home"), TMPDIR: path.join(this.root, "tmp") } });
        fs.closeSync(out);
    }

    kill(proc: WeedProcess, sig: NodeJS.Signals = "SIGKILL"): void {
        if (proc.child?.pid) signal(proc.child.pid, sig);
    }

    running(proc: WeedProcess): boolean {
        return !!proc.child?.pid && alive(proc.child.pid) && proc.child.exitCode === null;
    }

    /** The master that leads, as the masters that run report it. */
    async leader(): Promise<WeedProcess | undefined> {
        for (const master of this.of("master").concat(this.of("server")).filter((m) => this.running(m))) {
            // A `weed server` answers S3 on its port; its master listens on -master.port.
            const masterPort = master.role === "server" ? Number(flagOf(master.args, "-master.port")) : master.port;
            const status = await getJson(`http://127.0.0.1:${masterPort}/cluster/status`);
            if (status?.IsLeader === true) return master;
        }
        return undefined;
    }

    async ready(proc: WeedProcess): Promise<boolean> {
        // A master is ready once it knows the raft leader: a restarted one answers before it does,
        // and refuses shell commands ("Not current leader") until then.
        if (proc.role === "master") return Boolean((await getJson(`http://127.0.0.1:${proc.port}/cluster/status`))?.Leader);
        const paths: Record<WeedProcess["role"], string> = { master: "/cluster/status", volume: "/status", filer: "/healthz", gateway: "/healthz", server: "/healthz" };
        return (await httpStatus(`http://127.0.0.1:${proc.port}${paths[proc.role]}`)) === 200;
    }

    async waitReady(procs: readonly WeedProcess[], timeoutMs = 120_000): Promise<void> {
        for (const proc of procs) {
            await until(`${proc.name} to answer`, timeoutMs, async () => {
                if (!this.running(proc)) throw new Error(`${proc.name} exited:\n${this.tail(proc)}`);
                return (await this.ready(proc)) ? true : undefined;
            });
        }
    }

    /** Series names a process exports on its metrics port. */
    async metricNames(proc: WeedProcess): Promise<Set<string>> {
        const response = await fetch(`http://127.0.0.1:${proc.metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) });
        return exportedNames(await response.text());
    }

    /** Pipes commands into `weed shell` against a master and a filer, as the bucket-init Job does. */
    shell(script: string): { status: number | null; output: string } {
        const result = spawnSync("sh", ["-c", script], {
            encoding: "utf8",
            env: { PATH: `${path.dirname(this.weed)}:${process.env.PATH}`, HOME: path.join(this.root, "home") },
            timeout: 120_000,
        });
        return { status: result.status, output: `${result.stdout}${result.stderr}` };
    }

    tail(proc: WeedProcess, lines = 30): string {
        const text = fs.existsSync(proc.log) ? fs.readFileSync(proc.log, "utf8") : "";
        return `--- ${proc.name} (${proc.log})\n${text.split("\n").slice(-lines).join("\n")}`;
    }

    tails(): string {
        return this.processes.map((p) => this.tail(p)).join("\n");
    }

    async stopAll(): Promise<void> {
        for (const proc of this.processes) this.kill(proc);
        await sleep(200);
        spawnSync("pkill", ["-9", "-f", this.root]);
        this.guard.cancel();
    }
}

const local = (p: number, metricsPort: number): Listen => ({ ip: "127.0.0.1", bind: "127.0.0.1", port: p, metricsPort });

/** Writes a file into a directory and returns its path. */
function write(dir: string, name: string, text: string): string {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 });
    return path.join(dir, name);
}

/**
 * Volume servers run with the rendered -minFreeSpace: on a disk with less free, SeaweedFS registers
 * no capacity and every write fails ("no volume server capacity registered yet"), long after the
 * start. Refused at once instead, naming the disk and what to free.
 */
export function assertDiskRoom(dir: string, minFreeSpacePercent: number): void {
    const disk = fs.statfsSync(dir);
    const free = (100 * disk.bavail) / disk.blocks;
    if (free < minFreeSpacePercent + 0.5) {
        const gib = (n: number) => `${((n * disk.bsize) / 2 ** 30).toFixed(1)} GiB`;
        throw new Error(`the disk of ${dir} has ${free.toFixed(1)}% free (${gib(disk.bavail)} of ${gib(disk.blocks)}); SeaweedFS' rendered -minFreeSpace=${minFreeSpacePercent} needs more: free space (old e2e directories under ${path.dirname(dir)}?)`);
    }
}

/** The distributed topology: masters, volume servers (all rack1, as without zones), one filer on PostgreSQL per `filers`, gateways. */
export async function startDistributed(store: LocalStore, settings: SeaweedfsSettings, filerStore: Extract<FilerStore, { kind: "postgres" }>, identities: string, counts: { filers: number; gateways: number }): Promise<void> {
    assertDiskRoom(store.root, settings.minFreeSpacePercent);
    const masters: { port: number; metricsPort: number }[] = [];
    for (let i = 0; i < settings.masters; i++) masters.push({ port: await portPair(), metricsPort: await port() });
    const peers = masters.map((m) => `127.0.0.1:${m.port}`);
    for (const [i, m] of masters.entries()) {
        const dir = path.join(store.root, `master-${i}`);
        fs.mkdirSync(path.join(dir, "data"), { recursive: true });
        store.start({ name: `master-${i}`, role: "master", dir, port: m.port, metricsPort: m.metricsPort, args: masterArgs(settings, local(m.port, m.metricsPort), path.join(dir, "data"), peers) });
    }
    for (let i = 0; i < settings.volumeServers; i++) {
        const p = await portPair();
        const metricsPort = await port();
        const dir = path.join(store.root, `volume-${i}`);
        fs.mkdirSync(path.join(dir, "data"), { recursive: true });
        store.start({ name: `volume-${i}`, role: "volume", dir, port: p, metricsPort, args: volumeArgs(settings, local(p, metricsPort), path.join(dir, "data"), peers, "rack1") });
    }
    for (let i = 0; i < counts.filers; i++) {
        const p = await portPair();
        const metricsPort = await port();
        const dir = path.join(store.root, `filer-${i}`);
        write(dir, "filer.toml", renderFilerToml(filerStore));
        store.start({ name: `filer-${i}`, role: "filer", dir, port: p, metricsPort, args: filerArgs(settings, local(p, metricsPort), peers) });
    }
    const filers = store.of("filer").map((f) => `127.0.0.1:${f.port}`);
    for (let i = 0; i < counts.gateways; i++) {
        const p = await portPair(); // the gateway serves gRPC on port + 10000 too
        const metricsPort = await port();
        const dir = path.join(store.root, `gateway-${i}`);
        const file = write(dir, "s3.json", identities);
        store.start({ name: `gateway-${i}`, role: "gateway", dir, port: p, metricsPort, args: gatewayArgs(local(p, metricsPort), filers, file) });
    }
}

/** The single topology: one `weed server` with every role, its filer's leveldb under its directory. */
export async function startSingle(store: LocalStore, settings: SeaweedfsSettings, identities: string): Promise<WeedProcess> {
    assertDiskRoom(store.root, settings.minFreeSpacePercent);
    const ports = { master: await portPair(), volume: await portPair(), filer: await portPair(), s3: await portPair() };
    const metricsPort = await port();
    const dir = path.join(store.root, "server");
    const data = path.join(dir, "data");
    fs.mkdirSync(data, { recursive: true });
    write(dir, "filer.toml", renderFilerToml({ kind: "leveldb", dir: path.join(data, "filerldb2") }));
    const file = write(dir, "s3.json", identities);
    return store.start({ name: "server", role: "server", dir, port: ports.s3, metricsPort, args: serverArgs(settings, { ip: "127.0.0.1", bind: "127.0.0.1", metricsPort }, ports, data, file) });
}

/** The master and filer addresses of a store, for weed shell. */
export function shellAddresses(store: LocalStore): { master: string; filer: string } {
    const server = store.of("server")[0];
    if (server) {
        const master = Number(flagOf(server.args, "-master.port"));
        const filer = Number(flagOf(server.args, "-filer.port"));
        return { master: `127.0.0.1:${master}`, filer: `127.0.0.1:${filer}` };
    }
    return { master: `127.0.0.1:${store.of("master")[0].port}`, filer: `127.0.0.1:${store.of("filer")[0].port}` };
}

export function flagOf(args: readonly string[], flag: string): string | undefined {
    return args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
}
