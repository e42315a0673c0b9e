import * as assert from "assert";
import { tlsCovers } from "../policies/secretsAndTls";
import { TestResource, compliantPod, copy, policyNamed, runResourcePolicy, workload } from "./support/harness";

const secret = (props: Record<string, any>, name = "db-credentials"): TestResource => ({
    type: "kubernetes:core/v1:Secret",
    props: { metadata: { name, namespace: "platform-storage" }, ...props },
});

function ingress(spec: Record<string, any>): TestResource {
    return { type: "kubernetes:networking.k8s.io/v1:Ingress", props: { metadata: { name: "web", namespace: "platform-apps" }, spec } };
}

const rules = [{ host: "app.data.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } }];

describe("secrets and TLS policies", () => {
    describe("secret-no-literal-data", () => {
        const policy = policyNamed("secret-no-literal-data");

        it("passes Secrets without literal values", () => {
            assert.deepStrictEqual(runResourcePolicy(policy, secret({ type: "kubernetes.io/service-account-token" })).violations, []);
            assert.deepStrictEqual(runResourcePolicy(policy, secret({ data: {} })).violations, []);
        });

        it("fails Secrets with data or stringData, naming the keys but not the values", () => {
            const [message] = runResourcePolicy(policy, secret({ data: { password: "c2VjcmV0" }, stringData: { user: "app" } })).violations;
            assert.strictEqual(message, "Secret platform-storage/db-credentials holds literal data and stringData (keys: password, user); use a SealedSecret.");
            assert.doesNotMatch(message, /c2VjcmV0/);
            assert.strictEqual(runResourcePolicy(policy, { ...secret({ stringData: { a: "b" } }), type: "kubernetes:core/v1:SecretPatch" }).violations.length, 1);
        });

        it("allows the allow-listed Secret only", () => {
            const config = { exceptions: [{ kind: "Secret", namespace: "kube-system", name: "sealed-secrets-key", reason: "the controller's own key pair must exist before it starts" }] };
            const key = { type: "kubernetes:core/v1:Secret", props: { metadata: { name: "sealed-secrets-key", namespace: "kube-system" }, data: { "tls.key": "x" } } };
            assert.deepStrictEqual(runResourcePolicy(policy, key, config).violations, []);
            assert.strictEqual(runResourcePolicy(policy, secret({ data: { a: "b" } }), config).violations.length, 1);
        });
    });

    describe("service-account-token-automount", () => {
        const policy = policyNamed("service-account-token-automount");

        it("passes pods that do not mount a token", () => {
            assert.deepStrictEqual(runResourcePolicy(policy, workload("StatefulSet", compliantPod())).violations, []);
        });

        it("fails pods that mount one, explicitly or by default", () => {
            const pod = copy(compliantPod());
            delete pod.spec.automountServiceAccountToken;
            assert.match(runResourcePolicy(policy, workload("CronJob", pod, { name: "backup" })).violations[0], /^CronJob platform-apps\/backup mounts a service-account token/);
            pod.spec.automountServiceAccountToken = true;
            assert.strictEqual(runResourcePolicy(policy, workload("Pod", pod)).violations.length, 1);
        });

        it("allows a workload declared in the config", () => {
            const pod = copy(compliantPod());
            pod.spec.automountServiceAccountToken = true;
            const config = { exceptions: [{ kind: "StatefulSet", namespace: "platform-storage", name: "postgres", reason: "Patroni keeps its leader lock in ConfigMaps through the API" }] };
            assert.deepStrictEqual(runResourcePolicy(policy, workload("StatefulSet", pod, { name: "postgres", namespace: "platform-storage" }), config).violations, []);
        });
    });

    describe("ingress-tls", () => {
        const policy = policyNamed("ingress-tls");

        it("matches wildcard certificates to one label", () => {
            assert.ok(tlsCovers("*.data.example.com", "app.data.example.com"));
            assert.ok(!tlsCovers("*.data.example.com", "a.b.data.example.com"));
            assert.ok(!tlsCovers("*.data.example.com", "data.example.com"));
            assert.ok(tlsCovers("app.data.example.com", "app.data.example.com"));
        });

        it("passes an Ingress with TLS for each host", () => {
            assert.deepStrictEqual(runResourcePolicy(policy, ingress({ rules, tls: [{ hosts: ["app.data.example.com"], secretName: "web-tls" }] })).violations, []);
        });

        it("fails an Ingress without TLS, with uncovered hosts, host-less rules or no certificate Secret", () => {
            assert.deepStrictEqual(runResourcePolicy(policy, ingress({ rules })).violations, ["Ingress platform-apps/web has no tls section: its hosts are served over plain HTTP."]);
            assert.deepStrictEqual(runResourcePolicy(policy, ingress({ rules: [...rules, { host: "api.data.example.com" }, {}], tls: [{ hosts: ["app.data.example.com"] }] })).violations, [
                "Ingress platform-apps/web has a rule without a host, which no TLS certificate can cover.",
                "Ingress platform-apps/web routes api.data.example.com without a TLS entry for it.",
                "Ingress platform-apps/web has a tls entry without secretName.",
            ]);
        });

        it("lets a stack serve the controller's default certificate when configured", () => {
            assert.deepStrictEqual(runResourcePolicy(policy, ingress({ rules, tls: [{ hosts: ["app.data.example.com"] }] }), { requireTlsSecretName: false }).violations, []);
        });
    });
});
