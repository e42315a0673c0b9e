// Kafka as a platform service: the KRaft cluster, its bootstrap endpoint, and what is watched of it.
import { KafkaSettings } from "../../config/types";
import { PlatformService, ServiceScope, part } from "../../platform/contract";
import { kafkaDashboard } from "./dashboard";
import { KafkaCluster, kafkaBrokerLabels, kafkaClientPorts } from "./kafkaCluster";
import { KAFKA_METRIC_SOURCES, kafkaAlerts, kafkaScrapeTargets } from "./monitoring";

/** Prefix of the StatefulSets and Services (pods kafka-broker-0, ...). */
export const KAFKA_CLUSTER = "kafka";
export const KAFKA_SERVICE = "kafka";

export function kafkaService(settings: KafkaSettings, scope: ServiceScope): PlatformService {
    const brokerLabels = kafkaBrokerLabels(KAFKA_CLUSTER);
    return {
        name: KAFKA_SERVICE,
        endpoint: { name: KAFKA_SERVICE, namespace: scope.namespaces.streaming, podLabels: brokerLabels, ports: kafkaClientPorts(settings) },
        observability: {
            scrapeTargets: kafkaScrapeTargets(scope.namespaceNames.streaming, brokerLabels),
            alertGroups: [{ name: "platform-kafka", alerts: kafkaAlerts(scope.namespaceNames.streaming) }],
            dashboards: { "kafka.json": kafkaDashboard() },
            metricSources: KAFKA_METRIC_SOURCES,
        },
        parts: [
            part({
                name: "cluster",
                uses: ["images", "tls", "sealingKey", "placement"],
                build: (ctx, f) => {
                    const image = f.images.build("kafka-image", { repository: "kafka", buildArgs: { KAFKA_VERSION: settings.version }, tagLabel: settings.version, prebuilt: settings.image });
                    const cluster = new KafkaCluster(
                        KAFKA_SERVICE,
                        {
                            namespace: scope.namespaces.streaming,
                            clusterName: KAFKA_CLUSTER,
                            settings,
                            image: image.ref,
                            strictSpread: f.placement.strictSpread,
                            protect: f.placement.protect,
                            tlsIssuer: f.tls.internal,
                            sealingKey: f.sealingKey,
                        },
                        ctx.opts,
                    );
                    return { component: cluster, outputs: { images: { kafka: image.ref }, kafkaBootstrapServers: cluster.bootstrapServers } };
                },
            }),
        ],
    };
}
