// Reading Kubernetes objects out of Pulumi resources: the type token, the object's identity,
// the pod template of every workload kind, and label selectors.
import type { ILabelSelector } from "@kubernetes-models/apimachinery/apis/meta/v1/LabelSelector";
import type { IObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";

export type { ILabelSelector, IObjectMeta, IContainer, IPodSpec };

/** `kubernetes:apps/v1:Deployment` -> group apps, version v1, kind Deployment (the core group is "core"). */
export interface KubernetesType {
    readonly group: string;
    readonly version: string;
    readonly kind: string;
}

export function kubernetesType(type: string): KubernetesType | undefined {
    const match = /^kubernetes:([^:/]+)\/([^:/]+):([A-Za-z0-9]+)$/.exec(type);
    return match ? { group: match[1], version: match[2], kind: match[3] } : undefined;
}

/** What an allow-list entry names: the object's kind, namespace (none when cluster-scoped) and name. */
export interface ObjectRef {
    readonly kind: string;
    readonly namespace?: string;
    readonly name: string;
}

/** A Kubernetes object as Pulumi sees it: props are the object's fields (inputs or outputs). */
export interface KubernetesResource {
    readonly type: KubernetesType;
    readonly object: Record<string, any>;
    readonly ref: ObjectRef;
}

/**
 * The object of a Kubernetes resource, or undefined for other packages. An object without
 * metadata.name is auto-named by the provider from the Pulumi resource name.
 */
export function kubernetesResource(type: string, props: Record<string, any>, resourceName: string): KubernetesResource | undefined {
    const parsed = kubernetesType(type);
    if (!parsed) return undefined;
    const metadata: IObjectMeta = props.metadata ?? {};
    return {
        type: parsed,
        object: props,
        ref: { kind: parsed.kind, namespace: metadata.namespace, name: metadata.name ?? resourceName },
    };
}

export function isKind(resource: KubernetesResource, groups: readonly string[], kind: string): boolean {
    return resource.type.kind === kind && groups.includes(resource.type.group);
}

export const WORKLOAD_KINDS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

interface PodTemplate {
    metadata?: IObjectMeta;
    spec?: IPodSpec;
}

/** Where each kind keeps its pod template; extensions/* are the removed pre-apps/v1 versions. */
const TEMPLATES: Record<WorkloadKind, { groups: readonly string[]; template: (object: Record<string, any>) => PodTemplate | undefined }> = {
    Pod: { groups: ["core"], template: (o) => o },
    Deployment: { groups: ["apps", "extensions"], template: (o) => o.spec?.template },
    StatefulSet: { groups: ["apps"], template: (o) => o.spec?.template },
    DaemonSet: { groups: ["apps", "extensions"], template: (o) => o.spec?.template },
    ReplicaSet: { groups: ["apps", "extensions"], template: (o) => o.spec?.template },
    Job: { groups: ["batch"], template: (o) => o.spec?.template },
    CronJob: { groups: ["batch"], template: (o) => o.spec?.jobTemplate?.spec?.template },
};

/** Kinds whose pods run until deleted, as opposed to Jobs that run to completion. */
const REPLICATED_KINDS: readonly WorkloadKind[] = ["Deployment", "StatefulSet", "ReplicaSet"];

export interface Workload extends KubernetesResource {
    readonly kind: WorkloadKind;
    /** Labels and annotations of the pods (a bare Pod's own metadata). */
    readonly podMetadata: IObjectMeta;
    readonly podSpec: IPodSpec;
    /** spec.replicas of Deployments, StatefulSets and ReplicaSets (1 when unset); undefined for other kinds. */
    readonly replicas?: number;
    /** Pods that keep running: every kind but Jobs, CronJobs and bare Pods that do not restart. */
    readonly longRunning: boolean;
}

export function asWorkload(resource: KubernetesResource): Workload | undefined {
    const kind = WORKLOAD_KINDS.find((k) => isKind(resource, TEMPLATES[k].groups, k));
    if (!kind) return undefined;
    const template = TEMPLATES[kind].template(resource.object) ?? {};
    const podSpec: IPodSpec = template.spec ?? ({} as IPodSpec);
    const completes = kind === "Job" || kind === "CronJob" || (kind === "Pod" && (podSpec.restartPolicy ?? "Always") !== "Always");
    return {
        ...resource,
        kind,
        podMetadata: template.metadata ?? {},
        podSpec,
        replicas: REPLICATED_KINDS.includes(kind) ? (resource.object.spec?.replicas ?? 1) : undefined,
        longRunning: !completes,
    };
}

export function workloadOf(type: string, props: Record<string, any>, resourceName: string): Workload | undefined {
    const resource = kubernetesResource(type, props, resourceName);
    return resource && asWorkload(resource);
}

/** A container of a pod spec with the list it belongs to, for messages and per-list rules. */
export interface PodContainer {
    readonly container: IContainer;
    readonly list: "initContainers" | "containers" | "ephemeralContainers";
}

/** Every container of a pod, in the order Pod Security Admission visits them. */
export function podContainers(spec: IPodSpec): PodContainer[] {
    return [
        ...(spec.initContainers ?? []).map((container) => ({ container, list: "initContainers" as const })),
        ...(spec.containers ?? []).map((container) => ({ container, list: "containers" as const })),
        ...(spec.ephemeralContainers ?? []).map((container) => ({ container: container as IContainer, list: "ephemeralContainers" as const })),
    ];
}

/** Label selector semantics of the API: no selector selects nothing, an empty one selects everything. */
export function selectorMatches(selector: ILabelSelector | undefined | null, labels: Readonly<Record<string, string>> | undefined): boolean {
    if (!selector) return false;
    const have = labels ?? {};
    const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => have[k] === v);
    return (
        byLabels &&
        (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
            switch (operator) {
                case "In":
                    return key in have && values.includes(have[key]);
                case "NotIn":
                    return !(key in have) || !values.includes(have[key]);
                case "Exists":
                    return key in have;
                case "DoesNotExist":
                    return !(key in have);
                default:
                    return false;
            }
        })
    );
}

/** True for `{}` and selectors whose label and expression lists are both empty. */
export function selectsEverything(selector: ILabelSelector | undefined | null): boolean {
    return !!selector && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/** `"a", "b"` as Pod Security Admission quotes lists in its messages. */
export function quoteList(items: Iterable<string>): string {
    return [...items].map((i) => `"${i}"`).join(", ");
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
    return count === 1 ? singular : pluralForm;
}
