// The Nessie catalog as a platform service: the endpoint the engines name, what it needs (the
// database nessie, write access to the warehouse bucket with its own identity) and what is
// watched of it.
import * as pulumi from "@pulumi/pulumi";
import { NessieSettings, ObjectStoreSettings } from "../../config/types";
import { Need, PartContext, PlatformService, ServiceScope, part } from "../../platform/contract";
import { tcpPorts } from "../meta/network";
import { BucketGrant, EgressRule, objectStoreReaches } from "../objectstore/grants";
import { OBJECT_STORE_SERVICE, bucketNeed } from "../objectstore/identities";
import { DatabaseGrant, POSTGRES_SERVICE, databaseNeed } from "../postgres/service";
import { endpointPeer } from "../web/networkPolicies";
import { nessieDashboard } from "./dashboard";
import { NESSIE_METRIC_SOURCES, nessieAlerts, nessieScrapeTargets } from "./monitoring";
import { NESSIE_NAMES, NESSIE_POD_LABELS, NessieCatalog } from "./nessieCatalog";
import { NESSIE_PORTS, NESSIE_WAREHOUSE } from "./nessieProperties";

export const NESSIE_SERVICE = "nessie";
/** Nessie's database and its owner, and its identity on the object store. */
export const NESSIE_DATABASE = { name: "nessie", owner: "nessie" } as const;
export const NESSIE_IDENTITY = "nessie";

/** Nessie's Iceberg REST API as the engines in the cluster name it, and the warehouse they ask it for. */
export function nessieIcebergCatalog(namespace: pulumi.Input<string>): { readonly uri: pulumi.Output<string>; readonly warehouse: string } {
    return { uri: pulumi.interpolate`http://${NESSIE_NAMES.service}.${namespace}.svc.cluster.local:${NESSIE_PORTS.http}/iceberg`, warehouse: NESSIE_WAREHOUSE };
}

/** What an engine gets to use the lakehouse catalog: the catalog (REST URI, warehouse, the store's S3 settings), its own S3 keys and its egress. */
export interface LakehouseAccess {
    readonly catalog: pulumi.Output<{ readonly uri: string; readonly warehouse: string; readonly s3: { readonly endpoint: string; readonly region: string; readonly pathStyle: boolean } }>;
    readonly s3Keys: { readonly accessKeyId: pulumi.Output<string>; readonly secretAccessKey: pulumi.Output<string> };
    /** To Nessie and to the object store. */
    readonly egress: readonly EgressRule[];
}

/**
 * An engine's access to the lakehouse, from the grant of its warehouse need and the endpoints of
 * what its part reaches (Nessie; the object store's egress comes with its grant).
 */
export function lakehouseAccess(ctx: PartContext, warehouse: Need, namespace: pulumi.Input<string>): LakehouseAccess {
    const bucket = ctx.grant<BucketGrant>(warehouse);
    const { uri, warehouse: name } = nessieIcebergCatalog(namespace);
    const toNessie = ctx.dependencies.filter((d) => d.name === NESSIE_SERVICE).map((d) => ({ to: [endpointPeer(d)], ports: tcpPorts(...d.ports) }));
    return {
        catalog: uri.apply((u) => ({ uri: u, warehouse: name, s3: { endpoint: bucket.endpoint, region: bucket.region, pathStyle: bucket.pathStyle } })),
        s3Keys: { accessKeyId: bucket.accessKeyId, secretAccessKey: bucket.secretAccessKey },
        egress: [...toNessie, ...bucket.egress],
    };
}

export function nessieService(settings: NessieSettings, objectStore: ObjectStoreSettings, scope: ServiceScope): PlatformService {
    const namespace = scope.namespaces.engines;
    const endpoint = { name: NESSIE_SERVICE, namespace, podLabels: NESSIE_POD_LABELS, ports: [NESSIE_PORTS.http] };
    const database = databaseNeed(NESSIE_DATABASE.name, NESSIE_DATABASE.owner);
    // The warehouse: Nessie writes table metadata itself, so it needs write access.
    const warehouse = bucketNeed(NESSIE_IDENTITY, settings.warehouse.bucket, "write");
    return {
        name: NESSIE_SERVICE,
        endpoint,
        observability: {
            scrapeTargets: nessieScrapeTargets(scope.namespaceNames.engines),
            alertGroups: [{ name: "platform-nessie", alerts: nessieAlerts(scope.namespaceNames.engines) }],
            dashboards: { "nessie.json": nessieDashboard() },
            metricSources: NESSIE_METRIC_SOURCES,
        },
        parts: [
            part({
                name: "catalog",
                needs: [database, warehouse],
                reaches: [POSTGRES_SERVICE, ...objectStoreReaches(objectStore)],
                uses: ["images", "sealingKey", "placement", "metrics"],
                build: (ctx, f) => {
                    const image = f.images.thirdParty("nessie", settings.image);
                    const db = ctx.grant<DatabaseGrant>(database);
                    const bucket = ctx.grant<BucketGrant>(warehouse);
                    // The object store's egress comes with its grant (in-cluster or an external store's addresses).
                    const toDatabase = ctx.dependencies.filter((d) => d.name !== OBJECT_STORE_SERVICE).map((d) => ({ to: [endpointPeer(d)], ports: tcpPorts(...d.ports) }));
                    const catalog = new NessieCatalog(
                        "nessie",
                        {
                            namespace,
                            settings,
                            image,
                            database: { host: db.host, port: db.port, name: db.database, user: db.owner, password: db.password },
                            objectStore: { endpoint: bucket.endpoint, region: bucket.region, pathStyle: bucket.pathStyle, accessKeyId: bucket.accessKeyId, secretAccessKey: bucket.secretAccessKey },
                            egress: [...toDatabase, ...bucket.egress],
                            metricsPeer: f.metrics.peer,
                            strictSpread: f.placement.strictSpread,
                            sealingKey: f.sealingKey,
                        },
                        ctx.opts,
                    );
                    return {
                        component: catalog,
                        outputs: {
                            images: { nessie: image },
                            nessie: { endpoint: catalog.endpoint, icebergRest: catalog.endpoint.apply((e) => `${e}/iceberg`), warehouse: `s3://${settings.warehouse.bucket}/${settings.warehouse.prefix}` },
                        },
                    };
                },
            }),
        ],
    };
}
