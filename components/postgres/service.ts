// PostgreSQL as a platform service: the Patroni cluster, the databases it grants (those of
// postgres.databases and those services declare), and what is watched of it.
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSettings, ObjectStoreSettings, PostgresSettings } from "../../config/types";
import { ConfigError } from "../../config/errors";
import { Need, PlatformService, ServiceScope, part } from "../../platform/contract";
import { BucketGrant, bucketCredentialsData, externalStoreEgress, objectStoreReaches } from "../objectstore/grants";
import { bucketNeed } from "../objectstore/identities";
import { BACKUP_TIERS } from "./backups";
import { BACKUP_POD_LABELS, PostgresBackups } from "./postgresBackups";
import { postgresqlDashboard } from "./dashboard";
import { POSTGRES_METRIC_SOURCES, postgresAlerts, postgresScrapeTargets } from "./monitoring";
import { PatroniCluster, patroniMemberLabels } from "./patroniCluster";
import { PORTS } from "./patroniConfig";
import { ChangeCapture } from "./dynamicConfig";

/** The Patroni scope: names the StatefulSet, the primary Service and Patroni's own ConfigMaps. */
export const POSTGRES_SCOPE = "postgres";
export const POSTGRES_SERVICE = "postgres";

/** A database a consumer gets: where it is and its owner's credentials. */
export interface DatabaseGrant {
    readonly database: string;
    readonly owner: string;
    readonly host: pulumi.Output<string>;
    readonly port: number;
    readonly password: pulumi.Output<string>;
    /** The cluster's Secret (in the storage namespace) with the connection details. */
    readonly secretName: pulumi.Output<string>;
}

/** A database grant as clients read it: libpq's PG* variables and a URL (sealed into the consumer's own Secret). */
export function databaseEnvironment(db: DatabaseGrant): Record<string, pulumi.Input<string>> {
    return {
        DATABASE_URL: pulumi.interpolate`postgresql://${db.owner}:${db.password}@${db.host}:${db.port}/${db.database}`,
        PGHOST: db.host,
        PGDATABASE: db.database,
        PGUSER: db.owner,
        PGPASSWORD: db.password,
    };
}

/** A need for database `name`: one of postgres.databases, or with `owner` a database the service declares. */
export function databaseNeed(name: string, owner?: string): Need {
    return { kind: "database", from: POSTGRES_SERVICE, name, ...(owner ? { detail: { owner } } : {}) };
}

/**
 * The cluster's databases: postgres.databases, then the ones services declare. A declared database
 * that config also lists, or that two services declare, is a configuration error; so is a need for a
 * database that is neither configured nor declared.
 */
export function mergeDatabases(configured: readonly DatabaseSettings[], needs: readonly Need[]): DatabaseSettings[] {
    const merged = [...configured];
    const problems: string[] = [];
    for (const need of needs.filter((n) => n.detail?.owner)) {
        const at = configured.findIndex((d) => d.name === need.name);
        if (at >= 0) problems.push(`data-platform:postgres.databases[${at}].name: got "${need.name}"; allowed: a database no service declares (a service of the platform declares it)`);
        else if (merged.some((d) => d.name === need.name)) problems.push(`data-platform:postgres: two services declare database "${need.name}"`);
        else merged.push({ name: need.name, owner: need.detail!.owner });
    }
    for (const need of needs.filter((n) => !n.detail?.owner && !merged.some((d) => d.name === n.name))) {
        problems.push(`data-platform:postgres.databases: no database "${need.name}"; allowed: one of ${merged.map((d) => d.name).join(", ")}`);
    }
    if (problems.length > 0) throw new ConfigError("", problems);
    return merged;
}

/** The kind of need a change data capture connector declares on PostgreSQL. */
export const CAPTURE_NEED = "changeCapture";

/** A need for change data capture of `tables` (`schema.table`) of `database` through `slot` and `publication`; `requester` is the config key it comes from. */
export function changeCaptureNeed(capture: ChangeCapture): Need {
    return { kind: CAPTURE_NEED, from: POSTGRES_SERVICE, name: capture.slot, detail: { requester: capture.requester, database: capture.database, publication: capture.publication, tables: capture.tables.join(",") } };
}

/** What a capture connector gets: where the primary is, the capture role's login, its slot and publication. */
export interface CaptureGrant {
    readonly host: pulumi.Output<string>;
    readonly port: number;
    readonly database: string;
    readonly user: string;
    readonly password: pulumi.Output<string>;
    readonly slot: string;
    readonly publication: string;
}

/**
 * The captures other services ask for, checked against the cluster: logical decoding on, a known
 * database, one slot and one publication per capture, and slots enough for the members and them.
 */
export function capturesOf(settings: Pick<PostgresSettings, "cdc" | "members">, databases: readonly DatabaseSettings[], needs: readonly Need[]): ChangeCapture[] {
    const captures: ChangeCapture[] = needs
        .filter((n) => n.kind === CAPTURE_NEED)
        .map((n) => ({ requester: n.detail!.requester, database: n.detail!.database, slot: n.name, publication: n.detail!.publication, tables: n.detail!.tables.split(",") }));
    const problems: string[] = [];
    for (const [i, c] of captures.entries()) {
        if (!settings.cdc.enabled) problems.push(`data-platform:postgres.cdc.enabled: got false; allowed: true, since ${c.requester} captures changes (logical decoding needs wal_level logical)`);
        if (!databases.some((d) => d.name === c.database)) problems.push(`data-platform:${c.requester}.database: got "${c.database}"; allowed: one of postgres' databases (${databases.map((d) => d.name).join(", ")})`);
        const slotTwin = captures.slice(0, i).find((o) => o.slot === c.slot);
        if (slotTwin) problems.push(`data-platform:${c.requester}.slot: got "${c.slot}"; allowed: a slot no other connector uses (${slotTwin.requester} uses it: two connectors on one slot each miss the changes the other confirms)`);
        const publicationTwin = captures.slice(0, i).find((o) => o.publication === c.publication && o.database === c.database);
        if (publicationTwin) problems.push(`data-platform:${c.requester}.publication: got "${c.publication}"; allowed: a publication no other connector uses in database ${c.database} (${publicationTwin.requester} uses it)`);
    }
    const needed = settings.members + captures.length;
    if (captures.length > 0 && settings.cdc.enabled && settings.cdc.maxReplicationSlots < needed) {
        problems.push(`data-platform:postgres.cdc.maxReplicationSlots: got ${settings.cdc.maxReplicationSlots}; allowed: at least ${needed} (${settings.members} members' slots and ${captures.length} connectors' slots)`);
    }
    if (problems.length > 0) throw new ConfigError("", problems);
    return captures;
}

/** The identity backups write with, on the platform's object store. */
export const BACKUP_IDENTITY = "postgres-backups";

export function postgresService(settings: PostgresSettings, objectStore: ObjectStoreSettings, scope: ServiceScope): PlatformService {
    const namespace = scope.namespaces.storage;
    const memberLabels = patroniMemberLabels(POSTGRES_SCOPE);
    return {
        name: POSTGRES_SERVICE,
        endpoint: { name: POSTGRES_SERVICE, namespace, podLabels: memberLabels, ports: [PORTS.postgres] },
        observability: {
            scrapeTargets: postgresScrapeTargets(scope.namespaceNames.storage, memberLabels),
            alertGroups: [
                {
                    name: "platform-postgresql",
                    alerts: postgresAlerts({ namespace: scope.namespaceNames.storage, scope: POSTGRES_SCOPE, backupTiers: settings.backup.enabled ? BACKUP_TIERS : [] }),
                },
            ],
            dashboards: { "postgresql.json": postgresqlDashboard() },
            metricSources: POSTGRES_METRIC_SOURCES,
        },
        parts: [
            part({
                name: "cluster",
                grants: ["database", CAPTURE_NEED],
                uses: ["images", "sealingKey", "apiServer", "placement"],
                build: (ctx, f) => {
                    const image = f.images.build("patroni-image", {
                        repository: "patroni",
                        buildArgs: { PG_MAJOR: settings.version, PATRONI_VERSION: settings.patroniVersion },
                        tagLabel: `pg${settings.version}-patroni${settings.patroniVersion}`,
                        prebuilt: settings.image,
                    });
                    const exporterImage = f.images.thirdParty("postgres-exporter", settings.exporterImage);
                    const databases = mergeDatabases(settings.databases, ctx.requests.filter((n) => n.kind === "database"));
                    const cluster = new PatroniCluster(
                        POSTGRES_SERVICE,
                        {
                            namespace,
                            scope: POSTGRES_SCOPE,
                            settings: { ...settings, databases },
                            captures: capturesOf(settings, databases, ctx.requests),
                            image: image.ref,
                            exporterImage,
                            apiServerCidrs: f.apiServer.cidrs,
                            strictSpread: f.placement.strictSpread && settings.members > 1,
                            protect: f.placement.protect,
                            sealingKey: f.sealingKey,
                        },
                        ctx.opts,
                    );
                    return {
                        component: cluster,
                        grant: (need): DatabaseGrant | CaptureGrant => {
                            if (need.kind === CAPTURE_NEED) {
                                // Through the primary's Service: after a failover it reaches the new primary, which Patroni gave the slot.
                                const login = cluster.capture!;
                                return { host: cluster.primaryHost, port: PORTS.postgres, database: need.detail!.database, user: login.user, password: login.password, slot: need.name, publication: need.detail!.publication };
                            }
                            const db = cluster.databases.find((d) => d.database === need.name)!;
                            return { database: db.database, owner: db.owner, host: cluster.primaryHost, port: PORTS.postgres, password: db.password, secretName: db.secretName };
                        },
                        outputs: {
                            images: { patroni: image.ref, postgresExporter: exporterImage },
                            postgresPrimary: cluster.primaryHost,
                            postgresReplicas: cluster.replicaHost,
                            postgresDatabases: cluster.databases.map((d) => ({ database: d.database, owner: d.owner, secret: d.secretName })),
                        },
                    };
                },
            }),
            ...(settings.backup.enabled ? [backupsPart(settings, objectStore)] : []),
        ],
    };
}

/**
 * Backups, a part of their own: on the platform's store they need its bucket grant, and the store
 * (distributed) needs this cluster's database first, so the cluster, the store and the backups are
 * built in that order.
 */
function backupsPart(settings: PostgresSettings, objectStore: ObjectStoreSettings) {
    const backup = settings.backup;
    const platform = backup.target === "platform";
    const need = bucketNeed(BACKUP_IDENTITY, backup.bucket, "write");
    return part({
        name: "backups",
        needs: platform ? [need] : [],
        reaches: platform ? objectStoreReaches(objectStore) : [],
        clients: BACKUP_POD_LABELS,
        uses: ["sealingKey", "environment"],
        build: (ctx, f) => {
            const cluster = ctx.component as PatroniCluster;
            if (platform && f.environment !== "dev" && backup.acceptSameStoreRisk) {
                pulumi.log.warn(
                    "postgres.backup.acceptSameStoreRisk: PostgreSQL's backups are kept only in the platform's SeaweedFS, whose filer metadata lives in this PostgreSQL: if PostgreSQL is lost, so are the backups (README: Restore from zero)",
                );
            }
            const grant = platform ? ctx.grant<BucketGrant>(need) : undefined;
            const external = backup.external;
            new PostgresBackups(
                `${POSTGRES_SERVICE}-backups`,
                {
                    context: cluster.maintenanceContext,
                    settings: backup,
                    destination: grant
                        ? { endpoint: grant.endpoint, region: grant.region, bucket: backup.bucket, prefix: backup.prefix }
                        : { endpoint: external!.endpoint, region: external!.region, bucket: backup.bucket, prefix: backup.prefix, credentialsSecret: external!.credentialsSecret },
                    credentials: grant ? bucketCredentialsData(grant) : undefined,
                    egress: grant ? grant.egress : [externalStoreEgress(external!.endpoint, external!.egressCidrs)],
                    sealingKey: f.sealingKey,
                },
                { parent: cluster },
            );
            return {};
        },
    });
}
