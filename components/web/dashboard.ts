// Web services: rate, errors and duration from each service's own /metrics (the contract in
// metrics.ts), their pods and autoscalers, and the ingress in front of them.
import { WEB_THRESHOLDS } from "./monitoring";
import { selector } from "../observability/promql";
import * as q from "../observability/queries";
import { dashboard, graph, higherIsWorse, query } from "../observability/dashboards/builder";
import { namespaceVariable } from "../observability/dashboards/panels";

const RATE = "$__rate_interval";
const services: q.Matchers = { equal: { namespace: "$namespace" }, regex: { job: "$job" } };
const inNamespace: q.Matchers = { equal: { namespace: "$namespace" } };
const requestRate = (labels: string, matchers: q.Matchers = services) => `sum by (${labels}) (rate(http_requests_total${q.selectorOf(matchers)}[${RATE}]))`;
const durationRate = (suffix: string) => `sum by (job) (rate(http_request_duration_seconds_${suffix}${q.selectorOf(services)}[${RATE}]))`;
const hpa = (metric: string) => `max by (horizontalpodautoscaler) (${metric}${q.selectorOf(inNamespace)})`;
/** Traefik names a Kubernetes service `<namespace>-<service>-<port>@kubernetes`. */
const ingress: q.Matchers = { regex: { service: "$namespace-.+" } };

export function webServicesDashboard(): Record<string, unknown> {
    return dashboard({
        uid: "web-services",
        title: "Web services",
        description: "Requests, errors and duration of the web services, their pods and autoscalers, and the ingress in front of them.",
        tags: ["web-services"],
        variables: [
            namespaceVariable("http_requests_total"),
            { kind: "query", name: "job", label: "Service", datasource: "prometheus", query: `label_values(http_requests_total${selector({ namespace: "$namespace" })}, job)`, multi: true },
        ],
        rows: [
            {
                title: "Rate",
                panels: [
                    graph("Requests by service", [query(requestRate("job"), "{{job}}")], { unit: "reqps", width: 8 }),
                    graph("Requests by route", [query(requestRate("job, method, route"), "{{job}} {{method}} {{route}}")], { unit: "reqps", width: 8 }),
                    graph("Responses by status", [query(requestRate("status"), "{{status}}")], { unit: "reqps", width: 8 }),
                ],
            },
            {
                title: "Errors",
                panels: [
                    graph("Share of 5xx responses", [query(q.httpErrorRatio(services, RATE, ["job"]), "{{job}}")], {
                        unit: "percentunit",
                        thresholds: higherIsWorse(WEB_THRESHOLDS.httpErrorRatio, WEB_THRESHOLDS.httpErrorRatio),
                    }),
                    graph("5xx responses by route", [query(requestRate("job, route, status", { ...services, regex: { ...services.regex, status: "5.." } }), "{{job}} {{route}} {{status}}")], { unit: "reqps" }),
                ],
            },
            {
                title: "Duration",
                panels: [
                    graph("Latency percentiles", [0.5, 0.9, 0.99].map((p) => query(q.httpLatencyQuantile(p, services, RATE, ["job"]), `p${p * 100} {{job}}`)), {
                        unit: "s",
                        thresholds: higherIsWorse(WEB_THRESHOLDS.httpP99Seconds, WEB_THRESHOLDS.httpP99Seconds),
                        width: 8,
                    }),
                    graph("99th percentile by route", [query(q.httpLatencyQuantile(0.99, services, RATE, ["job", "route"]), "{{job}} {{route}}")], { unit: "s", width: 8 }),
                    graph("Mean latency", [query(`${durationRate("sum")} / ${durationRate("count")}`, "{{job}}")], { unit: "s", width: 8 }),
                ],
            },
            {
                title: "Pods and autoscaling",
                panels: [
                    graph("Container restarts", [query(`sum by (pod) (increase(kube_pod_container_status_restarts_total${q.selectorOf(inNamespace)}[${RATE}]))`, "{{pod}}")]),
                    graph("Autoscaler replicas", [
                        query(hpa("kube_horizontalpodautoscaler_status_current_replicas"), "current {{horizontalpodautoscaler}}"),
                        query(hpa("kube_horizontalpodautoscaler_spec_max_replicas"), "max {{horizontalpodautoscaler}}"),
                    ]),
                ],
            },
            {
                title: "Ingress",
                panels: [
                    graph("Ingress requests by service and code", [query(`sum by (service, code) (rate(traefik_service_requests_total${q.selectorOf(ingress)}[${RATE}]))`, "{{service}} {{code}}")], { unit: "reqps" }),
                    graph("Ingress 99th percentile by service", [
                        query(`histogram_quantile(0.99, sum by (service, le) (rate(traefik_service_request_duration_seconds_bucket${q.selectorOf(ingress)}[${RATE}])))`, "{{service}}"),
                    ], { unit: "s" }),
                ],
            },
        ],
    });
}
