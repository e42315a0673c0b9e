import * as assert from "assert";
import { resolveConfig } from "../config";
import { PlatformNamespaces, DEFAULT_DENY_POLICY, TIER_NAMES, TIERS } from "../components/namespaces";
import { dnsEgressSpec, podSecurityLabels, quotaHard, DEFAULT_CLUSTER_DNS } from "../components/namespaces/manifests";
import { MockedResource, ofType, settled, useMocks } from "./support/mocks";
import { rawConfigOf } from "./support/stacks";

describe("tiered namespaces", () => {
    describe("pure manifests", () => {
        it("enforce restricted in every tier but node-agents, which says why", () => {
            for (const tier of TIER_NAMES) {
                const labels = podSecurityLabels(TIERS[tier]);
                assert.strictEqual(labels["pod-security.kubernetes.io/warn"], "restricted");
                assert.strictEqual(labels["pod-security.kubernetes.io/audit"], "restricted");
                if (tier === "node-agents") {
                    assert.strictEqual(labels["pod-security.kubernetes.io/enforce"], "privileged");
                    assert.match(TIERS[tier].exception ?? "", /\/var\/log/);
                } else {
                    assert.strictEqual(labels["pod-security.kubernetes.io/enforce"], "restricted", tier);
                    assert.strictEqual(TIERS[tier].exception, undefined);
                }
            }
        });

        it("forbid LoadBalancer and NodePort Services outside the edge tier", () => {
            const config = resolveConfig(rawConfigOf("prod"));
            for (const tier of TIER_NAMES) {
                const hard = quotaHard(config.namespaces.tiers[tier].quota);
                const expected = tier === "edge" ? "1" : "0";
                assert.strictEqual(hard["services.loadbalancers"], expected, tier);
            }
        });

        it("allow DNS to kube-dns only, on port 53 over UDP and TCP", () => {
            const spec = dnsEgressSpec(DEFAULT_CLUSTER_DNS);
            assert.deepStrictEqual(spec.policyTypes, ["Egress"]);
            assert.strictEqual(spec.egress.length, 1);
            assert.deepStrictEqual(spec.egress[0].to[0].namespaceSelector.matchLabels, { "kubernetes.io/metadata.name": "kube-system" });
            assert.deepStrictEqual(spec.egress[0].ports, [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }]);
        });
    });

    describe("component under mocks", () => {
        for (const stack of ["dev", "prod"]) {
            describe(`${stack} stack`, () => {
                const config = resolveConfig(rawConfigOf(stack));
                let resources: MockedResource[] = [];
                before(async () => {
                    resources = useMocks(stack);
                    const namespaces = new PlatformNamespaces("namespaces", {
                        prefix: config.namespaces.prefix,
                        tiers: config.namespaces.tiers,
                        environment: config.environment,
                    });
                    await settled(...Object.values(namespaces.names));
                });

                it("creates one namespace per tier, named <prefix>-<tier>, with PSA and standard labels", () => {
                    const namespaces = ofType(resources, "kubernetes:core/v1:Namespace");
                    assert.deepStrictEqual(namespaces.map((n) => n.inputs.metadata.name).sort(), TIER_NAMES.map((t) => `platform-${t}`).sort());
                    for (const ns of namespaces) {
                        const labels = ns.inputs.metadata.labels;
                        assert.ok(labels["pod-security.kubernetes.io/enforce"], ns.name);
                        assert.strictEqual(labels["app.kubernetes.io/part-of"], "data-platform");
                        assert.strictEqual(labels["app.kubernetes.io/managed-by"], "pulumi");
                        assert.strictEqual(labels["data-platform/environment"], stack);
                    }
                });

                it("gives every namespace a default-deny policy for ingress and egress over all pods", () => {
                    const policies = ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").filter((p) => p.inputs.metadata.name === DEFAULT_DENY_POLICY);
                    assert.deepStrictEqual(policies.map((p) => p.inputs.metadata.namespace).sort(), TIER_NAMES.map((t) => `platform-${t}`).sort());
                    for (const p of policies) {
                        assert.deepStrictEqual(p.inputs.spec.podSelector, {});
                        assert.deepStrictEqual(p.inputs.spec.policyTypes, ["Ingress", "Egress"]);
                        assert.strictEqual(p.inputs.spec.ingress, undefined);
                        assert.strictEqual(p.inputs.spec.egress, undefined);
                    }
                });

                it("sizes each namespace's quota and container defaults from the stack config", () => {
                    const quotas = ofType(resources, "kubernetes:core/v1:ResourceQuota");
                    const limits = ofType(resources, "kubernetes:core/v1:LimitRange");
                    assert.strictEqual(quotas.length, TIER_NAMES.length);
                    assert.strictEqual(limits.length, TIER_NAMES.length);
                    const storage = quotas.find((q) => q.inputs.metadata.namespace === "platform-storage");
                    assert.deepStrictEqual(storage?.inputs.spec.hard, quotaHard(config.namespaces.tiers.storage.quota));
                    const storageLimits = limits.find((l) => l.inputs.metadata.namespace === "platform-storage");
                    assert.strictEqual(storageLimits?.inputs.spec.limits[0].default.memory, config.namespaces.tiers.storage.containerDefaults.limits.memory);
                });
            });
        }
    });
});
