// Runs KafkaCheck.java (Kafka's Java client of the cluster's version), compiled once per run.
import { ChildProcess, execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as readline from "readline";
import { tempDir } from "../../test/support/tempdirs";
import { KAFKA_HOME, LIBS, killGroup, spawnBounded } from "./localCluster";

const JVM = ["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", `-Dlog4j2.configurationFile=${path.join(KAFKA_HOME, "config", "tools-log4j2.properties")}`];

/** A client running in the background: its stdout lines with the time each arrived. */
export class BackgroundClient {
    readonly lines: { readonly text: string; readonly at: number }[] = [];
    private readonly exited: Promise<number | null>;
    private stderr = "";

    constructor(private readonly child: ChildProcess) {
        readline.createInterface({ input: child.stdout! }).on("line", (text) => this.lines.push({ text, at: Date.now() }));
        child.stderr!.on("data", (chunk) => (this.stderr = (this.stderr + chunk).slice(-20_000)));
        // "close", not "exit": the last lines are read before it.
        this.exited = new Promise((resolve) => child.once("close", (code) => resolve(code)));
    }

    /** Lines starting with `kind ` (e.g. "ack"), split into fields. */
    fields(kind: string): { readonly fields: string[]; readonly at: number }[] {
        return this.lines.filter((l) => l.text.startsWith(`${kind} `)).map((l) => ({ fields: l.text.split(" ").slice(1), at: l.at }));
    }

    /** Closes stdin (the client finishes what is in flight) and waits, killing it after `timeoutMs`. */
    async stop(timeoutMs = 150_000): Promise<void> {
        this.child.stdin!.end();
        const timer = setTimeout(() => this.kill(), timeoutMs);
        const code = await this.exited;
        clearTimeout(timer);
        if (code !== 0) throw new Error(`client exited with ${code}: ${this.stderr}`);
    }

    kill(): void {
        killGroup(this.child.pid!, "SIGKILL");
    }
}

export class KafkaClient {
    private readonly background: BackgroundClient[] = [];

    private constructor(private readonly classes: string, private readonly propertiesFile: string) {}

    /** Compiles the client and writes its connection settings. */
    static create(properties: Record<string, string>): KafkaClient {
        const dir = tempDir("kafka-client");
        execFileSync("javac", ["-d", dir, "-cp", path.join(LIBS, "*"), path.join(KAFKA_HOME, "KafkaCheck.java")], { stdio: "pipe" });
        const propertiesFile = path.join(dir, "client.properties");
        fs.writeFileSync(propertiesFile, Object.entries(properties).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
        return new KafkaClient(dir, propertiesFile);
    }

    private argv(args: readonly string[]): string[] {
        return [...JVM, "-cp", `${this.classes}:${path.join(LIBS, "*")}`, "KafkaCheck", this.propertiesFile, ...args];
    }

    /** Runs a command to its end and returns its stdout lines; fails on a non-zero exit. Asynchronous, so background clients keep being read. */
    async run(args: readonly string[], timeoutS = 120): Promise<string[]> {
        const child = spawnBounded("java", this.argv(args), { stdio: ["ignore", "pipe", "pipe"] }, timeoutS);
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (chunk) => (stdout += chunk));
        child.stderr!.on("data", (chunk) => (stderr += chunk));
        const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
        if (code !== 0) throw new Error(`KafkaCheck ${args.join(" ")} exited with ${code}: ${stderr}`);
        return stdout.trim().split("\n").filter(Boolean);
    }

    /** Starts a command that runs until stopped (produce, consume). */
    start(args: readonly string[]): BackgroundClient {
        const client = new BackgroundClient(spawnBounded("java", this.argv(args), { stdio: ["pipe", "pipe", "pipe"] }));
        this.background.push(client);
        return client;
    }

    killAll(): void {
        for (const client of this.background) client.kill();
    }
}
