// Flink: the leader's view of the session cluster (TaskManagers, slots, running jobs), each job's
// checkpoints and restarts, and the TaskManagers' heap, all from Flink's Prometheus reporter.
import { atLeast, dashboard, graph, higherIsWorse, query, stat } from "../observability/dashboards/builder";
import { inNamespace as of, namespaceVariable } from "../observability/dashboards/panels";
import { FLINK_THRESHOLDS, flinkJob } from "./monitoring";

const leader = (metric: string) => `max(${of(metric, { job: flinkJob("jobmanager") })})`;
const byJob = (metric: string) => `max by (job_name) (${of(metric, { job: flinkJob("jobmanager") })})`;

export function flinkDashboard(taskManagers: number): Record<string, unknown> {
    return dashboard({
        uid: "flink",
        title: "Stream processing (Flink)",
        description: "Flink session cluster: registered TaskManagers, slots, running jobs, checkpoints, restarts and TaskManager heap.",
        tags: ["flink", "streaming"],
        variables: [namespaceVariable("flink_jobmanager_taskSlotsTotal")],
        rows: [
            {
                title: "Cluster",
                panels: [
                    stat("Registered TaskManagers", leader("flink_jobmanager_numRegisteredTaskManagers"), { thresholds: atLeast(taskManagers) }),
                    stat("Task slots", leader("flink_jobmanager_taskSlotsTotal"), { thresholds: atLeast(1) }),
                    stat("Free task slots", leader("flink_jobmanager_taskSlotsAvailable")),
                    stat("Running jobs", leader("flink_jobmanager_numRunningJobs")),
                ],
            },
            {
                title: "Jobs",
                panels: [
                    graph("Completed checkpoints, by job", [query(byJob("flink_jobmanager_job_numberOfCompletedCheckpoints"), "{{job_name}}")]),
                    graph(`Failed checkpoints within ${FLINK_THRESHOLDS.window}, by job`, [query(`max by (job_name) (delta(${of("flink_jobmanager_job_numberOfFailedCheckpoints", { job: flinkJob("jobmanager") })}[${FLINK_THRESHOLDS.window}]))`, "{{job_name}}")], { thresholds: higherIsWorse(1, 3) }),
                    graph("Last checkpoint duration, by job", [query(byJob("flink_jobmanager_job_lastCheckpointDuration"), "{{job_name}}")], { unit: "ms" }),
                    graph(`Restarts within ${FLINK_THRESHOLDS.window}, by job`, [query(`max by (job_name) (delta(${of("flink_jobmanager_job_numRestarts", { job: flinkJob("jobmanager") })}[${FLINK_THRESHOLDS.window}]))`, "{{job_name}}")], { thresholds: higherIsWorse(1, FLINK_THRESHOLDS.restarts) }),
                ],
            },
            {
                title: "TaskManagers",
                panels: [graph("Heap used, by pod", [query(`max by (pod) (${of("flink_taskmanager_Status_JVM_Memory_Heap_Used", { job: flinkJob("taskmanager") })})`, "{{pod}}")], { unit: "bytes" })],
            },
        ],
    });
}
