// What makes a first `pulumi up` on an empty cluster finish, checked across the objects of each
// stack's plan: the API server admits the ingress controller's Service under its namespace's quota,
// every Service Pulumi waits for will get endpoints (or says why it does not wait), and outside
// traffic reaches every published backend and cert-manager's HTTP-01 solvers under the
// NetworkPolicies. Chart-rendered pods are modelled by the labels the components rely on; the
// session's `helm template` of every chart (README "Charts") confirms those labels.
import * as assert from "assert";
import { CERT_MANAGER_CONTROLLER_LABELS } from "../components/edge/certManager";
import { TRAEFIK_PORTS, TRAEFIK_POD_LABELS } from "../components/edge/ingressController";
import { ACME_SOLVER } from "../components/edge/routes";
import { RUNTIME_LABELS_ANNOTATION, SKIP_AWAIT_ANNOTATION, SKIP_AWAIT_REASON_ANNOTATION } from "../components/meta/awaits";
import { GRAFANA_PODS, PORTS as OBSERVABILITY_PORTS } from "../components/observability/observabilityPolicies";
import { EDGE_ENTRY_POINTS } from "../config/edge";
import { NetworkModel, PodRef, selects } from "./support/networkReach";
import { chartsOf, objectsOf, planOf } from "./support/plan";
import { STACKS } from "./support/stacks";

const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet"];

/** Every label set a workload's pods can carry: the template's, and each value of the labels a controller sets at run time. */
function podLabelSets(workload: any): Record<string, string>[] {
    const template = workload.spec.template;
    const runtime: Record<string, string[]> = JSON.parse(template.metadata?.annotations?.[RUNTIME_LABELS_ANNOTATION] ?? "{}");
    let sets: Record<string, string>[] = [{ ...template.metadata.labels }];
    for (const [key, values] of Object.entries(runtime)) sets = sets.flatMap((labels) => values.map((value) => ({ ...labels, [key]: value })));
    return sets;
}

/** The container port a Service port sends to, on one of the workload's containers. */
function targetPortNumber(servicePort: any, workload: any): number | undefined {
    const target = servicePort.targetPort ?? servicePort.port;
    if (typeof target === "number") return target;
    for (const c of workload.spec.template.spec.containers) {
        const named = (c.ports ?? []).find((p: any) => p.name === target);
        if (named) return named.containerPort;
    }
    return undefined;
}

for (const stack of [...STACKS, "e2e"]) {
    describe(`a fresh cluster, ${stack} stack: what the first pulumi up needs`, function () {
        let objects: any[];
        let charts: Record<string, any>;
        let network: NetworkModel;
        const find = (kind: string, namespace: string | undefined, name: string) => objects.find((o) => o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name);
        /** The namespace of a tier, by the label every platform namespace carries. */
        const tier = (name: string) => objects.find((o) => o.kind === "Namespace" && o.metadata.labels["data-platform/tier"] === name).metadata.name as string;

        before(() => {
            const plan = planOf(stack);
            assert.strictEqual(plan.code, 0, plan.stderr + plan.stdout);
            objects = objectsOf(plan.outDir);
            charts = chartsOf(plan.outDir);
            network = new NetworkModel(objects);
        });

        it("admits the ingress controller's Service, and every exposed Service, under its namespace's quota", () => {
            // The Traefik chart renders one Service from these values, with a port per entry point.
            const traefik = charts["ingress-chart"];
            const exposed: { namespace: string; name: string; type: string; nodePorts: number }[] = objects
                .filter((o) => o.kind === "Service" && ["NodePort", "LoadBalancer"].includes(o.spec.type))
                .map((o) => ({ namespace: o.metadata.namespace, name: o.metadata.name, type: o.spec.type, nodePorts: o.spec.type === "NodePort" || o.spec.allocateLoadBalancerNodePorts !== false ? o.spec.ports.length : 0 }));
            if (traefik) {
                const spec = traefik.values.service.spec;
                assert.ok(!("type" in traefik.values.service), "chart >= 40 ignores service.type: the type goes in service.spec.type");
                assert.ok(["NodePort", "LoadBalancer"].includes(spec.type), JSON.stringify(spec));
                exposed.push({ namespace: traefik.namespace, name: "traefik", type: spec.type, nodePorts: spec.type === "NodePort" || spec.allocateLoadBalancerNodePorts !== false ? EDGE_ENTRY_POINTS.length : 0 });
            }
            for (const namespace of new Set(exposed.map((e) => e.namespace))) {
                const hard = find("ResourceQuota", namespace, "tier-quota").spec.hard;
                const here = exposed.filter((e) => e.namespace === namespace);
                const loadBalancers = here.filter((e) => e.type === "LoadBalancer").length;
                const nodePorts = here.reduce((sum, e) => sum + e.nodePorts, 0);
                assert.ok(loadBalancers <= Number(hard["services.loadbalancers"]), `${namespace}: ${loadBalancers} load balancers, quota ${hard["services.loadbalancers"]}`);
                assert.ok(nodePorts <= Number(hard["services.nodeports"]), `${namespace}: ${nodePorts} node ports, quota ${hard["services.nodeports"]}`);
            }
            for (const o of objects.filter((x) => x.kind === "ResourceQuota" && x.metadata.namespace !== traefik?.namespace)) {
                assert.strictEqual(o.spec.hard["services.nodeports"], "0", `${o.metadata.namespace} admits no node ports`);
                assert.strictEqual(o.spec.hard["services.loadbalancers"], "0", `${o.metadata.namespace} admits no load balancers`);
            }
        });

        it("gives every Service with a selector pods that will match it, or skips Pulumi's await and says why", () => {
            const workloads = objects.filter((o) => WORKLOAD_KINDS.includes(o.kind));
            const services = objects.filter((o) => o.kind === "Service" && o.spec.selector);
            assert.ok(services.length > 0);
            for (const service of services) {
                const annotations = service.metadata.annotations ?? {};
                const skips = annotations[SKIP_AWAIT_ANNOTATION] === "true";
                if (skips) assert.ok((annotations[SKIP_AWAIT_REASON_ANNOTATION] ?? "").length > 20, `${service.metadata.name} skips its await without a reason`);
                const matched = workloads.some(
                    (w) =>
                        w.metadata.namespace === service.metadata.namespace &&
                        (w.spec.replicas ?? 1) > 0 &&
                        podLabelSets(w).some((labels) => selects({ matchLabels: service.spec.selector }, labels)),
                );
                assert.ok(matched || skips, `Service ${service.metadata.namespace}/${service.metadata.name} selects no pod of the stack (${JSON.stringify(service.spec.selector)}) and would fail Pulumi's await`);
            }
        });

        it("lets the ingress controller reach every Ingress backend (Grafana's too), and each backend let it in", () => {
            const traefik: PodRef = { namespace: tier("edge"), labels: TRAEFIK_POD_LABELS };
            const backends: { what: string; pod: PodRef; port: number }[] = [];
            for (const ingress of objects.filter((o) => o.kind === "Ingress")) {
                for (const rule of ingress.spec.rules) {
                    for (const path of rule.http.paths) {
                        const service = find("Service", ingress.metadata.namespace, path.backend.service.name);
                        assert.ok(service, `${ingress.metadata.name}: no Service ${path.backend.service.name}`);
                        const servicePort = service.spec.ports.find((p: any) => p.port === path.backend.service.port.number);
                        const pods = objects.filter((o) => WORKLOAD_KINDS.includes(o.kind) && o.metadata.namespace === ingress.metadata.namespace && podLabelSets(o).some((l) => selects({ matchLabels: service.spec.selector }, l)));
                        assert.ok(pods.length > 0, `${rule.host}${path.path}: no pods behind Service ${service.metadata.name}`);
                        for (const w of pods) backends.push({ what: `https://${rule.host}${path.path} (${w.kind} ${w.metadata.name})`, pod: { namespace: w.metadata.namespace, labels: w.spec.template.metadata.labels }, port: targetPortNumber(servicePort, w)! });
                    }
                }
            }
            // kube-prometheus-stack renders Grafana's Ingress to the grafana Service (port 80 -> the pods' 3000).
            const stack = charts["monitoring-kube-prometheus-stack"];
            if (stack) {
                assert.strictEqual(stack.values.grafana.ingress.enabled, true);
                backends.push({ what: `https://${stack.values.grafana.ingress.hosts[0]}/ (Grafana)`, pod: { namespace: stack.namespace, labels: { ...GRAFANA_PODS, "app.kubernetes.io/instance": "monitoring" } }, port: OBSERVABILITY_PORTS.grafana });
            }
            assert.ok(backends.length >= 1);
            for (const b of backends) assert.ok(network.allows(traefik, b.pod, b.port), `the ingress controller cannot reach ${b.what} on ${b.port}`);
            // And nothing else: the edge reaches no database.
            const postgres = objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === "postgres");
            assert.ok(!network.allows(traefik, { namespace: postgres.metadata.namespace, labels: postgres.spec.template.metadata.labels }, 5432), "the ingress controller must not reach PostgreSQL");
        });

        it("answers ACME HTTP-01 challenges where the issuer is ACME: solvers reachable, cert-manager's self-check and the CA reachable", () => {
            const issuers = objects.filter((o) => o.kind === "ClusterIssuer" && o.spec.acme);
            const certManager: PodRef = { namespace: tier("edge"), labels: CERT_MANAGER_CONTROLLER_LABELS };
            const traefik: PodRef = { namespace: tier("edge"), labels: TRAEFIK_POD_LABELS };
            if (issuers.length === 0) {
                // No ACME: no HTTP-01 self-check, so nothing on port 80 (443 is the API server's, open only where apiServerCidrs are).
                assert.ok(!network.allows(certManager, { address: "internet" }, 80), "a self-signed stack's cert-manager has no HTTP-01 self-check to make");
                return;
            }
            const namespaces = new Set([...objects.filter((o) => o.kind === "Ingress").map((o) => o.metadata.namespace), ...(charts["monitoring-kube-prometheus-stack"] ? [charts["monitoring-kube-prometheus-stack"].namespace] : [])]);
            for (const namespace of namespaces) {
                assert.ok(network.allows(traefik, { namespace, labels: ACME_SOLVER.podLabels }, ACME_SOLVER.port), `the ingress controller cannot reach the HTTP-01 solver in ${namespace}`);
            }
            assert.ok(network.allows(certManager, { address: "internet" }, 443), "cert-manager must reach the ACME directory");
            assert.ok(network.allows(certManager, { address: "internet" }, 80), "cert-manager's self-check must reach the public address on 80");
            assert.ok(network.allows(certManager, traefik, TRAEFIK_PORTS.web), "a self-check routed inside the cluster lands on the controller's web port");
        });
    });
}
