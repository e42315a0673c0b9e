import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { validateObject } from "../scripts/plan/schema";
import { filesUnder, objectsOf, planOf, runPlan } from "./support/plan";
import { PROJECT_DIR, STACKS, scratchProject } from "./support/stacks";

describe("offline plan", function () {
    for (const stack of STACKS) {
        describe(`${stack} stack`, () => {
            let first: ReturnType<typeof runPlan>;
            before(() => {
                first = planOf(stack);
            });

            it("exits 0 with every object schema-valid", () => {
                assert.strictEqual(first.code, 0, first.stderr + first.stdout);
                assert.match(first.stdout, /Schema validation: \d+ valid, 0 invalid/);
                assert.match(first.stdout, /└─ pulumi:pulumi:Stack  data-platform-/);
                assert.match(first.stdout, /Counts by type:/);
            });

            it("passes the policy pack, run through its analyzer server, with no mandatory violation", () => {
                assert.match(first.stdout, new RegExp(`^Policies \\(policy/config/${stack}\\.json\\): 0 mandatory`, "m"));
                assert.doesNotMatch(first.stdout, /\[mandatory\]/);
                assert.strictEqual(fs.readFileSync(path.join(first.outDir, "policy.txt"), "utf8").split("\n")[0], first.stdout.match(/^Policies .*$/m)![0]);
            });

            if (stack === "dev") {
                it("fits a laptop: the whole platform's long-running pods request at most 4 CPU and 8 GiB", () => {
                    const match = /Requests of long-running pods on one node: ([0-9.]+) CPU, ([0-9.]+) GiB/.exec(first.stdout);
                    assert.ok(match, first.stdout);
                    assert.ok(Number(match[1]) <= 4, `${match[1]} CPU`);
                    assert.ok(Number(match[2]) <= 8, `${match[2]} GiB`);
                    // Every chart is counted from the values we give it, so no chart may run without requests.
                    for (const chart of ["kube-prometheus-stack", "loki", "alloy", "traefik", "sealed-secrets", "cert-manager"]) {
                        assert.match(first.stdout, new RegExp(`\\[chart [^\\]]*${chart}\\]`));
                    }
                });
            }

            it("writes one YAML file per object, and every namespace has PSA labels and a default-deny policy", () => {
                const objects = objectsOf(first.outDir);
                const namespaces = objects.filter((o) => o.kind === "Namespace");
                assert.ok(namespaces.length >= 7);
                for (const ns of namespaces) {
                    assert.ok(ns.metadata.labels["pod-security.kubernetes.io/enforce"], ns.metadata.name);
                    const deny = objects.find((o) => o.kind === "NetworkPolicy" && o.metadata.namespace === ns.metadata.name && o.metadata.name === "default-deny");
                    assert.ok(deny, `no default-deny NetworkPolicy in ${ns.metadata.name}`);
                    assert.deepStrictEqual(deny.spec.policyTypes, ["Ingress", "Egress"]);
                }
            });

            it("is deterministic: a second plan is byte-identical", () => {
                const second = runPlan(stack);
                assert.strictEqual(second.code, 0, second.stderr);
                const files = filesUnder(first.outDir);
                assert.deepStrictEqual(filesUnder(second.outDir), files);
                for (const file of files) {
                    assert.ok(fs.readFileSync(path.join(first.outDir, file)).equals(fs.readFileSync(path.join(second.outDir, file))), `${file} differs`);
                }
            });
        });
    }

    it("fails on a wrong value with a message naming the key, and no stack trace", () => {
        const prod = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8");
        const dir = scratchProject({ broken: prod.replace("members: 3", "members: -2").replace("domain: data.example.com", "domain: data..example") });
        const run = runPlan("broken", { stackDir: dir });
        assert.strictEqual(run.code, 2);
        const lines = run.stderr.split("\n").filter((l) => l && !l.startsWith("npm warn"));
        assert.strictEqual(lines[0], 'error: invalid configuration for stack "broken":');
        assert.ok(lines.some((l) => l.includes("data-platform:postgres.members: got -2")), run.stderr);
        assert.ok(lines.some((l) => l.includes("data-platform:domain: got \"data..example\"")), run.stderr);
        assert.ok(!/\n\s+at /.test(run.stderr), "no stack trace");
        assert.ok(!fs.existsSync(path.join(run.outDir, "manifests")), "nothing rendered");
    });

    it("fails on an unknown environment", () => {
        const dir = scratchProject({ odd: "config:\n  data-platform:environment: qa\n  data-platform:domain: qa.example.com\n  data-platform:registry: r.example.com\n" });
        const run = runPlan("odd", { stackDir: dir });
        assert.strictEqual(run.code, 2);
        assert.match(run.stderr, /data-platform:environment: got "qa"; allowed: one of dev, staging, prod/);
    });

    it("plans any stack file put beside the others", () => {
        const dir = scratchProject({ alice: "config:\n  data-platform:environment: dev\n  data-platform:domain: alice.localhost\n  data-platform:registry: localhost:5001\n" });
        const run = runPlan("alice", { stackDir: dir });
        assert.strictEqual(run.code, 0, run.stderr + run.stdout);
        assert.ok(objectsOf(run.outDir).some((o) => o.kind === "Namespace" && o.metadata.name === "platform-storage"));
        assert.match(run.stdout, /Policies \(policy\/config\/dev\.json\)/, "a personal dev stack is held to dev's policy config");
    });

    it("tells which stack file is missing", () => {
        const run = runPlan("nosuchstack");
        assert.strictEqual(run.code, 2);
        assert.match(run.stderr, /^error: no stack file .*Pulumi\.nosuchstack\.yaml/m);
    });

    describe("schema validation", () => {
        it("accepts a valid object and names the path of an invalid one", () => {
            const ok = validateObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { k: "v" } });
            assert.deepStrictEqual(ok, { ok: true, errors: [] });
            const bad = validateObject({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "a" }, spec: { replicas: "three", selector: {}, template: {} } });
            assert.strictEqual(bad.ok, false);
            assert.ok(bad.errors.some((e) => e.startsWith("/spec/replicas must be integer")), bad.errors.join("; "));
        });

        it("refuses a kind it has no schema for", () => {
            const result = validateObject({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } });
            assert.deepStrictEqual(result, { ok: false, errors: ["no schema known for example.com/v1 Widget"] });
        });
    });
});
