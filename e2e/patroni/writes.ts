// Runs writer.py against the cluster and keeps what it reports, stamped with when it arrived.
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as readline from "readline";
import { TOOLS_VENV } from "../../test/support/realTools";
import { LOOPBACK } from "./members";
import { alive, signal, until } from "./processes";

export interface WriteEvent {
    readonly event: "ack" | "failed" | "in_doubt" | "unavailable";
    readonly id?: number;
    /** The PostgreSQL port that acknowledged. */
    readonly port?: number;
    readonly error?: string;
    /** Date.now() when the line arrived. */
    readonly at: number;
}

export class Writer {
    readonly events: WriteEvent[] = [];
    private readonly child: ChildProcess;
    private stderr = "";

    constructor(table: string, ports: number[], superuser: { user: string; password: string }, maxSeconds: number, database = "postgres") {
        this.child = spawn(path.join(TOOLS_VENV, "bin", "python3"), [path.join(__dirname, "writer.py"), table, String(maxSeconds)], {
            env: {
                ...process.env,
                PGHOST: ports.map(() => LOOPBACK).join(","),
                PGPORT: ports.join(","),
                PGUSER: superuser.user,
                PGPASSWORD: superuser.password,
                PGDATABASE: database,
                PGTARGETSESSIONATTRS: "read-write",
                PGCONNECT_TIMEOUT: "2",
                PGAPPNAME: "e2e-writer",
            },
            stdio: ["pipe", "pipe", "pipe"],
        });
        readline.createInterface({ input: this.child.stdout! }).on("line", (line) => this.events.push({ ...JSON.parse(line), at: Date.now() }));
        this.child.stderr!.on("data", (d) => (this.stderr += d));
    }

    acked(after = 0): WriteEvent[] {
        return this.events.filter((e) => e.event === "ack" && e.at > after);
    }

    count(kind: WriteEvent["event"]): number {
        return this.events.filter((e) => e.event === kind).length;
    }

    /** Waits for `n` acknowledged writes after `after`; fails early if the writer died. */
    async waitForAcks(n: number, after: number, timeoutMs: number): Promise<WriteEvent[]> {
        return until(`${n} acknowledged writes`, timeoutMs, () => {
            if (this.child.exitCode !== null) throw new Error(`the writer exited (${this.child.exitCode}): ${this.stderr}`);
            const acks = this.acked(after);
            return acks.length >= n ? acks : undefined;
        });
    }

    /** Closes its stdin (it finishes the write under way) and waits; SIGKILL after 15 s. */
    async stop(): Promise<void> {
        this.child.stdin!.end();
        const pid = this.child.pid!;
        const exited = () => (this.child.exitCode !== null || this.child.signalCode !== null || !alive(pid) ? true : undefined);
        await until("the writer to stop", 15_000, exited, 100).catch(() => signal(pid, "SIGKILL"));
    }
}
