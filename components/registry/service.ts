// The schema registry as a platform service: what it needs (its database `registry` on PostgreSQL,
// declared here so PostgreSQL creates it and its owner), whom it reaches (PostgreSQL), its endpoint
// for the services that use it (they name it in `reaches`) and what is watched of it.
import { SchemaRegistrySettings } from "../../config/types";
import { PlatformService, ServiceScope, part } from "../../platform/contract";
import { DatabaseGrant, POSTGRES_SERVICE, databaseNeed } from "../postgres/service";
import { endpointEgress } from "../web/networkPolicies";
import { registryDashboard } from "./dashboard";
import { REGISTRY_METRIC_SOURCES, registryAlerts, registryScrapeTargets } from "./monitoring";
import { REGISTRY_PORTS } from "./registryConfig";
import { REGISTRY_NAMES, REGISTRY_POD_LABELS, SchemaRegistry } from "./schemaRegistry";

export const REGISTRY_SERVICE = "schema-registry";
/** The registry's database and its owner. */
export const REGISTRY_DATABASE = { name: "registry", owner: "registry" } as const;

export function schemaRegistryService(settings: SchemaRegistrySettings, scope: ServiceScope): PlatformService {
    const namespace = scope.namespaces.streaming;
    const database = databaseNeed(REGISTRY_DATABASE.name, REGISTRY_DATABASE.owner);
    return {
        name: REGISTRY_SERVICE,
        endpoint: { name: REGISTRY_SERVICE, namespace, podLabels: REGISTRY_POD_LABELS, ports: [REGISTRY_PORTS.http] },
        observability: {
            scrapeTargets: registryScrapeTargets(scope.namespaceNames.streaming),
            alertGroups: [{ name: "platform-schema-registry", alerts: registryAlerts(scope.namespaceNames.streaming) }],
            dashboards: { "schema-registry.json": registryDashboard(settings.replicas) },
            metricSources: REGISTRY_METRIC_SOURCES,
        },
        parts: [
            part({
                name: "registry",
                needs: [database],
                reaches: [POSTGRES_SERVICE],
                uses: ["images", "sealingKey", "placement", "metrics"],
                build: (ctx, f) => {
                    const image = f.images.thirdParty("apicurio-registry", settings.image);
                    const db = ctx.grant<DatabaseGrant>(database);
                    const registry = new SchemaRegistry(
                        REGISTRY_NAMES.registry,
                        {
                            namespace,
                            settings,
                            image,
                            database: { host: db.host, port: db.port, name: db.database, user: db.owner, password: db.password },
                            egress: ctx.dependencies.map(endpointEgress),
                            metricsPeer: f.metrics.peer,
                            strictSpread: f.placement.strictSpread,
                            sealingKey: f.sealingKey,
                        },
                        ctx.opts,
                    );
                    return { component: registry, outputs: { images: { apicurioRegistry: image }, schemaRegistry: { ccompatUrl: registry.ccompatUrl } } };
                },
            }),
        ],
    };
}
