// Change data capture: Connect's workers, connectors and tasks by state, the records the capture
// tasks write to Kafka, Debezium's delay behind PostgreSQL, and the WAL each logical slot holds on
// the primary (the quantity CdcSlotLagGrowing evaluates).
import { atLeast, dashboard, graph, higherIsWorse, query, stat, table } from "../observability/dashboards/builder";
import { inNamespace as of, namespaceVariable, rateBy } from "../observability/dashboards/panels";
import { CONNECT_JOB, CONNECT_THRESHOLDS, slotLagBytes } from "./monitoring";

export function connectDashboard(workers: number, storageNamespace: string): Record<string, unknown> {
    const job = { job: CONNECT_JOB };
    return dashboard({
        uid: "connect",
        title: "Change data capture (Kafka Connect, Debezium)",
        description: "Kafka Connect workers, connectors and tasks by state, records written to Kafka, Debezium's delay and the logical slots' WAL on PostgreSQL.",
        tags: ["kafka-connect", "debezium", "cdc"],
        variables: [namespaceVariable("kafka_connect_worker_connector_count")],
        rows: [
            {
                title: "Workers",
                panels: [
                    stat("Workers scraped", `count(${of("kafka_connect_worker_task_count", job)})`, { thresholds: atLeast(workers) }),
                    stat("Connectors", `count(count by (connector) (${of("kafka_connect_connector_status", job)}))`),
                    stat("Failed tasks", `sum(${of("kafka_connect_worker_connector_failed_task_count", job)}) or vector(0)`, { thresholds: higherIsWorse(1, 1) }),
                    table("Connectors by state", [query(`max by (connector, status) (${of("kafka_connect_connector_status", job)})`, "{{connector}}: {{status}}")]),
                ],
            },
            {
                title: "Capture",
                panels: [
                    graph("Records written to Kafka, by connector", [query(rateBy("kafka_connect_source_task_source_record_write_total", "connector"), "{{connector}}")], { unit: "ops" }),
                    graph("Debezium's delay behind PostgreSQL, by topic prefix", [query(`max by (server) (${of("debezium_postgres_streaming_millisecondsbehindsource", job)})`, "{{server}}")], { unit: "ms" }),
                    graph("Record errors, by connector", [query(rateBy("kafka_connect_task_error_total_record_errors_total", "connector"), "{{connector}}")], { unit: "ops" }),
                ],
            },
            {
                title: "Replication slots (PostgreSQL primary)",
                panels: [
                    graph("WAL held by each logical slot", [query(slotLagBytes(storageNamespace), "{{slot_name}}")], { unit: "bytes", thresholds: higherIsWorse(CONNECT_THRESHOLDS.slotLagBytes, 4 * CONNECT_THRESHOLDS.slotLagBytes) }),
                ],
            },
        ],
    });
}
