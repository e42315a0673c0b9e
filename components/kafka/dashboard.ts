// Kafka (KRaft): cluster state from the controllers, throughput, replication and request times from
// the brokers, the metadata quorum, and the JVMs, all from the JMX exporter's explicit rules.
import { selector } from "../observability/promql";
import * as q from "../observability/queries";
import { atLeast, dashboard, graph, higherIsWorse, query, stat } from "../observability/dashboards/builder";
import { namespaceVariable, volumeUsageBars } from "../observability/dashboards/panels";

const RATE = "$__rate_interval";
const cluster: q.Matchers = { equal: { namespace: "$namespace" } };
const nodes: q.Matchers = { equal: { namespace: "$namespace" }, regex: { pod: "$pod" } };
const ofCluster = (metric: string) => `${metric}${q.selectorOf(cluster)}`;
const ofNodes = (metric: string, extra: Readonly<Record<string, string>> = {}) => `${metric}${q.selectorOf({ ...nodes, equal: { ...nodes.equal, ...extra } })}`;
const legend = (what: string) => (what ? `${what} {{pod}}` : "{{pod}}");
/** A counter's rate per node. */
const ratePerPod = (metric: string, what = "") => query(`sum by (pod) (rate(${ofNodes(metric)}[${RATE}]))`, legend(what));
/** A gauge per node. */
const levelPerPod = (metric: string, what = "", extra: Readonly<Record<string, string>> = {}) => query(`sum by (pod) (${ofNodes(metric, extra)})`, legend(what));
/** Every node of the KRaft cluster, brokers and controllers, reports the metadata log's state. */
const ANY_NODE = "kafka_server_raft_metrics_current_leader";

export function kafkaDashboard(): Record<string, unknown> {
    return dashboard({
        uid: "kafka",
        title: "Kafka",
        description: "A KRaft Kafka cluster: controllers, partitions, throughput, replication, request times, JVMs.",
        tags: ["kafka"],
        variables: [
            namespaceVariable(ANY_NODE),
            { kind: "query", name: "pod", label: "Node", datasource: "prometheus", query: `label_values(${ANY_NODE}${selector({ namespace: "$namespace" })}, pod)`, multi: true },
        ],
        rows: [
            {
                title: "Cluster",
                panels: [
                    stat("Active controllers", `sum(${ofCluster("kafka_controller_kafkacontroller_activecontrollercount")})`, { thresholds: atLeast(1, 2) }),
                    stat("Offline partitions", `max(${ofCluster("kafka_controller_kafkacontroller_offlinepartitionscount")})`, { thresholds: higherIsWorse(1, 1) }),
                    stat("Under-replicated partitions", `sum(${ofCluster("kafka_server_replicamanager_underreplicatedpartitions")})`, { thresholds: higherIsWorse(1, 10) }),
                    stat("Partitions under min ISR", `sum(${ofCluster("kafka_server_replicamanager_underminisrpartitioncount")})`, { thresholds: higherIsWorse(1, 1) }),
                    stat("Active brokers", `max(${ofCluster("kafka_controller_kafkacontroller_activebrokercount")})`),
                    stat("Fenced brokers", `max(${ofCluster("kafka_controller_kafkacontroller_fencedbrokercount")})`, { thresholds: higherIsWorse(1, 1) }),
                    stat("Topics", `max(${ofCluster("kafka_controller_kafkacontroller_globaltopiccount")})`),
                    stat("Partitions", `max(${ofCluster("kafka_controller_kafkacontroller_globalpartitioncount")})`),
                    stat("Offline replicas", `sum(${ofCluster("kafka_server_replicamanager_offlinereplicacount")})`, { thresholds: higherIsWorse(1, 1) }),
                ],
            },
            {
                title: "Throughput",
                panels: [
                    graph("Messages in", [ratePerPod("kafka_server_brokertopicmetrics_messagesin_total")], { unit: "ops" }),
                    graph("Bytes in", [ratePerPod("kafka_server_brokertopicmetrics_bytesin_total")], { unit: "Bps" }),
                    graph("Bytes out", [ratePerPod("kafka_server_brokertopicmetrics_bytesout_total")], { unit: "Bps" }),
                    graph("Failed requests", [ratePerPod("kafka_server_brokertopicmetrics_failedproducerequests_total", "produce"), ratePerPod("kafka_server_brokertopicmetrics_failedfetchrequests_total", "fetch")], { unit: "ops" }),
                ],
            },
            {
                title: "Replication",
                panels: [
                    graph("In-sync replica set shrinks", [ratePerPod("kafka_server_replicamanager_isrshrinks_total")], { unit: "ops" }),
                    graph("In-sync replica set expansions", [ratePerPod("kafka_server_replicamanager_isrexpands_total")], { unit: "ops" }),
                    graph("Partitions and leaders per broker", [levelPerPod("kafka_server_replicamanager_partitioncount", "partitions"), levelPerPod("kafka_server_replicamanager_leadercount", "leaders")]),
                    graph("Under-replicated partitions per broker", [levelPerPod("kafka_server_replicamanager_underreplicatedpartitions")]),
                ],
            },
            {
                title: "Request time",
                panels: ["0.50", "0.99"].map((quantile) =>
                    graph(`Total request time, ${quantile === "0.50" ? "median" : "99th percentile"}`, [
                        query(`max by (request) (${ofNodes("kafka_network_requestmetrics_totaltimems", { quantile })})`, "{{request}}"),
                    ], { unit: "ms" }),
                ),
            },
            {
                title: "KRaft metadata quorum",
                panels: [
                    graph("Quorum leader seen by each node (node id)", [levelPerPod("kafka_server_raft_metrics_current_leader")], { width: 8 }),
                    graph("Metadata commit latency", [levelPerPod("kafka_server_raft_metrics_commit_latency_avg")], { unit: "ms", width: 8 }),
                    graph("Metadata log high watermark", [levelPerPod("kafka_server_raft_metrics_high_watermark")], { width: 8 }),
                ],
            },
            {
                title: "JVM and storage",
                panels: [
                    graph("Heap used and maximum", [levelPerPod("jvm_memory_used_bytes", "used", { area: "heap" }), levelPerPod("jvm_memory_max_bytes", "max", { area: "heap" })], { unit: "bytes", width: 8 }),
                    graph("Time in garbage collection", [ratePerPod("jvm_gc_collection_seconds_sum")], { unit: "percentunit", width: 8 }),
                    volumeUsageBars(cluster, ["persistentvolumeclaim"], { width: 8 }),
                ],
            },
        ],
    });
}
