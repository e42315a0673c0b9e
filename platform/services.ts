// The platform's services, in the order their alert groups are listed. A new service is one line.
import { PlatformConfig } from "../config/types";
import { connectService } from "../components/connect/service";
import { flinkService } from "../components/flink/service";
import { kafkaService } from "../components/kafka/service";
import { nessieService } from "../components/nessie/service";
import { objectStoreService } from "../components/objectstore/service";
import { keycloakService } from "../components/keycloak/service";
import { postgresService } from "../components/postgres/service";
import { schemaRegistryService } from "../components/registry/service";
import { sparkService } from "../components/spark/service";
import { trinoService } from "../components/trino/service";
import { webServices } from "../components/web/service";
import { serviceScope } from "./compose";
import { PlatformService, ServiceScope } from "./contract";
import { CollectedObservability, observabilityOf } from "./observability";

export function platformServices(config: PlatformConfig): (scope: ServiceScope) => PlatformService[] {
    return (scope) => [
        ...(config.postgres.enabled ? [postgresService(config.postgres, config.objectStore, scope)] : []),
        objectStoreService(config.objectStore, scope),
        ...(config.nessie.enabled ? [nessieService(config.nessie, config.objectStore, scope)] : []),
        ...(config.trino.enabled ? [trinoService(config.trino, config.objectStore, config.nessie.warehouse.bucket, scope)] : []),
        ...(config.spark.enabled ? [sparkService(config.spark, config.objectStore, config.nessie.warehouse.bucket, scope)] : []),
        ...(config.flink.enabled ? [flinkService(config.flink, config.objectStore, config.nessie.warehouse.bucket, scope)] : []),
        ...(config.kafka.enabled ? [kafkaService(config.kafka, scope)] : []),
        ...(config.keycloak.enabled ? [keycloakService(config.keycloak, scope)] : []),
        ...(config.schemaRegistry.enabled ? [schemaRegistryService(config.schemaRegistry, scope)] : []),
        ...(config.connect.enabled ? [connectService(config.connect, config.postgres, scope)] : []),
        ...webServices(config.webServices, scope),
    ];
}

/** What a stack's platform monitors (alert rules, dashboards, the metric catalogue), without building anything: for docs and tests. */
export function platformObservability(config: PlatformConfig): CollectedObservability {
    const scope = serviceScope(config);
    return observabilityOf(config, platformServices(config)(scope), scope.namespaceNames);
}
