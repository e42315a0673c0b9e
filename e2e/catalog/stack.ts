// The catalog's real backends, as the catalog and lakehouse e2e tiers start them: a PostgreSQL
// with Nessie's database, one SeaweedFS server with the stack's identities and buckets, and Nessie
// replicas with the stack's rendered application.properties, secrets and JVM options (only
// addresses, ports and paths differ: the catalog tier checks that against the plan).
import * as assert from "assert";
import { randomBytes } from "crypto";
import { issuer } from "../../components/keycloak/keycloakConfig";
import { NESSIE_AUDIENCE, OidcAuthentication, nessieJvmOptions, renderNessieProperties, renderNessieSecrets } from "../../components/nessie/nessieProperties";
import { routeHost } from "../../components/web/siteIngress";
import { NESSIE_DATABASE, NESSIE_IDENTITY } from "../../components/nessie/service";
import { bucketInitScript } from "../../components/objectstore/seaweedfsCommands";
import { resolveConfig } from "../../config";
import { nessieHeapMB } from "../../config/nessie";
import { PlatformConfig } from "../../config/types";
import { PostgresServer, startPostgres } from "../../test/support/realTools";
import { rawConfigOf } from "../../test/support/stacks";
import { tempDir } from "../../test/support/tempdirs";
import { Keyed, createDatabase, identitiesFile } from "../objectstore/helpers";
import { LocalStore, port, shellAddresses, startSingle } from "../objectstore/localStore";
import { LocalNessie, NessieReplica, setupCatalogTools } from "./localNessie";

export interface CatalogStack {
    readonly pg: PostgresServer;
    readonly store: LocalStore;
    /** The S3 gateway's URL. */
    readonly s3Endpoint: string;
    readonly nessie: LocalNessie;
    readonly replicas: NessieReplica[];
    readonly ports: { readonly http: number; readonly management: number };
    /** The cache-invalidation token the replicas share. */
    readonly token: string;
    /** application.properties as each replica (by address) was started with. */
    readonly rendered: ReadonlyMap<string, string>;
    /** Nessie's Iceberg REST endpoint on the first replica. */
    readonly icebergUri: string;
    /** What setup and start took, for the tier's figures. */
    readonly figures: { readonly setupMs: number; readonly java: string; readonly readyMs: number[]; readonly totalMs: number };
    /** Logs of every process, for a failed run. */
    tails(): string;
    stop(): Promise<void>;
}

/** What Nessie is started with when the stack has a realm: the program's values, with Keycloak's local realm URL for the Service's. */
export function localAuthentication(config: PlatformConfig, realmUrl: string | undefined): OidcAuthentication | undefined {
    if (!config.keycloak.enabled) return undefined;
    if (!realmUrl) throw new Error("the stack has a realm (keycloak.enabled): Nessie requires its tokens, so the catalog stack needs the local realm's URL");
    return { realmUrl, issuer: issuer(routeHost(config.keycloak.host, config.domain)), audience: NESSIE_AUDIENCE };
}

/**
 * Starts the backends for `config` with the keyed identities: `replicas` Nessie replicas (default:
 * the stack's), each on its own loopback address (127.0.0.2, ...) and the same ports. With a realm
 * in the stack, Nessie requires tokens of the realm at `realmUrl` (which may start later).
 */
export async function startCatalogStack(config: PlatformConfig, keyed: readonly Keyed[], replicas = config.nessie.replicas, realmUrl?: string): Promise<CatalogStack> {
    const authentication = localAuthentication(config, realmUrl);
    const settings = config.nessie;
    const tools = setupCatalogTools();
    const since = Date.now();
    const pg = await startPostgres();
    const dbPassword = randomBytes(12).toString("hex");
    createDatabase(pg, NESSIE_DATABASE.name, NESSIE_DATABASE.owner, dbPassword);
    // The store's own rendering is checked by the objectstore tier: here one weed server with the stack's identities.
    const store = LocalStore.create("catalog-store");
    const server = await startSingle(store, resolveConfig(rawConfigOf("dev")).objectStore.seaweedfs, identitiesFile(keyed));
    await store.waitReady([server]);
    const s3Endpoint = `http://127.0.0.1:${server.port}`;
    const { master, filer } = shellAddresses(store);
    const init = store.shell(bucketInitScript(config.objectStore.buckets, master, filer));
    assert.strictEqual(init.status, 0, init.output);

    const ports = { http: await port(), management: await port() };
    const addresses = Array.from({ length: replicas }, (_, i) => `127.0.0.${i + 2}`);
    const own = keyed.find((k) => k.identity.name === NESSIE_IDENTITY)!;
    const token = randomBytes(16).toString("hex");
    const rendered = new Map<string, string>();
    const nessie = new LocalNessie(tempDir("nessie"), tools.java);
    const startReplica = (address: string, i: number) =>
        nessie.start(`nessie-${i}`, address, ({ secretsFile }) => {
            const properties =
                renderNessieProperties({
                    database: { host: "127.0.0.1", port: pg.port, name: NESSIE_DATABASE.name, user: NESSIE_DATABASE.owner },
                    s3: { endpoint: s3Endpoint, region: config.objectStore.region, pathStyle: true },
                    warehouse: settings.warehouse,
                    cacheCapacityMB: settings.cacheCapacityMB,
                    // Bare IP literals need a leading "=" (else Nessie asks DNS for them); the first "=" is the property's.
                    peers: replicas > 1 ? addresses.map((a) => `=${a}`).join(",") : undefined,
                    secretsFile,
                    ports,
                    authentication,
                }) + `quarkus.http.host=${address}\nquarkus.management.host=${address}\n`;
            rendered.set(address, properties);
            return {
                properties,
                secrets: renderNessieSecrets({ databasePassword: dbPassword, accessKeyId: own.accessKey, secretAccessKey: own.secretKey, invalidationToken: token }),
                jvmOptions: nessieJvmOptions(nessieHeapMB(settings.resources.limits.memory)),
            };
        });
    // The first replica creates JDBC2's tables; replicas that start with it on an empty database race
    // on the same CREATE TABLE and one exits ("relation refs2 already exists") until the kubelet
    // restarts it. Here nothing restarts a process, so the others start once the first is ready.
    const first = startReplica(addresses[0], 0);
    const firstReady = await nessie.waitReady(first, ports.management);
    const others = addresses.slice(1).map((a, i) => startReplica(a, i + 1));
    const started = [first, ...others];
    const ready = [firstReady, ...(await Promise.all(others.map((r) => nessie.waitReady(r, ports.management))))];
    return {
        pg,
        store,
        s3Endpoint,
        nessie,
        replicas: started,
        ports,
        token,
        rendered,
        icebergUri: `http://${addresses[0]}:${ports.http}/iceberg`,
        figures: { setupMs: tools.ms, java: tools.java, readyMs: ready, totalMs: Date.now() - since },
        tails: () => [...started.map((r) => nessie.tail(r)), store.tails()].join("\n"),
        stop: async () => {
            await nessie.stopAll();
            await store.stopAll();
            pg.stop();
        },
    };
}
