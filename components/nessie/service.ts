// The Nessie catalog as a platform service: the endpoint the engines name, what it needs (the
// database nessie, write access to the warehouse bucket with its own identity) and what is
// watched of it.
import * as pulumi from "@pulumi/pulumi";
import { NessieSettings, ObjectStoreSettings } from "../../config/types";
import { Need, PartContext, PlatformService, ServiceScope, part } from "../../platform/contract";
import { BucketGrant, EgressRule, objectStoreReaches } from "../objectstore/grants";
import { OBJECT_STORE_SERVICE, bucketNeed } from "../objectstore/identities";
import { DatabaseGrant, POSTGRES_SERVICE, databaseNeed } from "../postgres/service";
import { KEYCLOAK_SERVICE, OidcAudienceGrant, OidcClientGrant, oidcAudienceNeed, oidcClientNeed, tokenEndpoint } from "../keycloak/service";
import { endpointEgress } from "../web/networkPolicies";
import { nessieDashboard } from "./dashboard";
import { NESSIE_METRIC_SOURCES, nessieAlerts, nessieScrapeTargets } from "./monitoring";
import { NESSIE_NAMES, NESSIE_POD_LABELS, NessieCatalog } from "./nessieCatalog";
import { CatalogOAuth2, NESSIE_AUDIENCE, NESSIE_PORTS, NESSIE_WAREHOUSE } from "./nessieProperties";

export const NESSIE_SERVICE = "nessie";
/** Nessie's database and its owner, and its identity on the object store. */
export const NESSIE_DATABASE = { name: "nessie", owner: "nessie" } as const;
export const NESSIE_IDENTITY = "nessie";

/** Nessie's Iceberg REST API as the engines in the cluster name it, and the warehouse they ask it for. */
export function nessieIcebergCatalog(namespace: pulumi.Input<string>): { readonly uri: pulumi.Output<string>; readonly warehouse: string } {
    return { uri: pulumi.interpolate`http://${NESSIE_NAMES.service}.${namespace}.svc.cluster.local:${NESSIE_PORTS.http}/iceberg`, warehouse: NESSIE_WAREHOUSE };
}

/** The scope engines ask the realm for with their catalog tokens (Keycloak refuses unknown scopes; openid is always there). */
export const CATALOG_TOKEN_SCOPE = "openid";

/** An engine's client of the platform realm for the catalog: `<engine>-catalog`. */
export function catalogClientId(engine: string): string {
    return `${engine}-catalog`;
}

/** The catalog client's request as the realm renders it: client credentials, tokens for Nessie; renewed by token exchange when the engine does so (Trino). */
export function catalogClientOptions(tokenExchange: boolean) {
    return { audiences: [NESSIE_AUDIENCE], tokenExchange };
}

/** What an engine declares to use the lakehouse: write access to the warehouse with its own identity, its catalog client when the realm exists, and whom it reaches. */
export interface LakehouseNeeds {
    readonly warehouse: Need;
    readonly catalogClient?: Need;
    /** The needs, for the part's `needs`. */
    readonly needs: readonly Need[];
    /** Nessie, and Keycloak for tokens: for the part's `reaches` (the object store's come from objectStoreReaches). */
    readonly reaches: readonly string[];
}

/** `engine` is the engine's object store identity and names its catalog client; `tokenExchange`: how it renews its tokens. */
export function lakehouseNeeds(engine: string, warehouseBucket: string, scope: ServiceScope, tokenExchange = false): LakehouseNeeds {
    const warehouse = bucketNeed(engine, warehouseBucket, "write");
    const catalogClient = scope.identity ? oidcClientNeed(catalogClientId(engine), "service", [], `${engine} (its lakehouse catalog client)`, catalogClientOptions(tokenExchange)) : undefined;
    return {
        warehouse,
        catalogClient,
        needs: [warehouse, ...(catalogClient ? [catalogClient] : [])],
        reaches: [NESSIE_SERVICE, ...(catalogClient ? [KEYCLOAK_SERVICE] : [])],
    };
}

/** The lakehouse catalog as an engine is configured with it: Nessie's REST URI, the warehouse, the store's S3 settings, and its sign-in. */
export interface LakehouseCatalog {
    readonly uri: string;
    readonly warehouse: string;
    readonly s3: { readonly endpoint: string; readonly region: string; readonly pathStyle: boolean };
    /** OAuth2 client credentials at the realm's token endpoint in the cluster, when Nessie requires tokens (the credential is apart: `catalogCredential`). */
    readonly oauth2?: CatalogOAuth2;
}

/** What an engine gets to use the lakehouse catalog: the catalog, its own S3 keys, its catalog client's credential and its egress. */
export interface LakehouseAccess {
    readonly catalog: pulumi.Output<LakehouseCatalog>;
    readonly s3Keys: { readonly accessKeyId: pulumi.Output<string>; readonly secretAccessKey: pulumi.Output<string> };
    /** `<client id>:<secret>`, as Iceberg's `credential` takes it; absent when the stack has no realm. */
    readonly catalogCredential?: pulumi.Output<string>;
    /** To Nessie, to Keycloak's Service (tokens) and to the object store. */
    readonly egress: readonly EgressRule[];
}

/**
 * An engine's access to the lakehouse, from the grants of its needs and the endpoints of what its
 * part reaches (Nessie, Keycloak; the object store's egress comes with its grant).
 */
export function lakehouseAccess(ctx: PartContext, needs: LakehouseNeeds, namespace: pulumi.Input<string>): LakehouseAccess {
    const bucket = ctx.grant<BucketGrant>(needs.warehouse);
    const { uri, warehouse: name } = nessieIcebergCatalog(namespace);
    const reached = ctx.dependencies.filter((d) => needs.reaches.includes(d.name)).map(endpointEgress);
    const client = needs.catalogClient && ctx.grant<OidcClientGrant>(needs.catalogClient);
    const s3 = { endpoint: bucket.endpoint, region: bucket.region, pathStyle: bucket.pathStyle };
    return {
        catalog: pulumi.all([uri, client && tokenEndpoint(client.internalRealmUrl)]).apply(([u, token]) => ({ uri: u, warehouse: name, s3, oauth2: token ? { tokenEndpoint: token, scope: CATALOG_TOKEN_SCOPE } : undefined })),
        s3Keys: { accessKeyId: bucket.accessKeyId, secretAccessKey: bucket.secretAccessKey },
        catalogCredential: client && pulumi.interpolate`${client.clientId}:${client.clientSecret}`,
        egress: [...reached, ...bucket.egress],
    };
}

export function nessieService(settings: NessieSettings, objectStore: ObjectStoreSettings, scope: ServiceScope): PlatformService {
    const namespace = scope.namespaces.engines;
    const endpoint = { name: NESSIE_SERVICE, namespace, podLabels: NESSIE_POD_LABELS, ports: [NESSIE_PORTS.http] };
    const database = databaseNeed(NESSIE_DATABASE.name, NESSIE_DATABASE.owner);
    // The warehouse: Nessie writes table metadata itself, so it needs write access.
    const warehouse = bucketNeed(NESSIE_IDENTITY, settings.warehouse.bucket, "write");
    // With a realm in the stack the API requires its tokens: Keycloak knows the audience, and Nessie fetches its keys.
    const audience = scope.identity ? oidcAudienceNeed(NESSIE_AUDIENCE) : undefined;
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
                needs: [database, warehouse, ...(audience ? [audience] : [])],
                reaches: [POSTGRES_SERVICE, ...(audience ? [KEYCLOAK_SERVICE] : []), ...objectStoreReaches(objectStore)],
                uses: ["images", "sealingKey", "placement", "metrics"],
                build: (ctx, f) => {
                    const image = f.images.thirdParty("nessie", settings.image);
                    const db = ctx.grant<DatabaseGrant>(database);
                    const bucket = ctx.grant<BucketGrant>(warehouse);
                    // The object store's egress comes with its grant (in-cluster or an external store's addresses).
                    const reached = ctx.dependencies.filter((d) => d.name !== OBJECT_STORE_SERVICE).map(endpointEgress);
                    const realm = audience && ctx.grant<OidcAudienceGrant>(audience);
                    const catalog = new NessieCatalog(
                        "nessie",
                        {
                            namespace,
                            settings,
                            image,
                            database: { host: db.host, port: db.port, name: db.database, user: db.owner, password: db.password },
                            objectStore: { endpoint: bucket.endpoint, region: bucket.region, pathStyle: bucket.pathStyle, accessKeyId: bucket.accessKeyId, secretAccessKey: bucket.secretAccessKey },
                            authentication: realm && { realmUrl: realm.internalRealmUrl, issuer: realm.issuer, audience: realm.audience },
                            egress: [...reached, ...bucket.egress],
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
