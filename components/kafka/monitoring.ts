// What the platform watches of a Kafka cluster: the JMX exporter agent of every node, the metrics
// it exports (the catalogue alerts and dashboards may read), the alert rules and the dashboard. Pure.
import { AlertDefinition, orDefault } from "../observability/alerts";
import { MetricSource, metric } from "../observability/metrics";
import * as q from "../observability/queries";
import { ScrapeTarget } from "../observability/scrapeTargets";
import { PORTS } from "./topology";

/** The JMX exporter agent of every broker. */
export function kafkaScrapeTargets(namespace: string, brokerLabels: Readonly<Record<string, string>>): ScrapeTarget[] {
    return [{ name: "kafka", namespace, podLabels: brokerLabels, port: "metrics", portNumber: PORTS.metrics, path: "/metrics" }];
}

const replicaManager = (name: string, help: string) => metric(`kafka_server_replicamanager_${name}`, "gauge", [], help);
const controller = (name: string, help: string) => metric(`kafka_controller_kafkacontroller_${name}`, "gauge", [], help);
const brokerTopics = (name: string, help: string) => metric(`kafka_server_brokertopicmetrics_${name}_total`, "counter", [], help);
const raft = (name: string, help: string) => metric(`kafka_server_raft_metrics_${name}`, "gauge", [], help);

export const KAFKA_METRIC_SOURCES = {
    kafka: {
        endpoint: "Prometheus JMX exporter agent 1.0.1 in every Kafka node, port 9404, GET /metrics",
        verifiedAgainst: "images/kafka/jmx-exporter.yaml expanded like the agent does (lowercaseOutputName, unsafe characters to _, counters end in _total)",
        metrics: [
            replicaManager("underreplicatedpartitions", "Partitions led here with fewer in-sync replicas than replicas"),
            replicaManager("underminisrpartitioncount", "Partitions led here below min.insync.replicas"),
            replicaManager("offlinereplicacount", "Replicas on this broker that are offline"),
            replicaManager("partitioncount", "Partitions on this broker"),
            replicaManager("leadercount", "Partitions led by this broker"),
            metric("kafka_server_replicamanager_isrshrinks_total", "counter", [], "In-sync replica set shrinks"),
            metric("kafka_server_replicamanager_isrexpands_total", "counter", [], "In-sync replica set expansions"),
            controller("activecontrollercount", "1 on the active KRaft controller"),
            controller("offlinepartitionscount", "Partitions without a leader"),
            controller("globalpartitioncount", "Partitions in the cluster"),
            controller("globaltopiccount", "Topics in the cluster"),
            controller("activebrokercount", "Registered, unfenced brokers"),
            controller("fencedbrokercount", "Fenced brokers"),
            brokerTopics("messagesin", "Messages appended"),
            brokerTopics("bytesin", "Bytes received from clients"),
            brokerTopics("bytesout", "Bytes sent to clients"),
            brokerTopics("failedproducerequests", "Produce requests that failed"),
            brokerTopics("failedfetchrequests", "Fetch requests that failed"),
            metric("kafka_network_requestmetrics_totaltimems", "gauge", ["request", "quantile"], "Request time in ms (quantile 0.50 or 0.99) for Produce, FetchConsumer, FetchFollower"),
            raft("current_leader", "Node id of the KRaft quorum leader (-1 if unknown)"),
            raft("high_watermark", "High watermark of the metadata log"),
            raft("commit_latency_avg", "Average commit latency of the metadata log in ms"),
        ],
    },
    jvm: {
        endpoint: "the same JMX exporter agent (Kafka): JVM metrics it always registers",
        verifiedAgainst: "jmx_exporter 1.0.1 JavaAgent (JvmMetrics of client_java 1.3) and client_java's JVM metrics documentation",
        metrics: [
            metric("jvm_memory_used_bytes", "gauge", ["area"], "Used bytes of the heap or non-heap area"),
            metric("jvm_memory_max_bytes", "gauge", ["area"], "Maximum bytes of the heap or non-heap area"),
            // A summary without quantiles: only _sum and _count exist (seen on a real broker, e2e/kafka).
            metric("jvm_gc_collection_seconds_sum", "counter", ["gc"], "Seconds spent in garbage collection"),
            metric("jvm_gc_collection_seconds_count", "counter", ["gc"], "Garbage collections"),
            metric("jvm_threads_current", "gauge", [], "Live threads"),
            metric("process_cpu_seconds_total", "counter", [], "CPU time used by the process"),
        ],
    },
} as const satisfies Record<string, MetricSource>;

export function kafkaAlerts(namespace: string): AlertDefinition[] {
    const sel = q.selectorOf({ equal: { namespace } });
    return [
        {
            name: "KafkaUnderReplicatedPartitions",
            expr: `sum by (namespace, pod) (kafka_server_replicamanager_underreplicatedpartitions${sel}) > 0`,
            for: "10m",
            severity: "warning",
            summary: "Kafka partitions are under-replicated: one more broker failure may stop writes.",
            description: "{{ $labels.pod }} in {{ $labels.namespace }} leads {{ $value }} partition(s) with fewer in-sync replicas than replicas.",
            runbook: "kafkaunderreplicatedpartitions",
        },
        {
            name: "KafkaOfflinePartitions",
            // Every controller reports the cluster-wide count: take the maximum, not the sum.
            expr: `max by (namespace) (kafka_controller_kafkacontroller_offlinepartitionscount${sel}) > 0`,
            for: "1m",
            severity: "critical",
            summary: "Kafka partitions have no leader: producers and consumers of them fail.",
            description: "{{ $value }} partition(s) of the Kafka cluster in {{ $labels.namespace }} have no leader.",
            runbook: "kafkaofflinepartitions",
        },
        {
            name: "KafkaActiveControllerCount",
            expr: `${orDefault(`sum by (namespace) (kafka_controller_kafkacontroller_activecontrollercount${sel})`, { namespace })} != 1`,
            for: "2m",
            severity: "critical",
            summary: "The Kafka cluster does not have exactly one active controller.",
            description: "The Kafka cluster in {{ $labels.namespace }} reports {{ $value }} active controllers (0 also when no node can be scraped).",
            runbook: "kafkaactivecontrollercount",
        },
        {
            name: "KafkaIsrShrinking",
            expr: `sum by (namespace, pod) (rate(kafka_server_replicamanager_isrshrinks_total${sel}[5m])) > 0`,
            for: "15m",
            severity: "warning",
            summary: "Kafka in-sync replica sets keep shrinking.",
            description: 'In-sync replica sets on {{ $labels.pod }} in {{ $labels.namespace }} have been shrinking for 15 minutes ({{ $value | printf "%.2g" }} per second).',
            runbook: "kafkaisrshrinking",
        },
    ];
}
