// Pod security: one policy per Pod Security Standards control (baseline and restricted, so every
// workload is held to `restricted` unless allow-listed per control), the namespaces' Pod Security
// Admission labels, and agreement between the two so that no allow-listed pod is rejected at admission.
import { EnforcementLevel, Policies, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { KubernetesResource, asWorkload, podContainers } from "../lib/kubernetes";
import {
    CONTROLS,
    POD_SECURITY_LEVELS,
    PodSecurityControl,
    PodSecurityLevel,
    describeFailure,
    evaluatePod,
} from "../lib/podSecurityStandards";
import { BaseConfig, configSchema, describeRef, namespaceOf, ofKind, stackObjects, validateObjects, validateStackObjects, validateWorkloads } from "../lib/policy";

const STANDARDS_URL = "https://kubernetes.io/docs/concepts/security/pod-security-standards/";
export const ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";

/** A namespace allowed to enforce a weaker level than restricted, and why. */
export interface NamespaceExemption {
    readonly name: string;
    readonly enforce: Exclude<PodSecurityLevel, "restricted">;
    readonly reason: string;
}

export interface PodSecurityConfig {
    /** Namespaces that may enforce `baseline` or `privileged` admission. */
    readonly exemptNamespaces: readonly NamespaceExemption[];
}

/** `hostProbesAndHostLifecycle` -> `pod-security-host-probes-and-host-lifecycle`. */
export function controlPolicyName(control: PodSecurityControl): string {
    return `pod-security-${control.id.replace(/_/g, "-").replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase()}`;
}

function controlPolicy(control: PodSecurityControl, enforcementLevel: EnforcementLevel): ResourceValidationPolicy {
    const schema = configSchema();
    return {
        name: controlPolicyName(control),
        description: `Pod Security Standards (${control.level}), ${control.title}: ${control.requirement}`,
        enforcementLevel,
        configSchema: schema,
        url: STANDARDS_URL,
        validateResource: validateWorkloads(schema, (workload, _config, _args, reportViolation) => {
            const result = control.check(workload.podMetadata, workload.podSpec);
            if (result) reportViolation(`${describeRef(workload.ref)}: ${describeFailure(result)}`);
        }),
    };
}

/** The level a Namespace's enforce label names, if it names one. */
function enforcedLevel(namespace: KubernetesResource): PodSecurityLevel | undefined {
    const level = namespace.object.metadata?.labels?.[ENFORCE_LABEL];
    return POD_SECURITY_LEVELS.includes(level) ? level : undefined;
}

function admissionLabelsPolicy(enforcementLevel: EnforcementLevel, defaults: PodSecurityConfig): ResourceValidationPolicy {
    const schema = configSchema({
        exemptNamespaces: {
            type: "array",
            description: "Namespaces that may enforce a weaker level than restricted: name, level and why.",
            default: [...defaults.exemptNamespaces],
            items: {
                type: "object",
                additionalProperties: false,
                required: ["name", "enforce", "reason"],
                properties: {
                    name: { type: "string", minLength: 1 },
                    enforce: { enum: ["baseline", "privileged"] },
                    reason: { type: "string", minLength: 10 },
                },
            },
        },
    });
    return {
        name: "pod-security-admission-labels",
        description: `Every namespace enforces Pod Security Admission (label ${ENFORCE_LABEL}) at restricted, or at the weaker level its exemption in the policy config names.`,
        enforcementLevel,
        configSchema: schema,
        url: "https://kubernetes.io/docs/concepts/security/pod-security-admission/",
        validateResource: validateObjects<KubernetesResource, BaseConfig & PodSecurityConfig>(
            schema,
            ofKind(["core"], "Namespace"),
            (namespace, config, _args, reportViolation) => {
                const level = enforcedLevel(namespace);
                const name = namespace.ref.name;
                if (!level) {
                    const label = namespace.object.metadata?.labels?.[ENFORCE_LABEL];
                    reportViolation(`Namespace ${name} must set label ${ENFORCE_LABEL} to one of ${POD_SECURITY_LEVELS.join(", ")} (got ${JSON.stringify(label ?? null)}).`);
                    return;
                }
                if (level === "restricted") return;
                const exemption = config.exemptNamespaces.find((e) => e.name === name);
                if (!exemption) {
                    reportViolation(`Namespace ${name} enforces "${level}"; only namespaces listed in exemptNamespaces may enforce less than "restricted".`);
                } else if (exemption.enforce !== level) {
                    reportViolation(`Namespace ${name} enforces "${level}" but its exemption allows "${exemption.enforce}".`);
                }
            },
        ),
    };
}

function admissionAgreementPolicy(enforcementLevel: EnforcementLevel): StackValidationPolicy {
    const schema = configSchema();
    return {
        name: "pod-security-admission-agreement",
        description:
            "Every pod passes the Pod Security Admission level its namespace enforces, so exceptions allowed by this pack agree with the namespace labels and no pod is rejected at admission.",
        enforcementLevel,
        configSchema: schema,
        validateStack: validateStackObjects(schema, (args, reportViolation, allowListed) => {
            const levels = new Map(stackObjects(args, ofKind(["core"], "Namespace")).map(({ object }) => [object.ref.name, enforcedLevel(object)]));
            for (const { resource, object: workload } of stackObjects(args, asWorkload)) {
                const namespace = namespaceOf(workload.ref, resource.provider);
                const level = levels.get(namespace);
                // Namespaces outside the stack, or without a valid label (reported by the labels policy), are not judged here.
                if (!level || allowListed(workload.ref)) continue;
                const rejected = evaluatePod(level, workload.podMetadata, workload.podSpec);
                if (rejected.length > 0) {
                    reportViolation(
                        `${describeRef(workload.ref)}: namespace ${namespace} enforces "${level}", whose admission rejects it: ${rejected.map(describeFailure).join("; ")}`,
                        resource.urn,
                    );
                }
            }
        }),
    };
}

const CONTAINER_KIND = { initContainers: "init container", containers: "container", ephemeralContainers: "ephemeral container" } as const;

/**
 * Not a Pod Security Standard control, but in every hardening benchmark (Polaris, kube-score,
 * kube-linter): a container cannot write its own image, so a compromised process cannot plant
 * binaries or alter its configuration; writable paths are explicit volumes.
 */
function readOnlyRootFilesystemPolicy(enforcementLevel: EnforcementLevel): ResourceValidationPolicy {
    const schema = configSchema();
    return {
        name: "container-read-only-root-filesystem",
        description: "Every container (init and ephemeral containers included) sets securityContext.readOnlyRootFilesystem: true; what it writes goes to explicit volumes.",
        enforcementLevel,
        configSchema: schema,
        validateResource: validateWorkloads(schema, (workload, _config, _args, reportViolation) => {
            for (const { container, list } of podContainers(workload.podSpec)) {
                if (container.securityContext?.readOnlyRootFilesystem !== true) {
                    reportViolation(`${describeRef(workload.ref)}: ${CONTAINER_KIND[list]} "${container.name}" does not set securityContext.readOnlyRootFilesystem: true.`);
                }
            }
        }),
    };
}

/** Pod security policies; `config` gives the defaults of the namespace exemptions. */
export function podSecurityPolicies(enforcementLevel: EnforcementLevel, config: PodSecurityConfig): Policies {
    return [
        ...CONTROLS.map((control) => controlPolicy(control, enforcementLevel)),
        admissionLabelsPolicy(enforcementLevel, config),
        admissionAgreementPolicy(enforcementLevel),
        readOnlyRootFilesystemPolicy(enforcementLevel),
    ];
}

