// CustomResourceDefinitions of our own for kinds whose controller a stack does not install
// (install: none, e.g. the e2e stack on a control plane without charts): just enough for the API
// server to store the platform's objects of those kinds, so the same `pulumi up` creates them
// after their definitions. They validate nothing (the upstream CRDs do) and nothing reconciles them.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PART_OF } from "./labels";

/** A kind the platform creates objects of. */
export interface FixtureKind {
    readonly group: string;
    readonly version: string;
    readonly kind: string;
    readonly plural: string;
    readonly scope: "Namespaced" | "Cluster";
}

export const FIXTURE_ANNOTATION = "data-platform/crd-fixture";

/** The definition of one kind: any fields, a status subresource, served and stored at its version. */
export function fixtureCrdSpec(kind: FixtureKind) {
    return {
        group: kind.group,
        names: { kind: kind.kind, listKind: `${kind.kind}List`, plural: kind.plural, singular: kind.kind.toLowerCase() },
        scope: kind.scope,
        versions: [
            {
                name: kind.version,
                served: true,
                storage: true,
                schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
                subresources: { status: {} },
            },
        ],
    };
}

/** The fixture CRDs of a controller that is not installed, as children of `parent`. */
export function fixtureCrds(prefix: string, kinds: readonly FixtureKind[], parent: pulumi.Resource): k8s.apiextensions.v1.CustomResourceDefinition[] {
    return kinds.map(
        (kind) =>
            new k8s.apiextensions.v1.CustomResourceDefinition(
                `${prefix}-crd-${kind.plural}`,
                {
                    metadata: {
                        name: `${kind.plural}.${kind.group}`,
                        labels: { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi" },
                        annotations: { [FIXTURE_ANNOTATION]: "install: none - stores the platform's objects; the controller's own CRD validates them" },
                    },
                    spec: fixtureCrdSpec(kind),
                },
                { parent },
            ),
    );
}
