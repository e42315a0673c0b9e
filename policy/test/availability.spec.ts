import * as assert from "assert";
import { allowedDisruptions, spreadAcrossNodes } from "../policies/availability";
import { TestResource, compliantPod, copy, policyNamed, runResourcePolicy, runStackPolicy, workload } from "./support/harness";

function budget(name: string, spec: Record<string, any>, namespace = "platform-apps"): TestResource {
    return { type: "kubernetes:policy/v1:PodDisruptionBudget", props: { metadata: { name, namespace }, spec: { selector: { matchLabels: { app: "web" } }, ...spec } } };
}

const HOSTNAME = "kubernetes.io/hostname";

function statefulSet(replicas: number, spread: "antiAffinity" | "topologySpread" | "none", protect: boolean): TestResource {
    const pod = compliantPod({ app: "postgres" });
    const selector = { matchLabels: { app: "postgres" } };
    if (spread === "antiAffinity") pod.spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: HOSTNAME, labelSelector: selector }] } };
    if (spread === "topologySpread") pod.spec.topologySpreadConstraints = [{ topologyKey: HOSTNAME, whenUnsatisfiable: "DoNotSchedule", maxSkew: 1, labelSelector: selector }];
    return { ...workload("StatefulSet", pod, { name: "postgres", namespace: "platform-storage", replicas }), protect };
}

describe("availability policies", () => {
    describe("container-probes", () => {
        const policy = policyNamed("container-probes");

        it("passes long-running containers with liveness and readiness probes", () => {
            assert.deepStrictEqual(runResourcePolicy(policy, workload("Deployment", compliantPod())).violations, []);
        });

        it("fails long-running containers and sidecars without them", () => {
            const pod = copy(compliantPod());
            delete pod.spec.containers[0].livenessProbe;
            pod.spec.initContainers = [{ name: "setup" }, { name: "proxy", restartPolicy: "Always" }];
            assert.deepStrictEqual(runResourcePolicy(policy, workload("StatefulSet", pod, { name: "db" })).violations, [
                'StatefulSet platform-apps/db: container "proxy" has no livenessProbe, readinessProbe.',
                'StatefulSet platform-apps/db: container "web" has no livenessProbe.',
            ]);
        });

        it("does not ask probes of pods that run to completion", () => {
            const pod = copy(compliantPod());
            delete pod.spec.containers[0].livenessProbe;
            delete pod.spec.containers[0].readinessProbe;
            for (const kind of ["Job", "CronJob"] as const) assert.deepStrictEqual(runResourcePolicy(policy, workload(kind, pod)).violations, [], kind);
            pod.spec.restartPolicy = "OnFailure";
            assert.deepStrictEqual(runResourcePolicy(policy, workload("Pod", pod)).violations, []);
        });
    });

    describe("pod-disruption-budget", () => {
        const policy = policyNamed("pod-disruption-budget");
        const web = (replicas: number) => workload("Deployment", compliantPod(), { name: "web", replicas });

        it("computes allowed disruptions as the disruption controller does (percentages round up)", () => {
            assert.strictEqual(allowedDisruptions({ maxUnavailable: 1 }, 3), 1);
            assert.strictEqual(allowedDisruptions({ maxUnavailable: "10%" }, 3), 1);
            assert.strictEqual(allowedDisruptions({ maxUnavailable: 0 }, 3), 0);
            assert.strictEqual(allowedDisruptions({ minAvailable: 2 }, 3), 1);
            assert.strictEqual(allowedDisruptions({ minAvailable: "100%" }, 3), 0);
            assert.strictEqual(allowedDisruptions({ minAvailable: "50%" }, 3), 1);
            assert.strictEqual(allowedDisruptions({ minAvailable: 0 }, 3), 3);
            assert.strictEqual(allowedDisruptions({ maxUnavailable: 5 }, 3), 3);
            assert.strictEqual(allowedDisruptions({}, 3), 3);
        });

        it("passes a replicated workload with one budget that allows disruption", () => {
            assert.deepStrictEqual(runStackPolicy(policy, [web(3), budget("web", { maxUnavailable: 1 })]), []);
        });

        it("does not ask a budget of a single replica", () => {
            assert.deepStrictEqual(runStackPolicy(policy, [web(1)]), []);
        });

        it("fails a replicated workload without a budget, with one in another namespace, or with one selecting other pods", () => {
            assert.match(runStackPolicy(policy, [web(2)])[0].message, /runs 2 replicas but no PodDisruptionBudget selects its pods/);
            assert.strictEqual(runStackPolicy(policy, [web(2), budget("web", { maxUnavailable: 1 }, "platform-storage")]).length, 1);
            assert.strictEqual(runStackPolicy(policy, [web(2), budget("web", { maxUnavailable: 1, selector: { matchLabels: { app: "db" } } })]).length, 1);
        });

        it("fails a budget that blocks every eviction, one that protects nothing, and two budgets over the same pods", () => {
            assert.match(runStackPolicy(policy, [web(3), budget("web", { minAvailable: 3 })])[0].message, /allows no disruption of its 3 replicas/);
            assert.deepStrictEqual(runStackPolicy(policy, [web(3), budget("web", { maxUnavailable: "100%" })]).map((v) => v.message), [
                "Deployment platform-apps/web: PodDisruptionBudget web lets evictions take down all 3 replicas at once, so it protects nothing.",
            ]);
            assert.match(runStackPolicy(policy, [web(3), budget("a", { maxUnavailable: 1 }), budget("b", { maxUnavailable: 1 })])[0].message, /selected by 2 PodDisruptionBudgets \(a, b\)/);
        });
    });

    describe("pod-disruption-budget-blocks-drain", () => {
        const policy = policyNamed("pod-disruption-budget-blocks-drain");
        const web = (replicas?: number) => workload("Deployment", compliantPod(), { name: "web", replicas });
        const hpa = (minReplicas?: number): TestResource => ({
            type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
            props: { metadata: { name: "web", namespace: "platform-apps" }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, minReplicas, maxReplicas: 5 } },
        });

        it("passes budgets that let one pod go at the workload's fewest replicas", () => {
            assert.deepStrictEqual(runStackPolicy(policy, [web(1), budget("web", { maxUnavailable: 1 })]), []);
            assert.deepStrictEqual(runStackPolicy(policy, [web(), hpa(2), budget("web", { minAvailable: 1 })]), []);
        });

        it("fails a budget that forbids every eviction: maxUnavailable 0, or minAvailable as many as run", () => {
            assert.deepStrictEqual(runStackPolicy(policy, [web(3), budget("web", { maxUnavailable: 0 })]).map((v) => v.message), [
                "PodDisruptionBudget platform-apps/web (maxUnavailable 0) allows no eviction of Deployment platform-apps/web at 3 replicas: node drains would block.",
            ]);
            assert.match(runStackPolicy(policy, [web(1), budget("web", { minAvailable: 1 })])[0].message, /minAvailable 1\) allows no eviction of Deployment platform-apps\/web at 1 replica:/);
            assert.match(runStackPolicy(policy, [web(2), budget("web", { minAvailable: "100%" })])[0].message, /allows no eviction/);
        });

        it("judges an autoscaled workload at its autoscaler's minimum, 1 when unset", () => {
            assert.strictEqual(runStackPolicy(policy, [web(), hpa(), budget("web", { minAvailable: 1 })]).length, 1);
            assert.strictEqual(runStackPolicy(policy, [web(), hpa(3), budget("web", { minAvailable: 2 })]).length, 0);
        });

        it("does not apply to allow-listed budgets", () => {
            const config = { exceptions: [{ kind: "PodDisruptionBudget", namespace: "platform-apps", name: "web", reason: "a singleton that must never be evicted by a drain" }] };
            assert.deepStrictEqual(runStackPolicy(policy, [web(1), budget("web", { minAvailable: 1 })], config), []);
        });
    });

    describe("autoscaler-minimum-availability", () => {
        const policy = policyNamed("autoscaler-minimum-availability");
        const web = () => workload("Deployment", compliantPod(), { name: "web" });
        const hpa = (minReplicas?: number, kind = "Deployment"): TestResource => ({
            type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
            props: { metadata: { name: "web", namespace: "platform-apps" }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind, name: "web" }, minReplicas, maxReplicas: 5 } },
        });

        it("passes an autoscaled, budgeted workload that keeps at least 2 replicas", () => {
            assert.deepStrictEqual(runStackPolicy(policy, [web(), hpa(2), budget("web", { maxUnavailable: 1 })]), []);
        });

        it("fails one whose autoscaler may go down to 1 (or leaves minReplicas unset)", () => {
            assert.deepStrictEqual(runStackPolicy(policy, [web(), hpa(1), budget("web", { maxUnavailable: 1 })]).map((v) => v.message), [
                "Deployment platform-apps/web: its HorizontalPodAutoscaler may scale it to 1 replica while PodDisruptionBudget web protects it; set minReplicas to at least 2.",
            ]);
            assert.strictEqual(runStackPolicy(policy, [web(), hpa(undefined), budget("web", { maxUnavailable: 1 })]).length, 1);
        });

        it("ignores workloads without an autoscaler, or whose autoscaler targets another kind", () => {
            assert.deepStrictEqual(runStackPolicy(policy, [workload("Deployment", compliantPod(), { name: "web", replicas: 1 }), budget("web", { maxUnavailable: 1 })]), []);
            assert.deepStrictEqual(runStackPolicy(policy, [web(), hpa(1, "StatefulSet"), budget("web", { maxUnavailable: 1 })]), []);
        });
    });

    describe("stateful-high-availability", () => {
        const policy = policyNamed("stateful-high-availability");

        it("passes 3 protected members spread by anti-affinity or by a topology spread", () => {
            assert.deepStrictEqual(runResourcePolicy(policy, statefulSet(3, "antiAffinity", true)).violations, []);
            assert.deepStrictEqual(runResourcePolicy(policy, statefulSet(3, "topologySpread", true)).violations, []);
        });

        it("fails a prod StatefulSet with 2 members, not spread, not protected", () => {
            assert.deepStrictEqual(runResourcePolicy(policy, statefulSet(2, "none", false)).violations, [
                "StatefulSet platform-storage/postgres runs 2 members; at least 3 are required.",
                `StatefulSet platform-storage/postgres does not keep its members on different nodes: add required pod anti-affinity on ${HOSTNAME}, or a topologySpreadConstraint on ${HOSTNAME} with maxSkew 1 and whenUnsatisfiable DoNotSchedule, selecting its own pods.`,
                "StatefulSet platform-storage/postgres is not protected from deletion: set the resource option protect: true.",
            ]);
        });

        it("asks only what the stack's config requires", () => {
            const config = { minReplicas: 1, requireSpread: false, requireProtect: false };
            assert.deepStrictEqual(runResourcePolicy(policy, statefulSet(1, "none", false), config).violations, []);
        });

        it("does not count a soft spread or one over other pods", () => {
            const labels = { app: "postgres" };
            const soft = { topologySpreadConstraints: [{ topologyKey: HOSTNAME, whenUnsatisfiable: "ScheduleAnyway", maxSkew: 1, labelSelector: { matchLabels: labels } }] };
            assert.strictEqual(spreadAcrossNodes(soft as never, labels), false);
            const zone = { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "topology.kubernetes.io/zone", labelSelector: { matchLabels: labels } }] } } };
            assert.strictEqual(spreadAcrossNodes(zone as never, labels), false);
            const others = { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: HOSTNAME, labelSelector: { matchLabels: { app: "kafka" } } }] } } };
            assert.strictEqual(spreadAcrossNodes(others as never, labels), false);
        });

        it("applies to StatefulSets only", () => {
            assert.ok(runResourcePolicy(policy, workload("Deployment", compliantPod(), { replicas: 1 })).notApplicable);
        });
    });
});
