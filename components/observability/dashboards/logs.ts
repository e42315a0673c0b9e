// Pod logs from Loki, as Grafana Alloy ships them: streams labelled namespace, pod and container.
import { quote } from "../promql";
import { dashboard, graph, logLines, query } from "./builder";

/** The stream labels Alloy sets; the only labels these queries select on. */
export const LOG_STREAM_LABELS = ["namespace", "pod", "container"] as const;

type StreamLabel = (typeof LOG_STREAM_LABELS)[number];
/** Streams whose labels match the variables of the same names. */
const streamsOf = (labels: readonly StreamLabel[]) => `{${labels.map((label) => `${label}=~${quote(`$${label}`)}`).join(", ")}}`;
const streams = streamsOf(LOG_STREAM_LABELS);
const ERRORS = '|~ "(?i)(error|fatal|panic|exception)"';
const SEARCH = '|~ "$search"';
const linesPer = (labels: string, filter: string) => `sum by (${labels}) (count_over_time(${streams} ${filter} [$__interval]))`;

export function logsDashboard(): Record<string, unknown> {
    return dashboard({
        uid: "logs",
        title: "Logs",
        description: "Pod logs of the platform by namespace, pod and container, with a search filter.",
        tags: ["logs"],
        variables: [
            { kind: "query", name: "namespace", label: "Namespace", datasource: "loki", query: "label_values(namespace)", multi: true },
            { kind: "query", name: "pod", label: "Pod", datasource: "loki", query: `label_values(${streamsOf(["namespace"])}, pod)`, multi: true },
            { kind: "query", name: "container", label: "Container", datasource: "loki", query: `label_values(${streamsOf(["namespace", "pod"])}, container)`, multi: true },
            { kind: "text", name: "search", label: "Search (regular expression)" },
        ],
        rows: [
            {
                title: "Volume",
                panels: [
                    graph("Lines by container", [query(linesPer("namespace, container", SEARCH), "{{namespace}}/{{container}}")], { datasource: "loki" }),
                    graph("Error lines by pod", [query(linesPer("namespace, pod", ERRORS), "{{namespace}}/{{pod}}")], { datasource: "loki" }),
                ],
            },
            { title: "Lines", panels: [logLines("Logs", `${streams} ${SEARCH}`)] },
        ],
    });
}
