// Trino as a platform service: the coordinator's endpoint, what it needs (write access to the
// warehouse bucket with its own identity), whom it reaches (Nessie, the object store), the host it
// is published on (dev, until users authenticate) and what is watched of it.
import { ObjectStoreSettings, TrinoSettings } from "../../config/types";
import { PlatformService, ServiceScope, part } from "../../platform/contract";
import { lakehouseAccess, lakehouseNeeds } from "../nessie/service";
import { objectStoreReaches } from "../objectstore/grants";
import { routeHost } from "../web/siteIngress";
import { trinoDashboard } from "./dashboard";
import { TRINO_METRIC_SOURCES, trinoAlerts, trinoScrapeTargets } from "./monitoring";
import { TRINO_LABELS, TRINO_NAMES, TrinoCluster, trinoPodLabels } from "./trinoCluster";
import { TRINO_PORT } from "./trinoProperties";

export const TRINO_SERVICE = "trino";
/** Trino's identity on the object store. */
export const TRINO_IDENTITY = "trino";

export function trinoService(settings: TrinoSettings, objectStore: ObjectStoreSettings, warehouseBucket: string, scope: ServiceScope): PlatformService {
    const namespace = scope.namespaces.engines;
    const endpoint = { name: TRINO_SERVICE, namespace, podLabels: trinoPodLabels("coordinator"), ports: [TRINO_PORT] };
    // CREATE TABLE and INSERT write data files; Nessie writes the metadata. Trino renews its catalog tokens by exchanging them.
    const lakehouse = lakehouseNeeds(TRINO_IDENTITY, warehouseBucket, scope, true);
    return {
        name: TRINO_SERVICE,
        endpoint,
        routes: settings.ingress ? [{ host: routeHost(settings.ingress.host, scope.domain), path: "/", serviceName: TRINO_NAMES.service, servicePort: TRINO_PORT, backend: endpoint }] : [],
        observability: {
            scrapeTargets: trinoScrapeTargets(scope.namespaceNames.engines, settings.workers),
            alertGroups: [{ name: "platform-trino", alerts: trinoAlerts(scope.namespaceNames.engines, settings.workers) }],
            dashboards: { "trino.json": trinoDashboard() },
            metricSources: TRINO_METRIC_SOURCES,
        },
        parts: [
            part({
                name: "cluster",
                needs: lakehouse.needs,
                reaches: [...lakehouse.reaches, ...objectStoreReaches(objectStore)],
                // Workers read and write the warehouse too: every node is the client, not only the coordinator.
                clients: TRINO_LABELS,
                uses: ["images", "sealingKey", "placement", "metrics", "ingress", "environment"],
                build: (ctx, f) => {
                    const image = f.images.thirdParty("trino", settings.image);
                    const access = lakehouseAccess(ctx, lakehouse, namespace);
                    const cluster = new TrinoCluster(
                        "trino",
                        {
                            namespace,
                            settings,
                            environment: f.environment,
                            image,
                            catalog: access.catalog.apply(({ uri, ...rest }) => ({ restUri: uri, ...rest })),
                            s3Keys: access.s3Keys,
                            catalogCredential: access.catalogCredential,
                            egress: access.egress,
                            metricsPeer: f.metrics.peer,
                            ingressPeer: settings.ingress ? f.ingress.peer : undefined,
                            strictSpread: f.placement.strictSpread,
                            sealingKey: f.sealingKey,
                        },
                        ctx.opts,
                    );
                    return { component: cluster, outputs: { images: { trino: image }, trino: { endpoint: cluster.endpoint, catalog: "lakehouse" } } };
                },
            }),
        ],
    };
}
