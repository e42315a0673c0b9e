// Availability: probes on long-running containers, a PodDisruptionBudget that allows disruption for
// every replicated workload, and stateful workloads run highly available: enough members, spread
// across nodes, protected from deletion.
import { EnforcementLevel, Policies, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { ILabelSelector, IPodSpec, KubernetesResource, Workload, asWorkload, podContainers, selectorMatches } from "../lib/kubernetes";
import { BaseConfig, StackObject, configSchema, describeRef, namespaceOf, ofKind, stackObjects, validateObjects, validateStackObjects, validateWorkloads } from "../lib/policy";

export interface AvailabilityConfig {
    /** Fewest members a StatefulSet may run. */
    readonly minReplicas: number;
    /** StatefulSet members must be kept on different nodes. */
    readonly requireSpread: boolean;
    /** StatefulSets must have the `protect` resource option. */
    readonly requireProtect: boolean;
}

const PROBES = ["livenessProbe", "readinessProbe"] as const;

function containerProbesPolicy(enforcementLevel: EnforcementLevel): ResourceValidationPolicy {
    const schema = configSchema();
    return {
        name: "container-probes",
        description: "Every long-running container (and every sidecar init container) has a liveness and a readiness probe.",
        enforcementLevel,
        configSchema: schema,
        validateResource: validateWorkloads(schema, (workload, _config, _args, reportViolation) => {
            if (!workload.longRunning) return;
            for (const { container, list } of podContainers(workload.podSpec)) {
                // Plain init containers run to completion; sidecars (restartPolicy Always) keep running.
                const runs = list === "containers" || (list === "initContainers" && container.restartPolicy === "Always");
                const missing = PROBES.filter((probe) => !container[probe]);
                if (runs && missing.length > 0) reportViolation(`${describeRef(workload.ref)}: container "${container.name}" has no ${missing.join(", ")}.`);
            }
        }),
    };
}

/** An int-or-percent of a total, rounded up as the disruption controller does. */
function scaled(value: number | string, total: number): number {
    return typeof value === "number" ? value : Math.ceil((parseFloat(value) * total) / 100);
}

/** How many of `replicas` healthy pods the budget lets evictions take down (all of them when it sets neither field). */
export function allowedDisruptions(spec: { minAvailable?: number | string; maxUnavailable?: number | string }, replicas: number): number {
    const allowed = spec.maxUnavailable !== undefined ? scaled(spec.maxUnavailable, replicas) : replicas - scaled(spec.minAvailable ?? 0, replicas);
    return Math.min(replicas, Math.max(0, allowed));
}

function disruptionBudgetPolicy(enforcementLevel: EnforcementLevel): StackValidationPolicy {
    const schema = configSchema();
    return {
        name: "pod-disruption-budget",
        description:
            "Every replicated workload (replicas > 1) is selected by exactly one PodDisruptionBudget, which lets at least one pod be evicted and keeps at least one running.",
        enforcementLevel,
        configSchema: schema,
        validateStack: validateStackObjects(schema, (args, reportViolation, allowListed) => {
            const budgets = stackObjects(args, ofKind(["policy"], "PodDisruptionBudget"));
            for (const { resource, object: workload } of stackObjects(args, asWorkload)) {
                if ((workload.replicas ?? 0) <= 1 || allowListed(workload.ref)) continue;
                const namespace = namespaceOf(workload.ref, resource.provider);
                const selecting = budgets.filter(
                    (b) => namespaceOf(b.object.ref, b.resource.provider) === namespace && selectorMatches(b.object.object.spec?.selector, workload.podMetadata.labels),
                );
                const name = describeRef(workload.ref);
                if (selecting.length === 0) {
                    reportViolation(`${name} runs ${workload.replicas} replicas but no PodDisruptionBudget selects its pods.`, resource.urn);
                } else if (selecting.length > 1) {
                    reportViolation(`${name} is selected by ${selecting.length} PodDisruptionBudgets (${selecting.map((b) => b.object.ref.name).join(", ")}); evictions fail when more than one does.`, resource.urn);
                } else {
                    const budget = selecting[0].object.ref.name;
                    const allowed = allowedDisruptions(selecting[0].object.object.spec ?? {}, workload.replicas!);
                    if (allowed < 1) reportViolation(`${name}: PodDisruptionBudget ${budget} allows no disruption of its ${workload.replicas} replicas, which blocks node drains.`, resource.urn);
                    if (allowed >= workload.replicas!) reportViolation(`${name}: PodDisruptionBudget ${budget} lets evictions take down all ${workload.replicas} replicas at once, so it protects nothing.`, resource.urn);
                }
            }
        }),
    };
}

/** The HorizontalPodAutoscaler that scales a workload, if any. */
function autoscalerOf(workload: Workload, autoscalers: readonly StackObject[]): StackObject | undefined {
    return autoscalers.find((a) => {
        const target = a.object.object.spec?.scaleTargetRef ?? {};
        return target.kind === workload.kind && target.name === workload.ref.name && (a.object.ref.namespace ?? undefined) === (workload.ref.namespace ?? undefined);
    });
}

/** Every PodDisruptionBudget with the replicated workloads it selects, at their fewest replicas (an autoscaler's minimum, 1 when unset). */
function budgetsAndWorkloads(args: StackValidationArgs) {
    const autoscalers = stackObjects(args, ofKind(["autoscaling"], "HorizontalPodAutoscaler"));
    const workloads = stackObjects(args, asWorkload).filter((w) => w.object.replicas !== undefined);
    return stackObjects(args, ofKind(["policy"], "PodDisruptionBudget")).map((budget) => {
        const namespace = namespaceOf(budget.object.ref, budget.resource.provider);
        const selected = workloads
            .filter((w) => namespaceOf(w.object.ref, w.resource.provider) === namespace && selectorMatches(budget.object.object.spec?.selector, w.object.podMetadata.labels))
            .map((w) => {
                const hpa = autoscalerOf(w.object, autoscalers);
                return { workload: w.object, autoscaled: hpa !== undefined, minimum: hpa ? (hpa.object.object.spec?.minReplicas ?? 1) : w.object.replicas! };
            });
        return { budget, selected };
    });
}

function budgetBlocksDrainPolicy(enforcementLevel: EnforcementLevel): StackValidationPolicy {
    const schema = configSchema();
    return {
        name: "pod-disruption-budget-blocks-drain",
        description:
            "No PodDisruptionBudget forbids every eviction of the pods it selects (maxUnavailable 0, or minAvailable reaching all of them at their fewest replicas, autoscaler minimum included): such a budget blocks node drains and cluster upgrades.",
        enforcementLevel,
        configSchema: schema,
        validateStack: validateStackObjects(schema, (args, reportViolation, allowListed) => {
            for (const { budget, selected } of budgetsAndWorkloads(args)) {
                if (allowListed(budget.object.ref)) continue;
                const spec = budget.object.object.spec ?? {};
                for (const { workload, minimum } of selected) {
                    if (allowedDisruptions(spec, minimum) < 1) {
                        const rule = spec.maxUnavailable !== undefined ? `maxUnavailable ${spec.maxUnavailable}` : `minAvailable ${spec.minAvailable}`;
                        reportViolation(`${describeRef(budget.object.ref)} (${rule}) allows no eviction of ${describeRef(workload.ref)} at ${minimum} ${minimum === 1 ? "replica" : "replicas"}: node drains would block.`, budget.resource.urn);
                    }
                }
            }
        }),
    };
}

function autoscalerMinimumPolicy(enforcementLevel: EnforcementLevel): StackValidationPolicy {
    const schema = configSchema();
    return {
        name: "autoscaler-minimum-availability",
        description:
            "A workload that a HorizontalPodAutoscaler scales and a PodDisruptionBudget protects runs at least 2 replicas at the autoscaler's minimum: with 1, the budget either blocks drains or lets the only pod go.",
        enforcementLevel,
        configSchema: schema,
        validateStack: validateStackObjects(schema, (args, reportViolation, allowListed) => {
            for (const { budget, selected } of budgetsAndWorkloads(args)) {
                for (const { workload, autoscaled, minimum } of selected) {
                    if (!autoscaled || minimum >= 2 || allowListed(workload.ref)) continue;
                    reportViolation(
                        `${describeRef(workload.ref)}: its HorizontalPodAutoscaler may scale it to ${minimum} replica while PodDisruptionBudget ${budget.object.ref.name} protects it; set minReplicas to at least 2.`,
                        budget.resource.urn,
                    );
                }
            }
        }),
    };
}

const HOSTNAME = "kubernetes.io/hostname";

/** Required anti-affinity or a hard topology spread (maxSkew 1) on the hostname, over the pod's own labels. */
export function spreadAcrossNodes(spec: IPodSpec, labels: Record<string, string> | undefined): boolean {
    const ownPods = (selector: ILabelSelector | undefined) => selectorMatches(selector, labels);
    const antiAffinity = (spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some(
        (term) => term.topologyKey === HOSTNAME && ownPods(term.labelSelector),
    );
    const topologySpread = (spec.topologySpreadConstraints ?? []).some(
        (c) => c.topologyKey === HOSTNAME && c.whenUnsatisfiable === "DoNotSchedule" && c.maxSkew === 1 && ownPods(c.labelSelector),
    );
    return antiAffinity || topologySpread;
}

function asStatefulSet(resource: KubernetesResource): Workload | undefined {
    const workload = asWorkload(resource);
    return workload?.kind === "StatefulSet" ? workload : undefined;
}

function statefulHighAvailabilityPolicy(enforcementLevel: EnforcementLevel, defaults: AvailabilityConfig): ResourceValidationPolicy {
    const schema = configSchema({
        minReplicas: { type: "integer", minimum: 1, default: defaults.minReplicas, description: "Fewest members a StatefulSet may run." },
        requireSpread: { type: "boolean", default: defaults.requireSpread, description: "Members must be kept on different nodes." },
        requireProtect: { type: "boolean", default: defaults.requireProtect, description: "StatefulSets must be protected from deletion (resource option protect)." },
    });
    return {
        name: "stateful-high-availability",
        description: "Every StatefulSet runs highly available: at least minReplicas members, kept on different nodes, protected from deletion (as the stack's config requires).",
        enforcementLevel,
        configSchema: schema,
        validateResource: validateObjects<Workload, BaseConfig & AvailabilityConfig>(schema, asStatefulSet, (workload, config, args, reportViolation) => {
            const name = describeRef(workload.ref);
            if (workload.replicas! < config.minReplicas) {
                reportViolation(`${name} runs ${workload.replicas} ${workload.replicas === 1 ? "member" : "members"}; at least ${config.minReplicas} are required.`);
            }
            if (config.requireSpread && !spreadAcrossNodes(workload.podSpec, workload.podMetadata.labels)) {
                reportViolation(
                    `${name} does not keep its members on different nodes: add required pod anti-affinity on ${HOSTNAME}, or a topologySpreadConstraint on ${HOSTNAME} with maxSkew 1 and whenUnsatisfiable DoNotSchedule, selecting its own pods.`,
                );
            }
            if (config.requireProtect && !args.opts.protect) {
                reportViolation(`${name} is not protected from deletion: set the resource option protect: true.`);
            }
        }),
    };
}

/** Availability policies; `config` gives the defaults of the StatefulSet rule. */
export function availabilityPolicies(enforcementLevel: EnforcementLevel, config: AvailabilityConfig): Policies {
    return [
        containerProbesPolicy(enforcementLevel),
        disruptionBudgetPolicy(enforcementLevel),
        budgetBlocksDrainPolicy(enforcementLevel),
        autoscalerMinimumPolicy(enforcementLevel),
        statefulHighAvailabilityPolicy(enforcementLevel, config),
    ];
}
