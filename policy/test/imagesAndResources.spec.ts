import * as assert from "assert";
import { imagePinProblem, parseImage } from "../policies/imagesAndResources";
import { DIGEST, TestResource, compliantPod, policyNamed, runResourcePolicy, workload } from "./support/harness";

function withContainer(change: (container: Record<string, any>) => void, kind: "Deployment" | "Job" = "Deployment"): TestResource {
    const pod = compliantPod();
    change(pod.spec.containers[0]);
    return workload(kind, pod, { name: "web" });
}

describe("images and resources policies", () => {
    describe("container-resources", () => {
        const policy = policyNamed("container-resources");

        it("passes containers with CPU and memory requests and limits", () => {
            assert.deepStrictEqual(runResourcePolicy(policy, withContainer(() => undefined)).violations, []);
        });

        it("names each missing request and limit", () => {
            const outcome = runResourcePolicy(policy, withContainer((c) => (c.resources = { requests: { cpu: "100m" } })));
            assert.deepStrictEqual(outcome.violations, ['Deployment platform-apps/web: container "web" sets no resources.requests.memory, resources.limits.cpu, resources.limits.memory.']);
        });

        it("checks init containers too", () => {
            const pod = compliantPod();
            pod.spec.initContainers = [{ name: "migrate", image: `registry.example.com/migrate:1@${DIGEST}` }];
            assert.match(runResourcePolicy(policy, workload("Job", pod)).violations[0], /container "migrate" sets no resources.requests.cpu/);
        });
    });

    describe("image-pinned", () => {
        const policy = policyNamed("image-pinned");

        it("reads tags and digests without mistaking a registry port for a tag", () => {
            assert.deepStrictEqual(parseImage("localhost:5001/patroni"), { tag: undefined, digest: undefined });
            assert.deepStrictEqual(parseImage("localhost:5001/patroni:17"), { tag: "17", digest: undefined });
            assert.deepStrictEqual(parseImage(`ghcr.io/a/b:1.0@${DIGEST}`), { tag: "1.0", digest: DIGEST });
        });

        it("requires a version tag that is not latest", () => {
            assert.strictEqual(imagePinProblem("registry.example.com/web:1.2.3", false), undefined);
            assert.match(imagePinProblem("registry.example.com/web", false)!, /not pinned/);
            assert.match(imagePinProblem("registry.example.com/web:latest", false)!, /not pinned/);
            assert.match(imagePinProblem(undefined, false)!, /has no image/);
        });

        it("accepts a digest alone, but only a well-formed sha256 one", () => {
            assert.strictEqual(imagePinProblem(`registry.example.com/web@${DIGEST}`, true), undefined);
            assert.match(imagePinProblem("registry.example.com/web@sha256:abc", false)!, /digest is not sha256/);
        });

        it("requires a digest when the config says so (prod) and not otherwise", () => {
            const tagged = withContainer((c) => (c.image = "registry.example.com/web:1.2.3"));
            assert.deepStrictEqual(runResourcePolicy(policy, tagged, { requireDigest: false }).violations, []);
            assert.deepStrictEqual(runResourcePolicy(policy, tagged).violations, [
                'Deployment platform-apps/web: container "web" uses image registry.example.com/web:1.2.3 without a digest; pin it as registry.example.com/web:1.2.3@sha256:<digest>.',
            ]);
            assert.deepStrictEqual(runResourcePolicy(policy, withContainer(() => undefined)).violations, []);
        });
    });

    describe("helm-chart-pinned", () => {
        const policy = policyNamed("helm-chart-pinned");
        const chart = (type: string, props: Record<string, any>): TestResource => ({ type, props, name: "cert-manager" });

        it("passes charts and releases with an exact version", () => {
            for (const type of ["kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v3:Chart"]) {
                assert.deepStrictEqual(runResourcePolicy(policy, chart(type, { chart: "oci://quay.io/jetstack/charts/cert-manager", version: "v1.21.0" })).violations, [], type);
            }
        });

        it("fails charts without a version or with a range", () => {
            assert.deepStrictEqual(runResourcePolicy(policy, chart("kubernetes:helm.sh/v4:Chart", { chart: "traefik", namespace: "platform-edge" })).violations, [
                "Chart platform-edge/cert-manager: chart traefik must name an exact version (got null).",
            ]);
            assert.match(runResourcePolicy(policy, chart("kubernetes:helm.sh/v3:Release", { chart: "loki", version: "^6.0.0" })).violations[0], /got "\^6.0.0"/);
            assert.match(runResourcePolicy(policy, chart("kubernetes:helm.sh/v4:Chart", { chart: "loki", version: "6.x" })).violations[0], /exact version/);
        });

        it("accepts charts from the repository or an archive, whose version is fixed", () => {
            assert.deepStrictEqual(runResourcePolicy(policy, chart("kubernetes:helm.sh/v4:Chart", { chart: "./charts/app" })).violations, []);
            assert.deepStrictEqual(runResourcePolicy(policy, chart("kubernetes:helm.sh/v3:Chart", { path: "charts/app" })).violations, []);
            assert.deepStrictEqual(runResourcePolicy(policy, chart("kubernetes:helm.sh/v4:Chart", { chart: "https://example.com/app-1.0.0.tgz" })).violations, []);
        });

        it("does not judge a Chart component registered without the program's inputs", () => {
            assert.match(runResourcePolicy(policy, chart("kubernetes:helm.sh/v4:Chart", {})).notApplicable ?? "", /inputs are not visible/);
        });

        it("does not apply to other resources", () => {
            assert.ok(runResourcePolicy(policy, withContainer(() => undefined)).notApplicable);
        });
    });
});
