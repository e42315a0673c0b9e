// Validates rendered objects against the Kubernetes OpenAPI schema (and the CRD schemas of the
// operators we use) with the kubernetes-models packages. An object whose kind has no known
// schema is an error too: nothing reaches a cluster unchecked.
import { KubernetesObject } from "./manifests";

type ModelClass = new (data: unknown) => { validate(): void };

/** Packages holding models, tried in order, by API group. */
const MODEL_PACKAGES: ReadonlyArray<(group: string) => string | undefined> = [
    // Built-in groups: kubernetes-models/<group>/<version>, the core group at kubernetes-models/<version>.
    (group) => (group === "" ? "kubernetes-models" : `kubernetes-models/${group}`),
    // The operators' CRDs: cert-manager.io, bitnami.com (sealed secrets), monitoring.coreos.com.
    (group) => (group.endsWith("cert-manager.io") ? `@kubernetes-models/cert-manager/${group}` : undefined),
    (group) => (group === "bitnami.com" ? `@kubernetes-models/sealed-secrets/${group}` : undefined),
    (group) => (group === "monitoring.coreos.com" ? `@kubernetes-models/prometheus-operator/${group}` : undefined),
];

function loadModel(apiVersion: string, kind: string): ModelClass | undefined {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    for (const packageFor of MODEL_PACKAGES) {
        const base = packageFor(group);
        if (!base) continue;
        try {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const module = require(`${base}/${version}/${kind}`);
            if (typeof module[kind] === "function") return module[kind] as ModelClass;
        } catch {
            // not in this package
        }
    }
    return undefined;
}

export interface SchemaResult {
    readonly ok: boolean;
    readonly errors: string[];
}

export function validateObject(object: KubernetesObject): SchemaResult {
    const Model = loadModel(object.apiVersion, object.kind);
    if (!Model) {
        return { ok: false, errors: [`no schema known for ${object.apiVersion} ${object.kind}`] };
    }
    try {
        new Model(object).validate();
        return { ok: true, errors: [] };
    } catch (err) {
        const details = (err as { errors?: Array<{ instancePath: string; message?: string; params?: unknown }> }).errors;
        if (details?.length) {
            return { ok: false, errors: details.map((d) => `${d.instancePath || "/"} ${d.message ?? "is invalid"} ${JSON.stringify(d.params ?? {})}`) };
        }
        return { ok: false, errors: [(err as Error).message] };
    }
}
