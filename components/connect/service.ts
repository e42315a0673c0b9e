// Kafka Connect as a platform service: what it needs (the brokers' client listener; for each
// Debezium PostgreSQL connector a capture that PostgreSQL grants: a permanent slot, a publication
// and the capture role's login), whom its workers reach (Kafka, PostgreSQL's primary), the image it
// builds and what is watched of it. The REST API is not published: the connectors Job and
// operators in the cluster (kubectl port-forward) use it.
import * as pulumi from "@pulumi/pulumi";
import { ConnectSettings, ConnectorSettings, PostgresSettings } from "../../config/types";
import { PlatformService, ServiceScope, part } from "../../platform/contract";
import { KAFKA_SERVICE, KafkaClientGrant, kafkaClientNeed } from "../kafka/service";
import { CaptureGrant, POSTGRES_SERVICE, changeCaptureNeed } from "../postgres/service";
import { ChangeCapture } from "../postgres/dynamicConfig";
import { endpointEgress } from "../web/networkPolicies";
import { connectorConfig } from "./connectorConfig";
import { connectDashboard } from "./dashboard";
import { CONNECT_NAMES, CONNECT_POD_LABELS, KafkaConnect } from "./kafkaConnect";
import { CONNECT_METRIC_SOURCES, connectAlerts, connectScrapeTargets } from "./monitoring";
import { CONNECT_PORTS } from "./workerProperties";

export const CONNECT_SERVICE = "connect";

/** What a Debezium PostgreSQL connector asks PostgreSQL for; the config key it comes from names it in every refusal. */
export function connectorCapture(connector: ConnectorSettings): ChangeCapture | undefined {
    const c = connector.capture;
    if (!c || connector.delete) return undefined;
    return { requester: `connect.connectors.${connector.name}`, database: c.database, slot: c.slot, publication: c.publication, tables: c.tables };
}

export function connectService(settings: ConnectSettings, postgres: Pick<PostgresSettings, "cdc">, scope: ServiceScope): PlatformService {
    const namespace = scope.namespaces.streaming;
    const kafka = kafkaClientNeed(CONNECT_SERVICE);
    const captures = settings.connectors.flatMap((c) => {
        const capture = connectorCapture(c);
        return capture ? [{ connector: c, need: changeCaptureNeed(capture) }] : [];
    });
    return {
        name: CONNECT_SERVICE,
        endpoint: { name: CONNECT_SERVICE, namespace, podLabels: CONNECT_POD_LABELS, ports: [CONNECT_PORTS.rest] },
        observability: {
            scrapeTargets: connectScrapeTargets(scope.namespaceNames.streaming),
            alertGroups: [
                {
                    name: "platform-connect",
                    alerts: connectAlerts({ namespace: scope.namespaceNames.streaming, storageNamespace: scope.namespaceNames.storage, maxSlotWalKeepBytes: postgres.cdc.maxSlotWalKeepGb * 1024 ** 3 }),
                },
            ],
            dashboards: { "connect.json": connectDashboard(settings.replicas, scope.namespaceNames.storage) },
            metricSources: CONNECT_METRIC_SOURCES,
        },
        parts: [
            part({
                name: "workers",
                needs: [kafka, ...captures.map((c) => c.need)],
                reaches: [KAFKA_SERVICE, ...(captures.length > 0 ? [POSTGRES_SERVICE] : [])],
                uses: ["images", "sealingKey", "placement", "metrics"],
                build: (ctx, f) => {
                    const image = f.images.build("connect-image", {
                        repository: "connect",
                        buildArgs: { DEBEZIUM_VERSION: settings.debeziumVersion },
                        tagLabel: settings.debeziumVersion,
                        prebuilt: settings.image,
                    });
                    const brokers = ctx.grant<KafkaClientGrant>(kafka);
                    const granted = captures.map((c) => ({ connector: c.connector, grant: ctx.grant<CaptureGrant>(c.need) }));
                    const durability = { replicationFactor: brokers.replicationFactor, minInsyncReplicas: brokers.minInsyncReplicas };
                    // Capture connectors reach PostgreSQL's primary through its Service, the others need no endpoint.
                    const connectors = pulumi.all(granted.map((g) => g.grant.host)).apply((hosts) =>
                        Object.fromEntries(
                            settings.connectors
                                .filter((c) => !c.delete)
                                .map((c) => {
                                    const at = granted.findIndex((g) => g.connector === c);
                                    const endpoint = at >= 0 ? { host: hosts[at], port: granted[at].grant.port, user: granted[at].grant.user } : undefined;
                                    return [c.name, connectorConfig(c, durability, endpoint)];
                                }),
                        ),
                    );
                    const connect = new KafkaConnect(
                        CONNECT_NAMES.workers,
                        {
                            namespace,
                            settings,
                            image: image.ref,
                            bootstrapServers: brokers.bootstrapServers,
                            kafka: durability,
                            kafkaCaSecret: brokers.tls?.caSecret,
                            connectors,
                            credentials: granted.map((g) => ({ connector: g.connector.name, password: g.grant.password })),
                            egress: ctx.dependencies.map(endpointEgress),
                            metricsPeer: f.metrics.peer,
                            strictSpread: f.placement.strictSpread,
                            sealingKey: f.sealingKey,
                        },
                        ctx.opts,
                    );
                    return { component: connect, outputs: { images: { connect: image.ref }, connect: { restEndpoint: connect.restEndpoint } } };
                },
            }),
        ],
    };
}
