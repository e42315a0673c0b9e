// Flink as a platform service: what it needs (its state bucket, and the warehouse for jobs that
// write Iceberg tables, both with its own identity; its catalog client), whom its pods reach (the
// object store, Nessie, Keycloak, the API server for Kubernetes HA), the image it builds and what is
// watched of it. The REST API
// and Web UI are not published: clients reach them in the cluster or through a port-forward.
import { s3Bucket } from "../../config/flink";
import { FlinkSettings, ObjectStoreSettings } from "../../config/types";
import { PlatformService, ServiceScope, part } from "../../platform/contract";
import { lakehouseAccess, lakehouseNeeds } from "../nessie/service";
import { objectStoreReaches } from "../objectstore/grants";
import { bucketNeed } from "../objectstore/identities";
import { flinkDashboard } from "./dashboard";
import { FLINK_PORTS, FLINK_VERSION } from "./flinkConf";
import { FLINK_LABELS, FlinkCluster, flinkPodLabels } from "./flinkCluster";
import { FLINK_METRIC_SOURCES, flinkAlerts, flinkScrapeTargets } from "./monitoring";

export const FLINK_SERVICE = "flink";
/** Flink's identity on the object store. */
export const FLINK_IDENTITY = "flink";

/** The buckets Flink's state lives in (checkpoints, savepoints, HA metadata). */
export function flinkStateBuckets(settings: FlinkSettings): string[] {
    const uris = [settings.checkpoints.dir, settings.checkpoints.savepointsDir, ...(settings.highAvailability.enabled ? [settings.highAvailability.storageDir] : [])];
    return [...new Set(uris.map((u) => s3Bucket(u)!))];
}

export function flinkService(settings: FlinkSettings, objectStore: ObjectStoreSettings, warehouseBucket: string, scope: ServiceScope): PlatformService {
    const namespace = scope.namespaces.engines;
    const endpoint = { name: FLINK_SERVICE, namespace, podLabels: flinkPodLabels("jobmanager"), ports: [FLINK_PORTS.rest] };
    const state = flinkStateBuckets(settings).map((bucket) => bucketNeed(FLINK_IDENTITY, bucket, "write"));
    const lakehouse = lakehouseNeeds(FLINK_IDENTITY, warehouseBucket, scope);
    return {
        name: FLINK_SERVICE,
        endpoint,
        observability: {
            scrapeTargets: flinkScrapeTargets(scope.namespaceNames.engines),
            alertGroups: [{ name: "platform-flink", alerts: flinkAlerts(scope.namespaceNames.engines, settings.taskManagers) }],
            dashboards: { "flink.json": flinkDashboard(settings.taskManagers) },
            metricSources: FLINK_METRIC_SOURCES,
        },
        parts: [
            part({
                name: "cluster",
                needs: [...state, ...lakehouse.needs],
                reaches: [...lakehouse.reaches, ...objectStoreReaches(objectStore)],
                // TaskManagers write checkpoints and table files: every Flink pod is the client.
                clients: FLINK_LABELS,
                uses: ["images", "sealingKey", "placement", "metrics", "apiServer"],
                build: (ctx, f) => {
                    const image = f.images.build("flink-image", { repository: "flink", buildArgs: { FLINK_VERSION }, tagLabel: FLINK_VERSION, prebuilt: settings.image });
                    // Every need is of the one flink identity: the warehouse grant's keys open the state bucket too.
                    const access = lakehouseAccess(ctx, lakehouse, namespace);
                    const cluster = new FlinkCluster(
                        "flink",
                        {
                            namespace,
                            settings,
                            image: image.ref,
                            s3: access.catalog.apply((c) => c.s3),
                            s3Keys: access.s3Keys,
                            catalog: access.catalog,
                            catalogCredential: access.catalogCredential,
                            egress: access.egress,
                            apiServerCidrs: f.apiServer.cidrs,
                            metricsPeer: f.metrics.peer,
                            strictSpread: f.placement.strictSpread,
                            sealingKey: f.sealingKey,
                        },
                        ctx.opts,
                    );
                    return { component: cluster, outputs: { images: { flink: image.ref }, flink: { restEndpoint: cluster.restEndpoint, version: FLINK_VERSION } } };
                },
            }),
        ],
    };
}
