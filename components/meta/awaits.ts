// What Pulumi waits for. The provider waits until a Service has endpoints and an Ingress reports
// an address; a Service that may rightly stay without endpoints would fail `pulumi up` after its
// await's timeout. Such a Service skips the await, and says why, so the choice stays reviewable
// (a test checks that every Service either selects pods of the stack or carries a reason).

export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";
export const SKIP_AWAIT_REASON_ANNOTATION = "data-platform/skip-await-reason";

/** Annotations that skip the provider's await, with the reason. */
export function skipAwait(reason: string): Record<string, string> {
    return { [SKIP_AWAIT_ANNOTATION]: "true", [SKIP_AWAIT_REASON_ANNOTATION]: reason };
}

/**
 * Labels a controller sets on the pods at run time (e.g. Patroni's role), with the values they
 * take in this stack, declared on the pod template so Services selecting them can be checked.
 */
export const RUNTIME_LABELS_ANNOTATION = "data-platform/runtime-labels";

export function runtimeLabelsAnnotation(labels: Readonly<Record<string, readonly string[]>>): Record<string, string> {
    return { [RUNTIME_LABELS_ANNOTATION]: JSON.stringify(labels) };
}

/** Why headless Services of StatefulSets skip the await. */
export const HEADLESS_SERVICE_REASON = "a headless Service waited for with its StatefulSet can deadlock the update (pulumi-kubernetes#1974)";
