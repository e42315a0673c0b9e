// Object storage as a platform service: SeaweedFS in the storage tier (or an external S3), the
// buckets it grants to the identities of its consumers, and what is watched of it.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../config/errors";
import { ObjectStoreSettings } from "../../config/types";
import { Need, PlatformService, ServiceScope, part } from "../../platform/contract";
import { tcpPorts } from "../meta/network";
import { endpointEgress, endpointPeer } from "../web/networkPolicies";
import { DatabaseGrant, databaseNeed } from "../postgres/service";
import { seaweedfsDashboard } from "./dashboard";
import { BucketGrant, EgressRule, externalStoreEgress } from "./grants";
import { IdentityGrants, OBJECT_STORE_SERVICE, identitiesOf } from "./identities";
import { SEAWEEDFS_METRIC_SOURCES, seaweedfsAlerts, seaweedfsScrapeTargets } from "./monitoring";
import { IdentityKeys, ObjectStore, SEAWEEDFS_NAMES, seaweedfsPodLabels } from "./objectStore";
import { SEAWEEDFS_PORTS } from "./seaweedfsCommands";

/** The filers' database and its owner (distributed topology). */
export const SEAWEEDFS_DATABASE = { name: "seaweedfs", owner: "seaweedfs" } as const;

/** The in-cluster S3 endpoint: s3.<storage namespace>.svc. */
export function seaweedfsEndpoint(storageNamespace: string): string {
    return `http://${SEAWEEDFS_NAMES.s3Service}.${storageNamespace}.svc.cluster.local:${SEAWEEDFS_PORTS.s3}`;
}

/** A need's grant from the identities' keys: the bucket, the endpoint and where consumers connect. */
function grantOf(need: Need, keys: ReadonlyMap<string, IdentityKeys>, endpoint: string, region: string, pathStyle: boolean, egress: readonly EgressRule[]): BucketGrant {
    const identity = need.detail!.identity;
    const key = keys.get(identity);
    if (!key) throw new pulumi.RunError(`no keys for identity ${identity}`);
    return { bucket: need.name, access: need.detail!.access as BucketGrant["access"], identity, endpoint, region, pathStyle, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, egress };
}

export function objectStoreService(store: ObjectStoreSettings, scope: ServiceScope): PlatformService {
    return store.kind === "external" ? externalStoreService(store) : seaweedfsService(store, scope);
}

function seaweedfsService(store: ObjectStoreSettings, scope: ServiceScope): PlatformService {
    const settings = store.seaweedfs;
    const distributed = settings.topology === "distributed";
    const namespace = scope.namespaces.storage;
    // The S3 endpoint: the gateways, or the single server.
    const endpointLabels = seaweedfsPodLabels(distributed ? "gateway" : "server");
    const endpoint = { name: OBJECT_STORE_SERVICE, namespace, podLabels: endpointLabels, ports: [SEAWEEDFS_PORTS.s3] };
    const dbNeed = databaseNeed(SEAWEEDFS_DATABASE.name, SEAWEEDFS_DATABASE.owner);
    return {
        name: OBJECT_STORE_SERVICE,
        endpoint,
        observability: {
            scrapeTargets: seaweedfsScrapeTargets(scope.namespaceNames.storage),
            alertGroups: [{ name: "platform-objectstore", alerts: seaweedfsAlerts(scope.namespaceNames.storage) }],
            dashboards: { "seaweedfs.json": seaweedfsDashboard() },
            metricSources: SEAWEEDFS_METRIC_SOURCES,
        },
        parts: [
            part({
                name: "store",
                grants: ["bucket"],
                // Distributed filers keep their metadata in the platform PostgreSQL.
                needs: distributed ? [dbNeed] : [],
                reaches: distributed ? ["postgres"] : [],
                clients: seaweedfsPodLabels("filer"),
                uses: ["images", "sealingKey", "placement"],
                build: (ctx, f) => {
                    const image = f.images.thirdParty("seaweedfs", settings.image);
                    const identities = identitiesOf(store.buckets, store.identities, ctx.requests);
                    const db = distributed ? ctx.grant<DatabaseGrant>(dbNeed) : undefined;
                    const objectStore = new ObjectStore(
                        "objectstore",
                        {
                            namespace,
                            settings,
                            image,
                            buckets: store.buckets,
                            identities,
                            filerDatabase: db && { host: db.host, port: db.port, database: db.database, owner: db.owner, password: db.password },
                            filerEgress: ctx.dependencies.map(endpointEgress),
                            strictSpread: f.placement.strictSpread,
                            protect: f.placement.protect,
                            sealingKey: f.sealingKey,
                        },
                        ctx.opts,
                    );
                    const url = seaweedfsEndpoint(scope.namespaceNames.storage);
                    const egress = [{ to: [endpointPeer(endpoint)], ports: tcpPorts(SEAWEEDFS_PORTS.s3) }];
                    return {
                        component: objectStore,
                        grant: (need) => grantOf(need, objectStore.keys, url, store.region, true, egress),
                        outputs: { images: { seaweedfs: image }, objectStore: { endpoint: url, buckets: store.buckets, identities: identities.map((i) => i.name) } },
                    };
                },
            }),
        ],
    };
}

/** Every identity an external store must have credentials for (objectStoreCredentials), or the key naming what is missing. */
export function externalCredentialsFor(store: ObjectStoreSettings, identities: readonly IdentityGrants[]): Map<string, IdentityKeys> {
    const given = store.external!.credentials;
    const missing = identities.filter((i) => !given[i.name]);
    if (missing.length > 0) {
        throw new ConfigError("", [
            `data-platform:objectStoreCredentials: no credentials for ${missing.map((i) => `${i.name} (${i.origin})`).join(", ")}; allowed: one entry per consumer: ${identities.map((i) => i.name).join(", ")}`,
        ]);
    }
    return new Map(identities.map((i) => [i.name, given[i.name]]));
}

/** An external S3: nothing deployed; the grants carry config's credentials and an egress exception to its addresses. */
function externalStoreService(store: ObjectStoreSettings): PlatformService {
    const external = store.external!;
    return {
        name: OBJECT_STORE_SERVICE,
        parts: [
            part({
                name: "external",
                grants: ["bucket"],
                uses: [],
                build: (ctx) => {
                    const identities = identitiesOf(store.buckets, store.identities, ctx.requests);
                    const keys = externalCredentialsFor(store, identities);
                    const egress = [externalStoreEgress(external.endpoint, external.egressCidrs)];
                    return {
                        grant: (need) => grantOf(need, keys, external.endpoint.replace(/\/$/, ""), store.region, external.pathStyle, egress),
                        outputs: { objectStore: { endpoint: external.endpoint, buckets: store.buckets, identities: identities.map((i) => i.name) } },
                    };
                },
            }),
        ],
    };
}
