// The resources a stack's long-running pods request: from the rendered objects, and from the
// values the program passes to each Helm chart (whose objects the offline plan cannot render).
// Jobs and CronJobs are left out: they run to completion and come and go.
import { parseQuantity } from "../../config/quantity";
import { ChartRequest, KubernetesObject } from "./manifests";

export interface Requests {
    cpu: number; // cores
    memory: number; // bytes
}

export interface BudgetLine {
    readonly what: string;
    readonly replicas: number;
    readonly perReplica: Requests;
}

const zero = (): Requests => ({ cpu: 0, memory: 0 });

function add(a: Requests, b: Requests, times = 1): Requests {
    return { cpu: a.cpu + b.cpu * times, memory: a.memory + b.memory * times };
}

function requestsOf(resources: any, what: string): Requests {
    const r = resources?.requests;
    if (!r?.cpu || !r?.memory) throw new Error(`${what} sets no CPU and memory requests`);
    return { cpu: parseQuantity(String(r.cpu)), memory: parseQuantity(String(r.memory)) };
}

function podRequests(spec: any, what: string): Requests {
    return (spec.containers ?? []).reduce((sum: Requests, c: any) => add(sum, requestsOf(c.resources, `${what} container ${c.name}`)), zero());
}

/** Long-running workloads among the rendered objects; an HPA's minimum stands for its target's replicas. */
export function objectBudget(objects: readonly KubernetesObject[], nodes = 1): BudgetLine[] {
    const hpaMin = new Map<string, number>();
    for (const o of objects.filter((x) => x.kind === "HorizontalPodAutoscaler")) {
        const spec = o.spec as any;
        hpaMin.set(`${o.metadata.namespace}/${spec.scaleTargetRef.name}`, spec.minReplicas ?? 1);
    }
    return objects
        .filter((o) => ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind))
        .map((o) => {
            const spec = o.spec as any;
            const what = `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
            const replicas = o.kind === "DaemonSet" ? nodes : hpaMin.get(`${o.metadata.namespace}/${o.metadata.name}`) ?? spec.replicas ?? 1;
            return { what, replicas, perReplica: podRequests(spec.template.spec, what) };
        });
}

type ChartBudget = (values: any, nodes: number) => BudgetLine[];

/** Where each chart the program installs takes its pods' resources from, in the values we pass. */
const CHART_BUDGETS: Readonly<Record<string, ChartBudget>> = {
    "kube-prometheus-stack": (v, nodes) => {
        const reloader = requestsOf(v.prometheusOperator.prometheusConfigReloader.resources, "config reloader");
        const sidecar = requestsOf(v.grafana.sidecar.resources, "grafana sidecar");
        return [
            { what: "Prometheus (+ config reloader)", replicas: v.prometheus.prometheusSpec.replicas, perReplica: add(requestsOf(v.prometheus.prometheusSpec.resources, "prometheus"), reloader) },
            { what: "Alertmanager (+ config reloader)", replicas: v.alertmanager.alertmanagerSpec.replicas, perReplica: add(requestsOf(v.alertmanager.alertmanagerSpec.resources, "alertmanager"), reloader) },
            { what: "Grafana (+ 2 sidecars)", replicas: 1, perReplica: add(requestsOf(v.grafana.resources, "grafana"), sidecar, 2) },
            { what: "Prometheus operator", replicas: 1, perReplica: requestsOf(v.prometheusOperator.resources, "operator") },
            { what: "kube-state-metrics", replicas: 1, perReplica: requestsOf(v["kube-state-metrics"].resources, "kube-state-metrics") },
            { what: "node-exporter (per node)", replicas: nodes, perReplica: requestsOf(v["prometheus-node-exporter"].resources, "node-exporter") },
        ];
    },
    loki: (v) => [{ what: "Loki (monolithic)", replicas: v.singleBinary.replicas, perReplica: requestsOf(v.singleBinary.resources, "loki") }],
    alloy: (v, nodes) => [{ what: "Alloy (per node)", replicas: nodes, perReplica: requestsOf(v.alloy.resources, "alloy") }],
    "oci://quay.io/jetstack/charts/cert-manager": (v) => [
        { what: "cert-manager controller", replicas: 1, perReplica: requestsOf(v.resources, "cert-manager") },
        { what: "cert-manager webhook", replicas: 1, perReplica: requestsOf(v.webhook.resources, "cert-manager webhook") },
        { what: "cert-manager cainjector", replicas: 1, perReplica: requestsOf(v.cainjector.resources, "cert-manager cainjector") },
    ],
    traefik: (v) => [{ what: "Traefik", replicas: v.deployment.replicas, perReplica: requestsOf(v.resources, "traefik") }],
    "sealed-secrets": (v) => [{ what: "sealed-secrets controller", replicas: 1, perReplica: requestsOf(v.resources, "sealed-secrets") }],
};

export function chartBudget(charts: readonly ChartRequest[], nodes = 1): BudgetLine[] {
    return charts.flatMap((c) => {
        const budget = CHART_BUDGETS[String(c.chart)];
        if (!budget) throw new Error(`no resource budget known for chart ${c.chart}: add it to scripts/plan/budget.ts`);
        return budget(c.values, nodes).map((line) => ({ ...line, what: `${line.what} [chart ${c.chart}]` }));
    });
}

export function total(lines: readonly BudgetLine[]): Requests {
    return lines.reduce((sum, l) => add(sum, l.perReplica, l.replicas), zero());
}

export function formatRequests(r: Requests): string {
    return `${r.cpu.toFixed(2)} CPU, ${(r.memory / 2 ** 30).toFixed(2)} GiB`;
}
