// What the platform watches of change data capture: the JMX exporter agent of every Connect worker
// (images/connect/jmx-exporter.yaml), the metrics it exports that alerts and the dashboard read,
// and the alert rules: the workers, failed connectors and tasks, and the connectors' replication
// slots on PostgreSQL's primary (postgres_exporter's pg_replication_slot collector), where a
// stalled connector shows first: its slot holds WAL until the volume fills or PostgreSQL drops it. Pure.
import { AlertDefinition, deploymentAvailabilityAlerts } from "../observability/alerts";
import { MetricSource, metric } from "../observability/metrics";
import * as q from "../observability/queries";
import { ScrapeTarget } from "../observability/scrapeTargets";
import { CONNECT_NAMES, CONNECT_POD_LABELS } from "./kafkaConnect";
import { CONNECT_PORTS } from "./workerProperties";

/** Limits the rules use, named so runbooks and the dashboard can quote them. */
export const CONNECT_THRESHOLDS = {
    /** WAL a logical slot may hold behind the primary's position while its connector keeps up. */
    slotLagBytes: 1024 ** 3,
    /** The window over which a slot's lag must keep growing to be a stall rather than a burst. */
    slotLagWindow: "30m",
    /** Share of max_slot_wal_keep_size left before PostgreSQL drops the slot (and the connector snapshots again). */
    slotSafeShare: 0.2,
} as const;

/** The PodMonitor of the workers, and so the `job` label of their series. */
export const CONNECT_JOB = CONNECT_NAMES.workers;

export function connectScrapeTargets(namespace: string): ScrapeTarget[] {
    return [{ name: CONNECT_JOB, namespace, podLabels: CONNECT_POD_LABELS, port: "metrics", portNumber: CONNECT_PORTS.metrics, path: "/metrics" }];
}

const perConnector = (name: string, help: string) => metric(`kafka_connect_worker_connector_${name}_task_count`, "gauge", ["connector"], help);

export const CONNECT_METRIC_SOURCES = {
    connect: {
        endpoint: "Prometheus JMX exporter agent 1.0.1 in every Kafka Connect worker, port 9404, GET /metrics (with the JVM metrics of the Kafka source)",
        verifiedAgainst: "images/connect/jmx-exporter.yaml on a real Kafka Connect 4.3.1 worker running the Debezium PostgreSQL connector 3.6.1, scraped by e2e/cdc.spec.ts",
        metrics: [
            metric("kafka_connect_connector_status", "gauge", ["connector", "status"], "1 for the connector's state (running, paused, failed, unassigned, …), on the worker that runs it"),
            metric("kafka_connect_task_status", "gauge", ["connector", "task", "status"], "1 for a task's state, on the worker that runs it"),
            perConnector("running", "Tasks of a connector running on this worker"),
            perConnector("failed", "Tasks of a connector failed on this worker"),
            perConnector("total", "Tasks of a connector on this worker"),
            metric("kafka_connect_worker_connector_count", "gauge", [], "Connectors run by this worker"),
            metric("kafka_connect_worker_task_count", "gauge", [], "Tasks run by this worker"),
            metric("kafka_connect_source_task_source_record_poll_total", "counter", ["connector", "task"], "Records a source task produced (before transformations)"),
            metric("kafka_connect_source_task_source_record_write_total", "counter", ["connector", "task"], "Records a source task wrote to Kafka"),
            metric("kafka_connect_task_error_total_record_errors_total", "counter", ["connector", "task"], "Record processing errors of a task"),
            metric("debezium_postgres_streaming_millisecondsbehindsource", "gauge", ["server"], "Delay between a change's commit and Debezium reading it (ms)"),
            metric("debezium_postgres_streaming_connected", "gauge", ["server"], "1 while the connector is connected to PostgreSQL's replication stream"),
            metric("debezium_postgres_streaming_totalnumberofeventsseen", "gauge", ["server"], "Change events read since the task started"),
        ],
    },
} as const satisfies Record<string, MetricSource>;

/** Bytes of WAL each logical slot holds behind the primary's position (only while a connector is connected: the exporter reports confirmed_flush_lsn for active slots). */
export function slotLagBytes(storageNamespace: string): string {
    const sel = q.selectorOf({ equal: { namespace: storageNamespace, slot_type: "logical" } });
    return `(max by (namespace, slot_name) (pg_replication_slot_slot_current_wal_lsn${sel}) - max by (namespace, slot_name) (pg_replication_slot_slot_confirmed_flush_lsn${sel}))`;
}

/** A series of the primary only: Patroni keeps copies of permanent slots on the replicas, inactive by design. */
const onPrimary = (expr: string, storageNamespace: string) => `(${expr} and on (namespace, pod) (pg_replication_is_replica${q.selectorOf({ equal: { namespace: storageNamespace } })} == 0))`;

export interface ConnectAlertTargets {
    /** Namespace of the workers (the streaming tier). */
    readonly namespace: string;
    /** Namespace of PostgreSQL (the storage tier), where the slots are. */
    readonly storageNamespace: string;
    /** postgres.cdc.maxSlotWalKeepGb: past it PostgreSQL invalidates a slot. */
    readonly maxSlotWalKeepBytes: number;
}

export function connectAlerts(t: ConnectAlertTargets): AlertDefinition[] {
    const workers = q.selectorOf({ equal: { namespace: t.namespace, job: CONNECT_JOB } });
    const logicalSlots = q.selectorOf({ equal: { namespace: t.storageNamespace, slot_type: "logical" } });
    return [
        ...deploymentAvailabilityAlerts({
            namespace: t.namespace,
            deployment: CONNECT_NAMES.workers,
            alertPrefix: "Connect",
            pod: "worker",
            downFor: "3m",
            downSummary: "No Kafka Connect worker is ready: change data capture has stopped and the slots hold WAL.",
            unavailableSummary: "A Kafka Connect worker is not ready: its tasks run on the others, without a spare.",
        }),
        {
            name: "ConnectConnectorFailed",
            expr: `max by (namespace, connector) (kafka_connect_connector_status${q.selectorOf({ equal: { namespace: t.namespace, job: CONNECT_JOB, status: "failed" } })}) > 0`,
            for: "2m",
            severity: "critical",
            summary: "A Kafka Connect connector has failed: its changes are not captured.",
            description: "Connector {{ $labels.connector }} in {{ $labels.namespace }} is in state FAILED.",
            runbook: "connectconnectorfailed",
        },
        {
            name: "ConnectTaskFailed",
            expr: `sum by (namespace, connector) (kafka_connect_worker_connector_failed_task_count${workers}) > 0`,
            for: "2m",
            severity: "critical",
            summary: "A task of a Kafka Connect connector has failed: its share of the changes is not captured.",
            description: "{{ $value }} task(s) of connector {{ $labels.connector }} in {{ $labels.namespace }} are in state FAILED.",
            runbook: "connecttaskfailed",
        },
        {
            name: "CdcSlotInactive",
            expr: onPrimary(`max by (namespace, pod, slot_name) (pg_replication_slot_slot_is_active${logicalSlots}) == 0`, t.storageNamespace),
            for: "15m",
            severity: "warning",
            summary: "No connector reads a logical replication slot on the primary: it holds WAL.",
            description: "Slot {{ $labels.slot_name }} on {{ $labels.pod }} in {{ $labels.namespace }} has had no consumer for 15 minutes.",
            runbook: "cdcslotinactive",
        },
        {
            name: "CdcSlotLagGrowing",
            expr: `(${slotLagBytes(t.storageNamespace)} > ${CONNECT_THRESHOLDS.slotLagBytes}) and (delta(${slotLagBytes(t.storageNamespace)}[${CONNECT_THRESHOLDS.slotLagWindow}:1m]) > 0)`,
            for: "15m",
            severity: "warning",
            summary: "A change data capture connector falls behind: its slot's lag keeps growing.",
            description: `Slot {{ $labels.slot_name }} in {{ $labels.namespace }} holds {{ $value | humanize1024 }}B of WAL and grew over the last ${CONNECT_THRESHOLDS.slotLagWindow}.`,
            runbook: "cdcslotlaggrowing",
        },
        {
            name: "CdcSlotNearInvalidation",
            expr: onPrimary(`min by (namespace, pod, slot_name) (pg_replication_slot_safe_wal_size_bytes${logicalSlots}) < ${Math.round(CONNECT_THRESHOLDS.slotSafeShare * t.maxSlotWalKeepBytes)}`, t.storageNamespace),
            for: "5m",
            severity: "critical",
            summary: "A logical slot is about to be dropped by PostgreSQL (max_slot_wal_keep_size): its connector would have to snapshot again.",
            description: `Slot {{ $labels.slot_name }} on {{ $labels.pod }} may hold only {{ $value | humanize1024 }}B more WAL before PostgreSQL invalidates it (less than ${CONNECT_THRESHOLDS.slotSafeShare * 100}% of max_slot_wal_keep_size).`,
            runbook: "cdcslotnearinvalidation",
        },
    ];
}
