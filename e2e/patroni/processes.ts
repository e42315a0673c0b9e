// Process plumbing for the Patroni check: polling, running as the postgres OS user, killing a
// process tree hard, and a deadline that cleans up even when the test runner itself is killed.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** Nothing this check starts outlives this, even when mocha is killed. */
export const LIFETIME_S = 15 * 60;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than undefined; fails with `what` after the timeout. */
export async function until<T>(what: string, timeoutMs: number, check: () => T | undefined | Promise<T | undefined>, intervalMs = 250): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
        const value = await check();
        if (value !== undefined) return value;
        if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
        await sleep(intervalMs);
    }
}

export const isRoot = () => process.getuid?.() === 0;

/**
 * A command line run as the postgres OS user when we are root (PostgreSQL refuses root). setpriv
 * execs in place, unlike runuser, which keeps a parent that SIGKILLs the child 2 s after a SIGTERM:
 * too soon for Patroni to stop PostgreSQL cleanly.
 */
export function asPostgres(command: string, args: string[]): [string, string[]] {
    return isRoot() ? ["setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", command, ...args]] : [command, args];
}

/**
 * Lets the postgres user reach `dir` (the checkout: Patroni's packages in .tools/venv, the image's
 * scripts), when run as root: every ancestor without search permission for others gets it (o+x,
 * not read), as a checkout under `mktemp -d` (mode 0700) has none.
 */
export function letPostgresReach(dir: string): void {
    if (!isRoot()) return;
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
        const mode = fs.statSync(d).mode;
        if ((mode & 0o001) === 0) fs.chmodSync(d, (mode & 0o7777) | 0o001);
        if (d === path.dirname(d)) break;
    }
}

export function chownToPostgres(dir: string): void {
    if (isRoot()) spawnSync("chown", ["-R", "postgres:postgres", dir], { stdio: "ignore" });
}

/** Running, and not a zombie: orphans of a killed member wait for init to reap them. */
export function alive(pid: number): boolean {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
    } catch {
        return false;
    }
}

/** Sends a signal, ignoring processes that are already gone. */
export function signal(pid: number, sig: NodeJS.Signals): void {
    try {
        process.kill(pid, sig);
    } catch {
        /* already gone */
    }
}

export function childrenOf(pid: number): number[] {
    const out = spawnSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" }).stdout ?? "";
    return out.split(/\s+/).filter(Boolean).map(Number);
}

/** The postmaster of a data directory, if one runs (the pid file can outlive a killed server). */
export function postmasterOf(dataDir: string): number | undefined {
    const pidFile = `${dataDir}/postmaster.pid`;
    if (!fs.existsSync(pidFile)) return undefined;
    const pid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
    if (!pid || !alive(pid)) return undefined;
    // A stale pid file's pid may belong to someone else's process by now.
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return cmdline.includes(dataDir) ? pid : undefined;
}

export interface Deadline {
    cancel(): void;
}

/**
 * Runs `cleanup` (a shell script) after `seconds` unless cancelled: a detached sleeper that ends
 * servers a killed test runner could no longer stop.
 */
export function deadline(seconds: number, cleanup: string): Deadline {
    const child = spawn("sh", ["-c", `sleep ${seconds} && { ${cleanup}; }`], { detached: true, stdio: "ignore" });
    child.unref();
    return { cancel: () => signal(-child.pid!, "SIGKILL") };
}

/** A shell word for `deadline` scripts. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
