// What Trino nodes are started with: etc/node.properties, config.properties (coordinator or
// worker), jvm.config, log.properties and the lakehouse catalog (Iceberg on Nessie's REST API
// with Trino's native S3 file system and its own identity). Pure: the component mounts these
// strings, and e2e/engines.spec.ts starts the real server with them. Secrets are never in the
// files: catalogs and config name environment variables (${ENV:...}) filled from a sealed Secret.
import { TrinoMemory } from "../../config/trino";
import { propertiesFile } from "../meta/propertiesFile";
import { CatalogOAuth2 } from "../nessie/nessieProperties";
import { TrinoAuthenticationRendering, trinoAuthenticationProperties } from "./trinoAuthentication";

/** The HTTP port: client protocol, Web UI, internal communication, /metrics. */
export const TRINO_PORT = 8080;

/** Where the image reads its configuration, and what it may write. */
export const TRINO_PATHS = {
    /** The image's run-trino starts the launcher with --etc-dir /etc/trino. */
    etc: "/etc/trino",
    /** node.data-dir: the launcher's var/ (logs, pid), spill files. */
    data: "/data/trino",
} as const;

/** The catalog users query: `SELECT ... FROM lakehouse.<schema>.<table>`. */
export const LAKEHOUSE_CATALOG = "lakehouse";

/** Environment variables the files name; the pod fills them from the trino-secrets Secret. */
export const TRINO_ENV = {
    accessKey: "TRINO_S3_ACCESS_KEY",
    secretKey: "TRINO_S3_SECRET_KEY",
    sharedSecret: "TRINO_SHARED_SECRET",
    /** The catalog client's `<id>:<secret>` (when Nessie requires tokens). */
    catalogCredential: "TRINO_CATALOG_CREDENTIAL",
} as const;

export type TrinoRole = "coordinator" | "worker";

/** The user a worker's preStop asks to shut down as: the only one the access rules let change a node's state. */
export const TRINO_SHUTDOWN_USER = "graceful-shutdown";

export interface TrinoNodeRendering {
    readonly role: TrinoRole;
    /** node.environment: nodes of one cluster share it (a Trino identifier: lower case, digits, underscores). */
    readonly environment: string;
    readonly memory: TrinoMemory;
    /** query.max-memory (MiB) of the cluster. */
    readonly queryMaxMemoryMB: number;
    /** Coordinator only: it runs tasks too. */
    readonly coordinatorSchedules?: boolean;
    /** The coordinator's address as the nodes reach it (discovery). */
    readonly discoveryUri: string;
    readonly shutdownGracePeriodSeconds: number;
    readonly port?: number;
    readonly dataDir?: string;
    /** Where etc/ is (the access rules are named by their path). */
    readonly etcDir?: string;
    /** The coordinator's users sign in through the platform realm (workers authenticate nothing). */
    readonly authentication?: TrinoAuthenticationRendering;
}

export interface LakehouseCatalogRendering {
    /** Nessie's Iceberg REST endpoint, e.g. http://nessie.<ns>.svc.cluster.local:19120/iceberg. */
    readonly restUri: string;
    /** The warehouse name Nessie knows (its default warehouse). */
    readonly warehouse: string;
    readonly s3: { readonly endpoint: string; readonly region: string; readonly pathStyle: boolean };
    /** Trino's sign-in to the catalog (client credentials; the credential is TRINO_ENV.catalogCredential), when Nessie requires tokens. */
    readonly oauth2?: CatalogOAuth2;
}

/** node.environment from the stack's environment name (Trino allows [a-z0-9_]). */
export function trinoEnvironment(environment: string): string {
    return environment.toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

export function renderNodeProperties(r: Pick<TrinoNodeRendering, "environment" | "dataDir">): string {
    return propertiesFile([
        ["node.environment", r.environment],
        "node.id is the pod's name: the image's run-trino passes -Dnode.id=$HOSTNAME when this file has none.",
        ["node.data-dir", r.dataDir ?? TRINO_PATHS.data],
    ]);
}

export function renderConfigProperties(r: TrinoNodeRendering): string {
    const coordinator = r.role === "coordinator";
    return propertiesFile([
        ["coordinator", coordinator],
        ...(coordinator ? [["node-scheduler.include-coordinator", r.coordinatorSchedules ?? false] as const] : []),
        ["http-server.http.port", r.port ?? 8080],
        ["discovery.uri", r.discoveryUri],
        "Nodes sign their internal requests with this secret (required when users authenticate).",
        ["internal-communication.shared-secret", `\${ENV:${TRINO_ENV.sharedSecret}}`],
        "Memory from the container's limit (config/trino.ts): per-node query memory and headroom fit in the heap.",
        ["query.max-memory", `${r.queryMaxMemoryMB}MB`],
        ["query.max-memory-per-node", `${r.memory.queryMaxMemoryPerNodeMB}MB`],
        ["memory.heap-headroom-per-node", `${r.memory.heapHeadroomMB}MB`],
        ...(coordinator && r.authentication ? trinoAuthenticationProperties(r.authentication) : []),
        ...(coordinator
            ? []
            : [
                  "A stopping worker stays announced this long, lets its tasks finish, then waits as long again before it exits.",
                  ["shutdown.grace-period", `${r.shutdownGracePeriodSeconds}s`] as const,
              ]),
    ]);
}

/** jvm.config: the image's recommended flags with an explicit heap (the container's limit, not the node's RAM). */
export function renderJvmConfig(heapMB: number): string {
    return (
        [
            "-server",
            `-Xmx${heapMB}m`,
            `-Xms${heapMB}m`,
            "-XX:+UseG1GC",
            "-XX:G1HeapRegionSize=32M",
            "-XX:+ExplicitGCInvokesConcurrent",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:-OmitStackTraceInFastThrow",
            "-XX:ReservedCodeCacheSize=256M",
            "-XX:PerMethodRecompilationCutoff=10000",
            "-XX:PerBytecodeRecompilationCutoff=10000",
            "-Djdk.attach.allowAttachSelf=true",
            "-Djdk.nio.maxCachedBufferSize=2000000",
            "-XX:+EnableDynamicAgentLoading",
            "-XX:+UnlockDiagnosticVMOptions",
            "-XX:G1NumCollectionsKeepPinned=10000000",
        ].join("\n") + "\n"
    );
}

export function renderLogProperties(): string {
    return propertiesFile([["io.trino", "INFO"]]);
}

/** etc/catalog/lakehouse.properties: Iceberg tables in Nessie's warehouse, files through Trino's own S3 identity. */
export function renderLakehouseCatalog(r: LakehouseCatalogRendering): string {
    return propertiesFile([
        ["connector.name", "iceberg"],
        "Iceberg REST (Nessie's /iceberg), with views.",
        ["iceberg.catalog.type", "rest"],
        ["iceberg.rest-catalog.uri", r.restUri],
        ["iceberg.rest-catalog.warehouse", r.warehouse],
        "Trino brings its own keys (Nessie signs no requests and vends no credentials).",
        ["iceberg.rest-catalog.vended-credentials-enabled", false],
        ...(r.oauth2
            ? [
                  "Nessie requires a token of the platform realm: Trino's own client (client credentials at the realm's token endpoint in the cluster).",
                  ["iceberg.rest-catalog.security", "OAUTH2"] as const,
                  ["iceberg.rest-catalog.oauth2.credential", `\${ENV:${TRINO_ENV.catalogCredential}}`] as const,
                  ["iceberg.rest-catalog.oauth2.server-uri", r.oauth2.tokenEndpoint] as const,
                  ["iceberg.rest-catalog.oauth2.scope", r.oauth2.scope] as const,
                  "Renewed before expiry by token exchange (the client may exchange its own tokens).",
                  ["iceberg.rest-catalog.oauth2.token-refresh-enabled", true] as const,
              ]
            : []),
        ["iceberg.file-format", "PARQUET"],
        ["fs.native-s3.enabled", true],
        ["s3.endpoint", r.s3.endpoint],
        ["s3.region", r.s3.region],
        ["s3.path-style-access", r.s3.pathStyle],
        ["s3.aws-access-key", `\${ENV:${TRINO_ENV.accessKey}}`],
        ["s3.aws-secret-key", `\${ENV:${TRINO_ENV.secretKey}}`],
    ]);
}

/**
 * System access control (file based): every user may use every catalog and read the system
 * information (/metrics, /v1/info), and only TRINO_SHUTDOWN_USER may write it, i.e. shut a node
 * down gracefully (Trino's default access control refuses graceful shutdown to everyone). Users
 * authenticate at the coordinator (trinoAuthentication.ts); workers authenticate nobody, and only
 * Trino's own nodes and Prometheus reach them.
 */
export function renderAccessControl(etcDir: string = TRINO_PATHS.etc): { properties: string; rules: string } {
    const rules = {
        catalogs: [{ allow: "all" }],
        system_information: [{ user: TRINO_SHUTDOWN_USER, allow: ["read", "write"] }, { allow: ["read"] }],
    };
    return {
        properties: propertiesFile([["access-control.name", "file"], ["security.config-file", `${etcDir}/access-control-rules.json`]]),
        rules: JSON.stringify(rules, null, 2) + "\n",
    };
}

/** The files of one node's etc/ directory, by path relative to it. */
export function renderTrinoEtc(node: TrinoNodeRendering, catalog: LakehouseCatalogRendering): Record<string, string> {
    const access = renderAccessControl(node.etcDir);
    return {
        "access-control.properties": access.properties,
        "access-control-rules.json": access.rules,
        "node.properties": renderNodeProperties(node),
        "config.properties": renderConfigProperties(node),
        "jvm.config": renderJvmConfig(node.memory.heapMB),
        "log.properties": renderLogProperties(),
        [`catalog/${LAKEHOUSE_CATALOG}.properties`]: renderLakehouseCatalog(catalog),
    };
}

/**
 * A worker's preStop: ask it to shut down gracefully (PUT /v1/info/state), then wait until it has
 * exited, so that the kubelet's SIGTERM comes after its tasks are done. The image has curl.
 */
export function workerPreStop(port = TRINO_PORT): string {
    const base = `http://localhost:${port}/v1/info`;
    return [
        `curl -sf -X PUT -H 'Content-Type: application/json' -H 'X-Trino-User: ${TRINO_SHUTDOWN_USER}' -d '"SHUTTING_DOWN"' ${base}/state`,
        `while curl -sf -o /dev/null ${base}; do sleep 2; done`,
    ].join(" && ");
}
