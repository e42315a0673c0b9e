// Images and resources: every container declares requests and limits, every image is pinned (a tag
// other than `latest`, and a digest where the config requires one), and every Helm chart or
// release names an exact chart version.
import { EnforcementLevel, Policies, ResourceValidationPolicy } from "@pulumi/policy";
import { KubernetesResource, podContainers } from "../lib/kubernetes";
import { BaseConfig, configSchema, describeRef, validateObjects, validateWorkloads } from "../lib/policy";

export interface ImagesAndResourcesConfig {
    /** Images must be referenced by digest (`name@sha256:…`), not only by tag. */
    readonly requireDigest: boolean;
}

const RESOURCE_FIELDS = [
    ["requests", "cpu"],
    ["requests", "memory"],
    ["limits", "cpu"],
    ["limits", "memory"],
] as const;

function containerResourcesPolicy(enforcementLevel: EnforcementLevel): ResourceValidationPolicy {
    const schema = configSchema();
    return {
        name: "container-resources",
        description: "Every container (init containers included) sets CPU and memory requests and limits.",
        enforcementLevel,
        configSchema: schema,
        validateResource: validateWorkloads(schema, (workload, _config, _args, reportViolation) => {
            for (const { container, list } of podContainers(workload.podSpec)) {
                if (list === "ephemeralContainers") continue; // ephemeral containers cannot have resources
                const resources = container.resources ?? {};
                const missing = RESOURCE_FIELDS.filter(([side, resource]) => resources[side]?.[resource] === undefined).map(([side, resource]) => `resources.${side}.${resource}`);
                if (missing.length > 0) reportViolation(`${describeRef(workload.ref)}: container "${container.name}" sets no ${missing.join(", ")}.`);
            }
        }),
    };
}

/** `registry:5000/team/app:1.2@sha256:…` -> tag `1.2`, digest `sha256:…`; the port is not a tag. */
export function parseImage(image: string): { tag?: string; digest?: string } {
    const [reference, digest] = image.split("@", 2);
    const lastSegment = reference.slice(reference.lastIndexOf("/") + 1);
    const colon = lastSegment.lastIndexOf(":");
    return { tag: colon >= 0 ? lastSegment.slice(colon + 1) : undefined, digest };
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Why an image reference is not pinned, or undefined when it is. */
export function imagePinProblem(image: string | undefined, requireDigest: boolean): string | undefined {
    if (!image) return "has no image";
    const { tag, digest } = parseImage(image);
    if (digest !== undefined && !DIGEST.test(digest)) return `uses image ${image}, whose digest is not sha256:<64 hex digits>`;
    if (requireDigest && digest === undefined) return `uses image ${image} without a digest; pin it as ${image}@sha256:<digest>`;
    if (digest === undefined && (tag === undefined || tag === "" || tag === "latest")) return `uses image ${image}, which is not pinned: name a version tag (not latest)`;
    return undefined;
}

function imagePinnedPolicy(enforcementLevel: EnforcementLevel, defaults: ImagesAndResourcesConfig): ResourceValidationPolicy {
    const schema = configSchema({
        requireDigest: { type: "boolean", default: defaults.requireDigest, description: "Require every image to be referenced by digest." },
    });
    return {
        name: "image-pinned",
        description: "Every container image is pinned: a version tag other than latest, and a sha256 digest where the stack's config requires it.",
        enforcementLevel,
        configSchema: schema,
        validateResource: validateWorkloads<BaseConfig & ImagesAndResourcesConfig>(schema, (workload, config, _args, reportViolation) => {
            for (const { container } of podContainers(workload.podSpec)) {
                const problem = imagePinProblem(container.image, config.requireDigest);
                if (problem) reportViolation(`${describeRef(workload.ref)}: container "${container.name}" ${problem}.`);
            }
        }),
    };
}

/** The Helm resources of the Kubernetes provider; Chart components get inputs only where the program registers them. */
const HELM_KINDS: Record<string, readonly string[]> = { v4: ["Chart"], v3: ["Chart", "Release"] };

/** A Helm chart or release named by its release name and namespace (charts have no metadata). */
function asHelm(resource: KubernetesResource): KubernetesResource | undefined {
    if (resource.type.group !== "helm.sh" || !HELM_KINDS[resource.type.version]?.includes(resource.type.kind)) return undefined;
    const { name, namespace } = resource.object;
    return { ...resource, ref: { kind: resource.type.kind, namespace, name: name ?? resource.ref.name } };
}

const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** Charts read from the repository or from an archive carry their version with them. */
function isFixedChart(chart: string): boolean {
    return /^(\.{1,2}\/|\/)/.test(chart) || chart.endsWith(".tgz");
}

function helmChartPinnedPolicy(enforcementLevel: EnforcementLevel): ResourceValidationPolicy {
    const schema = configSchema();
    return {
        name: "helm-chart-pinned",
        description: "Every Helm chart and release names an exact chart version, so a preview and the update after it deploy the same chart.",
        enforcementLevel,
        configSchema: schema,
        validateResource: validateObjects(schema, asHelm, (helm, _config, args, reportViolation) => {
            const { chart, path, version } = helm.object;
            if (chart === undefined && path === undefined) {
                // A remote Chart component registered by the provider itself carries none of the program's inputs.
                return args.notApplicable("the chart's inputs are not visible on this registration");
            }
            if (path !== undefined || isFixedChart(String(chart))) return;
            if (typeof version !== "string" || !EXACT_VERSION.test(version)) {
                reportViolation(`${describeRef(helm.ref)}: chart ${chart} must name an exact version (got ${JSON.stringify(version ?? null)}).`);
            }
        }),
    };
}

/** Images and resources policies; `config` gives the default of `requireDigest`. */
export function imagesAndResourcesPolicies(enforcementLevel: EnforcementLevel, config: ImagesAndResourcesConfig): Policies {
    return [containerResourcesPolicy(enforcementLevel), imagePinnedPolicy(enforcementLevel, config), helmChartPinnedPolicy(enforcementLevel)];
}
