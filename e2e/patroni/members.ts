// Patroni members as local processes: the deployed configuration directory (patroni.yml and a
// credentials.yml rendered as the program renders it) and container env, changed only in what a
// shared host needs (addresses, ports, paths), each member run as the postgres OS user.
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { EnvVar } from "../../components/postgres/environment";
import { CONFIG_FILES, PORTS, RESTAPI_USER, ROLES, renderPatroniCredentials } from "../../components/postgres/patroniConfig";
import { TOOLS_VENV, freePort, postgresBinDir, requireFile } from "../../test/support/realTools";
import { resolvePodEnv } from "../../test/support/podEnv";
import { tempDir } from "../../test/support/tempdirs";
import { PROJECT_DIR } from "../../test/support/stacks";
import { LIFETIME_S, alive, asPostgres, childrenOf, chownToPostgres, deadline, letPostgresReach, postmasterOf, shellQuote, signal, until } from "./processes";

export const LOOPBACK = "127.0.0.1";

export interface MemberPlace {
    readonly postgresPort: number;
    readonly restPort: number;
    readonly dir: string;
}

/** Every change made to the deployed patroni.yml: the spec checks that nothing else differs. */
export function placeConfig(config: any, place: MemberPlace): any {
    const local = structuredClone(config);
    local.restapi.listen = `${LOOPBACK}:${place.restPort}`;
    local.postgresql.listen = `${LOOPBACK}:${place.postgresPort}`;
    local.postgresql.data_dir = path.join(place.dir, "pgdata");
    local.postgresql.pgpass = path.join(place.dir, "pgpass");
    local.postgresql.parameters.unix_socket_directories = path.join(place.dir, "run");
    return local;
}

/** `host:from` -> `host:to`; fails when the deployed value has another shape. */
function withPort(address: string, from: number, to: number): string {
    if (!address.endsWith(`:${from}`)) throw new Error(`expected an address on port ${from}, got ${address}`);
    return `${address.slice(0, -String(from).length)}${to}`;
}

/**
 * The Patroni interpreter, runnable by the postgres user. pyenv puts the tools venv's interpreter
 * under /root (mode 0700); then a venv of the system python3 of the same minor version reads the
 * tools venv's packages through a .pth file (not PYTHONPATH: Debian's psycopg2 would shadow psycopg).
 */
function patroniPython(scratch: string): string {
    const venvPython = requireFile(path.join(TOOLS_VENV, "bin", "python3"), "Patroni from tools/requirements.txt");
    // Exec'd from a process already running as postgres, like Patroni's multiprocessing children:
    // setpriv's own exec can succeed where theirs fails.
    const [cmd, args] = asPostgres("/bin/sh", ["-c", 'exec "$0" -c "import patroni"', venvPython]);
    if (spawnSync(cmd, args, { stdio: "ignore" }).status === 0) return venvPython;
    const sitePackages = fs.readdirSync(path.join(TOOLS_VENV, "lib")).map((d) => path.join(TOOLS_VENV, "lib", d, "site-packages"))[0];
    const minor = path.basename(path.dirname(sitePackages)); // "python3.11"
    const systemMinor = execFileSync("/usr/bin/python3", ["-c", "import sys; print(f'python{sys.version_info[0]}.{sys.version_info[1]}')"], { encoding: "utf8" }).trim();
    if (systemMinor !== minor) throw new Error(`the postgres user cannot run ${venvPython}, and /usr/bin/python3 is ${systemMinor}, not ${minor}`);
    const venv = path.join(scratch, "python");
    execFileSync("/usr/bin/python3", ["-m", "venv", "--without-pip", venv]);
    fs.writeFileSync(path.join(venv, "lib", minor, "site-packages", "tools-venv.pth"), `${sitePackages}\n`);
    return path.join(venv, "bin", "python3");
}

export class PatroniMember {
    readonly config: any;
    readonly dataDir: string;
    readonly logFile: string;
    private process?: ChildProcess;
    private logOffset = 0;

    /** The configuration directory, as /etc/patroni in the pod. */
    readonly configDir: string;

    constructor(
        readonly name: string,
        readonly place: MemberPlace,
        deployedConfig: any,
        credentials: Record<string, unknown>,
        private readonly env: Record<string, string>,
        private readonly python: string,
    ) {
        this.config = placeConfig(deployedConfig, place);
        this.dataDir = this.config.postgresql.data_dir;
        this.logFile = path.join(place.dir, "patroni.log");
        this.configDir = path.join(place.dir, "config");
        fs.mkdirSync(this.config.postgresql.parameters.unix_socket_directories, { recursive: true });
        fs.mkdirSync(this.configDir);
        fs.writeFileSync(path.join(this.configDir, CONFIG_FILES.settings), yaml.dump(this.config, { noRefs: true }));
        fs.writeFileSync(path.join(this.configDir, CONFIG_FILES.credentials), yaml.dump(credentials, { noRefs: true }), { mode: 0o600 });
    }

    get restUrl(): string {
        return `http://${LOOPBACK}:${this.place.restPort}`;
    }

    get running(): boolean {
        return this.process?.exitCode === null && this.process.signalCode === null;
    }

    start(): void {
        this.logOffset = fs.existsSync(this.logFile) ? fs.statSync(this.logFile).size : 0;
        const log = fs.openSync(this.logFile, "a");
        // As the container's command: `patroni /etc/patroni`, the directory.
        const [cmd, args] = asPostgres(this.python, ["-m", "patroni", this.configDir]);
        // Its own process group; `timeout` bounds its life and passes a SIGTERM on to Patroni.
        this.process = spawn("timeout", ["-k", "10", String(LIFETIME_S), cmd, ...args], { detached: true, env: this.env, stdio: ["ignore", log, log] });
        fs.closeSync(log);
    }

    /** SIGKILL to Patroni and to every PostgreSQL process of the member at once, as when its pod dies. */
    async killHard(): Promise<void> {
        const postmaster = postmasterOf(this.dataDir);
        // PostgreSQL's processes are not in Patroni's group: the postmaster detaches, each child calls setsid.
        const pids = postmaster ? [postmaster, ...childrenOf(postmaster)] : [];
        if (this.process?.pid) signal(-this.process.pid, "SIGKILL");
        for (const pid of pids) signal(pid, "SIGKILL");
        await until(`${this.name} to be gone`, 10_000, () => (pids.some(alive) || this.running ? undefined : true), 100);
    }

    /** Patroni's own shutdown (it stops PostgreSQL), then SIGKILL for whatever is left. */
    async stop(): Promise<void> {
        if (this.running) {
            signal(this.process!.pid!, "SIGTERM");
            await until(`${this.name} to stop`, 30_000, () => (this.running ? undefined : true), 200).catch(() => undefined);
        }
        await this.killHard();
    }

    /** Where the log stood when the member was last started. */
    get lastStartOffset(): number {
        return this.logOffset;
    }

    logSince(offset: number): string {
        return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile).subarray(offset).toString("utf8") : "";
    }

    logTail(lines = 15): string {
        return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n") : "(no log)";
    }
}

export interface ClusterMember {
    readonly name: string;
    readonly role: string; // leader | sync_standby | replica | ...
    readonly state: string; // running | streaming | ...
    readonly port: number;
    readonly timeline?: number;
}

export interface LocalCluster {
    readonly members: PatroniMember[];
    readonly superuser: { user: string; password: string };
    /** The REST API's user for unsafe calls (PATCH /config, /restart, /switchover). */
    readonly restapi: { user: string; password: string };
    member(name: string): PatroniMember;
    /** Patroni's view (REST API /cluster) from the first member that answers. */
    view(): Promise<ClusterMember[] | undefined>;
    psql(member: PatroniMember, sql: string): string;
    stop(): Promise<void>;
}

export interface ClusterInput {
    readonly deployedConfig: any;
    readonly deployedEnv: EnvVar[];
    readonly namespace: string;
    readonly podNames: string[];
    /** How Patroni reaches the API server: a kubeconfig and its context. */
    readonly kubeconfig: { text: string; context: string };
}

export async function startLocalCluster(input: ClusterInput): Promise<LocalCluster> {
    const scratch = tempDir("patroni");
    const kubeconfig = path.join(scratch, "kubeconfig");
    fs.writeFileSync(kubeconfig, input.kubeconfig.text, { mode: 0o600 });
    // One credentials Secret for all members, as in the cluster: random passwords, rendered into
    // credentials.yml by the program's own function.
    const password = () => randomBytes(12).toString("hex");
    const passwords = { superuser: password(), replication: password(), rewind: password(), restapi: password() };
    const credentials = renderPatroniCredentials(passwords);
    const superuser = { user: ROLES.superuser, password: passwords.superuser };
    const restapi = { user: RESTAPI_USER, password: passwords.restapi };
    letPostgresReach(PROJECT_DIR);
    const python = patroniPython(scratch);
    const members: PatroniMember[] = [];
    for (const name of input.podNames) {
        const place = { postgresPort: await freePort(), restPort: await freePort(), dir: path.join(scratch, name) };
        fs.mkdirSync(place.dir);
        const podEnv = resolvePodEnv(input.deployedEnv, { secrets: {}, fields: { "metadata.name": name, "metadata.namespace": input.namespace, "status.podIP": LOOPBACK } });
        podEnv.PATRONI_RESTAPI_CONNECT_ADDRESS = withPort(podEnv.PATRONI_RESTAPI_CONNECT_ADDRESS, PORTS.patroni, place.restPort);
        podEnv.PATRONI_POSTGRESQL_CONNECT_ADDRESS = withPort(podEnv.PATRONI_POSTGRESQL_CONNECT_ADDRESS, PORTS.postgres, place.postgresPort);
        // In a pod Patroni finds the API server through the in-cluster config; here through a kubeconfig.
        const env = { ...podEnv, KUBECONFIG: kubeconfig, PATRONI_KUBERNETES_CONTEXT: input.kubeconfig.context, PATH: `${postgresBinDir()}:/usr/bin:/bin`, HOME: place.dir };
        members.push(new PatroniMember(name, place, input.deployedConfig, credentials, env, python));
    }
    chownToPostgres(scratch);
    const pgCtl = path.join(postgresBinDir(), "pg_ctl");
    const guard = deadline(
        LIFETIME_S + 60,
        members.map((m) => asPostgres(pgCtl, ["-D", m.dataDir, "-m", "immediate", "stop"]).flat().map(shellQuote).join(" ")).join("; "),
    );
    for (const m of members) m.start();

    const psqlBin = path.join(postgresBinDir(), "psql");

    return {
        members,
        superuser,
        restapi,
        member(name) {
            const found = members.find((m) => m.name === name);
            if (!found) throw new Error(`no member ${name}`);
            return found;
        },
        async view() {
            for (const m of members) {
                try {
                    const res = await fetch(`${m.restUrl}/cluster`, { signal: AbortSignal.timeout(2000) });
                    if (res.ok) return ((await res.json()) as { members: ClusterMember[] }).members;
                } catch {
                    /* this member is down: ask the next */
                }
            }
            return undefined;
        },
        psql: (member, sql) =>
            execFileSync(psqlBin, ["-XAtq", "-v", "ON_ERROR_STOP=1", "-h", LOOPBACK, "-p", String(member.place.postgresPort), "-U", superuser.user, "-d", "postgres"], {
                input: sql,
                encoding: "utf8",
                env: { ...process.env, PGPASSWORD: superuser.password, PGCONNECT_TIMEOUT: "3" },
                stdio: ["pipe", "pipe", "pipe"],
                timeout: 30_000,
            }).trim(),
        async stop() {
            const results = await Promise.allSettled(members.map((m) => m.stop()));
            const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
            // The guard stays armed when a member could not be stopped: it is the last resort.
            if (failed.length > 0) throw new Error(`members not stopped: ${failed.map((r) => r.reason).join("; ")}`);
            guard.cancel();
        },
    };
}
