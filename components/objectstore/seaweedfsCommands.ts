// What each SeaweedFS process is started with: the command lines of its roles (master, volume
// server, filer, S3 gateway, or `weed server` with all of them in one process), the filer's store
// configuration and the bucket-init script. Pure: the component starts its pods with these, and the
// real-process check (e2e/objectstore.spec.ts) starts `weed` with the same functions, given
// loopback addresses: addresses, ports and paths are all that differ.
import { SeaweedfsSettings } from "../../config/types";

/** SeaweedFS' ports; each gRPC port is its HTTP port + 10000 (SeaweedFS' rule). */
export const SEAWEEDFS_PORTS = {
    master: 9333,
    volume: 8080,
    filer: 8888,
    s3: 8333,
    metrics: 9327,
} as const;

/** The gRPC port SeaweedFS derives from an HTTP port. */
export function grpcPort(port: number): number {
    return port + 10000;
}

/** Where the pods keep data and read their configuration. */
export const SEAWEEDFS_PATHS = {
    data: "/data",
    /** filer.toml; it replaces the image's own (which enables a leveldb store). */
    configDir: "/etc/seaweedfs",
    /** The S3 identities file (a Secret). */
    s3ConfigDir: "/etc/seaweedfs-s3",
    s3ConfigFile: "s3.json",
} as const;

/** Where one process listens and keeps its data: the values a loopback test changes. */
export interface Listen {
    /** The address it advertises to the others (a pod's stable DNS name, or 127.0.0.1). */
    readonly ip: string;
    /** The address it binds. */
    readonly bind: string;
    readonly port: number;
    readonly metricsPort: number;
}

/** Raft election timeout of the masters (their -heartbeatInterval stays upstream's 300 ms). */
export const MASTER_ELECTION_TIMEOUT = "3s";

/** Flags before the role: logs to stderr (otherwise glog writes files to /tmp). */
const GLOBAL = ["-logtostderr=true"];

/** A raft master: peers are host:port of every master, itself included, as each advertises itself. */
export function masterArgs(settings: SeaweedfsSettings, listen: Listen, dir: string, peers: readonly string[]): string[] {
    return [
        ...GLOBAL,
        "master",
        `-ip=${listen.ip}`,
        `-ip.bind=${listen.bind}`,
        `-port=${listen.port}`,
        `-mdir=${dir}`,
        `-peers=${peers.join(",")}`,
        `-volumeSizeLimitMB=${settings.volumeSizeLimitMB}`,
        `-defaultReplication=${settings.replication}`,
        // Raft: a follower that hears no heartbeat (every 300 ms) for this long calls an election.
        // Upstream's 10 s leaves S3 writes failing for about 30 s after losing the leader; 3 s is
        // still ten heartbeats (etcd's ratio) and brings it to the seconds the e2e measures.
        `-electionTimeout=${MASTER_ELECTION_TIMEOUT}`,
        `-metricsPort=${listen.metricsPort}`,
        // The master reports usage to telemetry.seaweedfs.com by default.
        "-telemetry=false",
    ];
}

/**
 * A volume server in `rack` (its zone, or "rack1" without zones). `-max=0` sizes the number of
 * volumes from the free space; below minFreeSpacePercent the server turns its volumes read-only.
 */
export function volumeArgs(settings: SeaweedfsSettings, listen: Listen, dir: string, masters: readonly string[], rack: string): string[] {
    return [
        ...GLOBAL,
        "volume",
        `-ip=${listen.ip}`,
        `-ip.bind=${listen.bind}`,
        `-port=${listen.port}`,
        `-dir=${dir}`,
        `-master=${masters.join(",")}`,
        `-dataCenter=${settings.dataCenter}`,
        `-rack=${rack}`,
        "-max=0",
        `-minFreeSpace=${settings.minFreeSpacePercent}`,
        // Needle indexes on disk, not in memory: a restart does not read every index into RAM.
        "-index=leveldb",
        `-metricsPort=${listen.metricsPort}`,
    ];
}

/** A stateless filer: its store is configured by filer.toml (renderFilerToml) in its config directory. */
export function filerArgs(settings: SeaweedfsSettings, listen: Listen, masters: readonly string[]): string[] {
    return [
        ...GLOBAL,
        "filer",
        `-ip=${listen.ip}`,
        `-ip.bind=${listen.bind}`,
        `-port=${listen.port}`,
        `-master=${masters.join(",")}`,
        `-defaultReplicaPlacement=${settings.replication}`,
        `-metricsPort=${listen.metricsPort}`,
    ];
}

/** An S3 gateway in front of the filers, authenticating with the identities file (never without: no identities means no authentication). */
export function gatewayArgs(listen: Listen, filers: readonly string[], identitiesFile: string): string[] {
    return [
        ...GLOBAL,
        "s3",
        `-ip.bind=${listen.bind}`,
        `-port=${listen.port}`,
        `-filer=${filers.join(",")}`,
        `-config=${identitiesFile}`,
        `-metricsPort=${listen.metricsPort}`,
        // Its own Iceberg REST catalog and Lance service are not ours to serve: Nessie is the catalog.
        "-port.iceberg=0",
        "-port.lance=0",
    ];
}

/** Ports of the single `weed server` process. */
export interface ServerPorts {
    readonly master: number;
    readonly volume: number;
    readonly filer: number;
    readonly s3: number;
}

/** Every role in one process (topology single): master, volume server, filer (its store in dir) and S3 gateway. */
export function serverArgs(settings: SeaweedfsSettings, listen: Omit<Listen, "port">, ports: ServerPorts, dir: string, identitiesFile: string): string[] {
    return [
        ...GLOBAL,
        "server",
        `-ip=${listen.ip}`,
        `-ip.bind=${listen.bind}`,
        `-dir=${dir}`,
        `-dataCenter=${settings.dataCenter}`,
        "-rack=rack1",
        `-master.port=${ports.master}`,
        "-master.peers=none",
        `-master.volumeSizeLimitMB=${settings.volumeSizeLimitMB}`,
        `-master.defaultReplication=${settings.replication}`,
        "-master.telemetry=false",
        `-volume.port=${ports.volume}`,
        "-volume.max=0",
        `-volume.minFreeSpace=${settings.minFreeSpacePercent}`,
        "-volume.index=leveldb",
        "-filer",
        `-filer.port=${ports.filer}`,
        "-s3",
        `-s3.port=${ports.s3}`,
        `-s3.config=${identitiesFile}`,
        "-s3.port.iceberg=0",
        `-metricsPort=${listen.metricsPort}`,
    ];
}

/** The flags whose values are addresses, ports or paths: the only ones a loopback run may change. */
export const ADDRESS_FLAGS = [
    "-ip", "-ip.bind", "-port", "-mdir", "-dir", "-peers", "-master", "-filer", "-config", "-metricsPort",
    "-master.port", "-volume.port", "-filer.port", "-s3.port", "-s3.config",
];

/** The filer's metadata store. */
export type FilerStore =
    | { readonly kind: "postgres"; readonly host: string; readonly port: number; readonly database: string; readonly username: string; readonly password: string }
    | { readonly kind: "leveldb"; readonly dir: string };

/**
 * filer.toml: exactly one store. PostgreSQL (postgres2: a table per bucket, created by the filer,
 * so its role owns the database) for stateless filers; leveldb on the volume for the single server.
 */
/**
 * The filers' table DDL (`%s` is the table: filemeta, then one per bucket). Upstream's default
 * statement, in a block that tolerates a concurrent creator: filers starting together on an empty
 * database each run CREATE TABLE IF NOT EXISTS, and all but one fail on pg_type's unique index
 * (found by the e2e, where the second filer exited with SQLSTATE 23505 and would crash-loop once).
 */
export const FILER_CREATE_TABLE =
    'DO $$ BEGIN CREATE TABLE IF NOT EXISTS "%s" (dirhash BIGINT, name VARCHAR(65535), directory VARCHAR(65535), meta bytea, PRIMARY KEY (dirhash, name)); ' +
    "EXCEPTION WHEN unique_violation OR duplicate_table THEN NULL; END $$";

export function renderFilerToml(store: FilerStore): string {
    if (store.kind === "leveldb") return [`[leveldb2]`, `enabled = true`, `dir = ${JSON.stringify(store.dir)}`, ""].join("\n");
    return [
        "[postgres2]",
        "enabled = true",
        `createTable = ${JSON.stringify(FILER_CREATE_TABLE)}`,
        `hostname = ${JSON.stringify(store.host)}`,
        `port = ${store.port}`,
        `username = ${JSON.stringify(store.username)}`,
        `password = ${JSON.stringify(store.password)}`,
        `database = ${JSON.stringify(store.database)}`,
        'schema = ""',
        'sslmode = "disable"',
        "connection_max_idle = 10",
        "connection_max_open = 50",
        "connection_max_lifetime_seconds = 300",
        "",
    ].join("\n");
}

/** What `weed shell` prints (and exits 0 on) while the masters' raft has no settled leader. */
export const WEED_NO_LEADER = ["Not current leader", "no leader"] as const;

/**
 * The bucket-init Job's script (POSIX sh, in the SeaweedFS image): lists the buckets through
 * `weed shell` and creates each missing one. It never deletes a bucket, so a bucket removed from
 * config stays with its data until an operator deletes it. `weed shell` prints a command the
 * masters refuse and exits 0, and right after the masters start the leadership can still move
 * ("Not current leader"): each command is retried on that answer, for up to `attempts` × 3 s.
 */
export function bucketInitScript(buckets: readonly string[], master: string, filer: string, attempts = 20): string {
    const refused = WEED_NO_LEADER.map((m) => `*"${m}"*`).join("|");
    return [
        "set -eu",
        "weed_run() {",
        "  attempt=1",
        "  while :; do",
        `    out=$(echo "$1" | weed shell -master=${master} -filer=${filer} 2>&1) || true`,
        '    case "$out" in',
        `      ${refused}) ;;`,
        '      *) [ -z "$out" ] || printf "%s\\n" "$out"; return 0 ;;',
        "    esac",
        `    if [ "$attempt" -ge ${attempts} ]; then printf "%s\\n" "$out" >&2; echo "no raft leader after ${attempts} attempts: $1" >&2; return 1; fi`,
        '    echo "no raft leader yet (attempt $attempt): $1" >&2',
        "    attempt=$((attempt + 1))",
        "    sleep 3",
        "  done",
        "}",
        'existing=$(weed_run s3.bucket.list)',
        `for bucket in ${buckets.join(" ")}; do`,
        '  if printf "%s\\n" "$existing" | grep -Eq "^[[:space:]]*$bucket([[:space:]]|$)"; then',
        '    echo "bucket $bucket exists"',
        "  else",
        '    weed_run "s3.bucket.create -name $bucket"',
        '    echo "bucket $bucket created"',
        "  fi",
        "done",
        'final=$(weed_run s3.bucket.list)',
        `for bucket in ${buckets.join(" ")}; do`,
        '  printf "%s\\n" "$final" | grep -Eq "^[[:space:]]*$bucket([[:space:]]|$)" || { echo "bucket $bucket missing after create" >&2; exit 1; }',
        "done",
        "",
    ].join("\n");
}
