// SeaweedFS: the raft leader and the readiness of each role, free disk of the volume servers, and
// the S3 gateway's traffic, errors and latency by bucket, all from SeaweedFS' own metrics.
import { atLeast, bars, dashboard, graph, higherIsWorse, instant, query, stat } from "../observability/dashboards/builder";
import { inNamespace as of, namespaceVariable, rateBy, volumeUsageBars } from "../observability/dashboards/panels";
import { SEAWEEDFS_THRESHOLDS } from "./monitoring";

const RATE = "$__rate_interval";
const s3Rate = (by: string, regex: Readonly<Record<string, string>> = {}) => rateBy("SeaweedFS_s3_request_total", by, regex);

export function seaweedfsDashboard(): Record<string, unknown> {
    return dashboard({
        uid: "seaweedfs",
        title: "Object storage (SeaweedFS)",
        description: "SeaweedFS behind its S3 API: raft leader, volume servers and their disks, S3 requests, errors and latency by bucket.",
        tags: ["seaweedfs", "s3"],
        variables: [namespaceVariable("SeaweedFS_master_is_leader")],
        rows: [
            {
                title: "Cluster",
                panels: [
                    stat("Raft leaders", `sum(${of("SeaweedFS_master_is_leader")})`, { thresholds: atLeast(1, 2) }),
                    stat("Volume servers reporting", `count(count by (pod) (${of("SeaweedFS_volumeServer_resource", { type: "all" })}))`),
                    stat("Volumes", `sum(${of("SeaweedFS_volumeServer_volumes")})`),
                    stat("Read-only volumes", `sum(${of("SeaweedFS_volumeServer_read_only_volumes")}) or vector(0)`, { thresholds: higherIsWorse(1, 10) }),
                    stat("S3 requests/s", s3Rate("namespace"), { unit: "reqps" }),
                    stat("S3 5xx share", `(${s3Rate("namespace", { code: "5.." })} or vector(0)) / ${s3Rate("namespace")}`, { unit: "percentunit", thresholds: higherIsWorse(SEAWEEDFS_THRESHOLDS.s3ErrorRatio / 2, SEAWEEDFS_THRESHOLDS.s3ErrorRatio) }),
                ],
            },
            {
                title: "Volume servers",
                panels: [
                    bars("Free disk share", instant(`min by (pod) (${of("SeaweedFS_volumeServer_resource", { type: "free" })} / ignoring (type) ${of("SeaweedFS_volumeServer_resource", { type: "all" })})`, "{{pod}}"), {
                        unit: "percentunit",
                        min: 0,
                        max: 1,
                        // Red at the critical limit and below, orange up to the warning limit.
                        thresholds: [
                            { value: null, color: "red" },
                            { value: SEAWEEDFS_THRESHOLDS.freeSpace.critical, color: "orange" },
                            { value: SEAWEEDFS_THRESHOLDS.freeSpace.warning, color: "green" },
                        ],
                    }),
                    volumeUsageBars({ equal: { namespace: "$namespace" }, regex: { persistentvolumeclaim: "data-seaweedfs.*" } }, ["persistentvolumeclaim"]),
                    graph("Volumes by bucket", [query(`sum by (collection) (${of("SeaweedFS_volumeServer_volumes")})`, "{{collection}}")]),
                    graph("Heartbeats received by the masters", [query(rateBy("SeaweedFS_master_received_heartbeats", "pod"), "{{pod}}")], { unit: "ops" }),
                ],
            },
            {
                title: "S3",
                panels: [
                    graph("Requests by operation", [query(s3Rate("type"), "{{type}}")], { unit: "reqps" }),
                    graph("Requests by bucket", [query(s3Rate("bucket"), "{{bucket}}")], { unit: "reqps" }),
                    graph("Errors by status", [query(s3Rate("code", { code: "[45].." }), "{{code}}")], { unit: "reqps" }),
                    graph("p99 latency by operation", [query(`histogram_quantile(0.99, sum by (type, le) (rate(${of("SeaweedFS_s3_request_seconds_bucket")}[${RATE}])))`, "{{type}}")], { unit: "s" }),
                    graph("Filer store requests", [query(rateBy("SeaweedFS_filerStore_request_total", "type"), "{{type}}")], { unit: "ops" }),
                ],
            },
        ],
    });
}
