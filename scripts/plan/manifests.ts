// Turns recorded registrations into Kubernetes objects and Helm chart requests.
import { RegisteredResource } from "./mockRuntime";

export interface KubernetesObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; [key: string]: unknown };
    [key: string]: unknown;
}

export interface RenderedObject {
    /** The registration that produced it. */
    readonly resource: RegisteredResource;
    readonly object: KubernetesObject;
    /** Deterministic path under the stack's output directory. */
    readonly file: string;
}

export interface ChartRequest {
    readonly resource: RegisteredResource;
    readonly file: string;
    readonly chart: unknown;
    readonly version: unknown;
    readonly repository: unknown;
    readonly namespace: unknown;
    readonly values: unknown;
}

const HELM_TYPES = ["kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v3:Chart"];

export function isHelm(resource: RegisteredResource): boolean {
    return HELM_TYPES.includes(resource.type);
}

/** Kubernetes objects are the custom resources of the kubernetes package, except its provider and Helm. */
export function isKubernetesObject(resource: RegisteredResource): boolean {
    return resource.custom && resource.type.startsWith("kubernetes:") && !isHelm(resource);
}

/** `kubernetes:apps/v1:Deployment` -> apps/v1, Deployment; the core group has no prefix. */
export function typeToApiVersionKind(type: string): { apiVersion: string; kind: string } {
    const [, module, kind] = type.split(":");
    const apiVersion = module.startsWith("core/") ? module.slice("core/".length) : module;
    return { apiVersion, kind };
}

function fileSafe(text: string): string {
    return text.replace(/[^A-Za-z0-9._-]/g, "_");
}

export function renderObject(resource: RegisteredResource): RenderedObject {
    const fromType = typeToApiVersionKind(resource.type);
    const inputs = resource.inputs as Record<string, any>;
    const metadata = { ...(inputs.metadata ?? {}) };
    // Auto-named objects get a random suffix from the provider; offline they keep the logical name.
    metadata.name ??= resource.name;
    const object: KubernetesObject = {
        ...inputs,
        apiVersion: inputs.apiVersion ?? fromType.apiVersion,
        kind: inputs.kind ?? fromType.kind,
        metadata,
    };
    const scope = metadata.namespace ? fileSafe(String(metadata.namespace)) : "_cluster";
    const file = `manifests/${scope}/${fileSafe(object.kind)}-${fileSafe(metadata.name)}.yaml`;
    return { resource, object, file };
}

export function renderChart(resource: RegisteredResource): ChartRequest {
    const inputs = resource.inputs as Record<string, any>;
    return {
        resource,
        file: `charts/${fileSafe(resource.name)}.yaml`,
        chart: inputs.chart,
        version: inputs.version,
        repository: inputs.repositoryOpts?.repo ?? inputs.repositoryOpts ?? null,
        namespace: inputs.namespace ?? null,
        values: inputs.values ?? {},
    };
}
