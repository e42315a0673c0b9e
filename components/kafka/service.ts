// Kafka as a platform service: the KRaft cluster, its bootstrap endpoint, and what is watched of it.
import * as pulumi from "@pulumi/pulumi";
import { KafkaSettings } from "../../config/types";
import { Need, PlatformService, ServiceScope, part } from "../../platform/contract";
import { kafkaDashboard } from "./dashboard";
import { KafkaCluster, kafkaBrokerLabels, kafkaClientPorts } from "./kafkaCluster";
import { KAFKA_METRIC_SOURCES, kafkaAlerts, kafkaScrapeTargets } from "./monitoring";

/** Prefix of the StatefulSets and Services (pods kafka-broker-0, ...). */
export const KAFKA_CLUSTER = "kafka";
export const KAFKA_SERVICE = "kafka";

/** The kind of need a Kafka client declares (e.g. Kafka Connect's workers). */
export const KAFKA_CLIENT_NEED = "kafkaClient";

/** A need for the brokers' client listener, by the client's name. */
export function kafkaClientNeed(client: string): Need {
    return { kind: KAFKA_CLIENT_NEED, from: KAFKA_SERVICE, name: client };
}

/** What a Kafka client gets: where the client listener is, and the CA to trust when it is TLS. */
export interface KafkaClientGrant {
    readonly bootstrapServers: pulumi.Output<string>;
    /** The brokers' durability, which clients that create topics (Connect) must match. */
    readonly replicationFactor: number;
    readonly minInsyncReplicas: number;
    /**
     * With client TLS: the Secret (in Kafka's namespace) whose `ca.crt` is the platform CA. Only a
     * client in that namespace can mount it; the CA is public, the Secret's other keys are not mounted.
     */
    readonly tls?: { readonly caSecret: pulumi.Output<string>; readonly caKey: "ca.crt"; readonly namespace: pulumi.Input<string> };
}

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
                grants: [KAFKA_CLIENT_NEED],
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
                    return {
                        component: cluster,
                        grant: (): KafkaClientGrant => ({
                            bootstrapServers: cluster.clientBootstrapServers,
                            replicationFactor: settings.replicationFactor,
                            minInsyncReplicas: settings.minInsyncReplicas,
                            ...(cluster.clientCaSecret ? { tls: { caSecret: cluster.clientCaSecret, caKey: "ca.crt" as const, namespace: scope.namespaces.streaming } } : {}),
                        }),
                        outputs: { images: { kafka: image.ref }, kafkaBootstrapServers: cluster.bootstrapServers },
                    };
                },
            }),
        ],
    };
}
