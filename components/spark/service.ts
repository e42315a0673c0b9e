// Spark as a platform service: what it needs (write access to the warehouse with its own
// identity, its catalog client), whom its pods reach (Nessie, Keycloak, the object store, the API
// server), the image it builds,
// and what is watched of it (its drivers' Prometheus servlet).
import { ObjectStoreSettings, SparkSettings } from "../../config/types";
import { PlatformService, ServiceScope, part } from "../../platform/contract";
import { lakehouseAccess, lakehouseNeeds } from "../nessie/service";
import { objectStoreReaches } from "../objectstore/grants";
import { SPARK_METRIC_SOURCES, sparkAlerts, sparkScrapeTargets } from "./monitoring";
import { SPARK_UI_PORT } from "./sparkDefaults";
import { SPARK_LABELS, SparkJobs } from "./sparkJobs";

export const SPARK_SERVICE = "spark";
/** Spark's identity on the object store. */
export const SPARK_IDENTITY = "spark";

export function sparkService(settings: SparkSettings, objectStore: ObjectStoreSettings, warehouseBucket: string, scope: ServiceScope): PlatformService {
    const namespace = scope.namespaces.engines;
    const lakehouse = lakehouseNeeds(SPARK_IDENTITY, warehouseBucket, scope);
    // The drivers' UI (Spark labels its drivers spark-role=driver): the only port Spark serves to others.
    const endpoint = { name: SPARK_SERVICE, namespace, podLabels: { ...SPARK_LABELS, "spark-role": "driver" }, ports: [SPARK_UI_PORT] };
    return {
        name: SPARK_SERVICE,
        endpoint,
        observability: {
            scrapeTargets: sparkScrapeTargets(scope.namespaceNames.engines),
            alertGroups: [{ name: "platform-spark", alerts: sparkAlerts(scope.namespaceNames.engines) }],
            metricSources: SPARK_METRIC_SOURCES,
        },
        parts: [
            part({
                name: "jobs",
                needs: lakehouse.needs,
                reaches: [...lakehouse.reaches, ...objectStoreReaches(objectStore)],
                // Drivers and executors (Spark creates them) connect, not a Deployment of ours.
                clients: SPARK_LABELS,
                uses: ["images", "sealingKey", "metrics", "apiServer"],
                build: (ctx, f) => {
                    const image = f.images.build("spark-image", { repository: "spark", buildArgs: { SPARK_VERSION: settings.version }, tagLabel: settings.version, prebuilt: settings.image });
                    const access = lakehouseAccess(ctx, lakehouse, namespace);
                    const jobs = new SparkJobs(
                        "spark",
                        {
                            namespace,
                            settings,
                            image: image.ref,
                            catalog: access.catalog,
                            s3Keys: access.s3Keys,
                            catalogCredential: access.catalogCredential,
                            egress: access.egress,
                            apiServerCidrs: f.apiServer.cidrs,
                            metricsPeer: f.metrics.peer,
                            sealingKey: f.sealingKey,
                        },
                        ctx.opts,
                    );
                    return { component: jobs, outputs: { images: { spark: image.ref }, spark: { defaults: jobs.defaults, jobs: settings.jobs.map((j) => j.name) } } };
                },
            }),
        ],
    };
}
