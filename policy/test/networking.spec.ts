import * as assert from "assert";
import { isDefaultDeny, openEgress } from "../policies/networking";
import { TestResource, compliantPod, policyNamed, runResourcePolicy, runStackPolicy, workload } from "./support/harness";

function networkPolicy(name: string, namespace: string, spec: Record<string, any>): TestResource {
    return { type: "kubernetes:networking.k8s.io/v1:NetworkPolicy", props: { metadata: { name, namespace }, spec } };
}

const namespace = (name: string): TestResource => ({ type: "kubernetes:core/v1:Namespace", props: { metadata: { name } } });
const defaultDeny = (ns: string) => networkPolicy("default-deny", ns, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
const service = (spec: Record<string, any>, name = "web"): TestResource => ({ type: "kubernetes:core/v1:Service", props: { metadata: { name, namespace: "platform-edge" }, spec } });

describe("networking policies", () => {
    describe("namespace-default-deny", () => {
        const policy = policyNamed("namespace-default-deny");

        it("recognises a default-deny policy by what it does", () => {
            assert.ok(isDefaultDeny({ podSelector: {}, policyTypes: ["Ingress", "Egress"] }));
            assert.ok(isDefaultDeny({ podSelector: { matchLabels: {} }, policyTypes: ["Egress", "Ingress"] }));
            assert.ok(!isDefaultDeny({ podSelector: {}, policyTypes: ["Ingress"] }));
            assert.ok(!isDefaultDeny({ podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress", "Egress"] }));
            assert.ok(!isDefaultDeny({ podSelector: {}, policyTypes: ["Ingress", "Egress"], egress: [{}] }));
        });

        it("passes namespaces with a default-deny policy", () => {
            assert.deepStrictEqual(runStackPolicy(policy, [namespace("platform-apps"), defaultDeny("platform-apps")]), []);
        });

        it("fails a namespace whose only policies allow traffic or sit elsewhere", () => {
            const dns = networkPolicy("allow-dns-egress", "platform-apps", { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ port: 53 }] }] });
            const violations = runStackPolicy(policy, [namespace("platform-apps"), dns, defaultDeny("platform-storage")]);
            assert.deepStrictEqual(violations.map((v) => v.message), ["Namespace platform-apps has no default-deny NetworkPolicy: all traffic to and from its pods is allowed."]);
            assert.match(violations[0].urn ?? "", /Namespace::platform-apps$/);
        });
    });

    describe("pod-network-policy", () => {
        const policy = policyNamed("pod-network-policy");
        const web = workload("Deployment", compliantPod({ app: "web" }), { name: "web" });

        it("passes pods selected by a policy of their namespace", () => {
            assert.deepStrictEqual(runStackPolicy(policy, [web, defaultDeny("platform-apps")]), []);
            assert.deepStrictEqual(runStackPolicy(policy, [web, networkPolicy("web", "platform-apps", { podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["web"] }] } })]), []);
        });

        it("fails pods no policy of their namespace selects", () => {
            const other = networkPolicy("db", "platform-apps", { podSelector: { matchLabels: { app: "db" } } });
            const violations = runStackPolicy(policy, [web, other, defaultDeny("platform-storage")]);
            assert.deepStrictEqual(violations.map((v) => v.message), ["Deployment platform-apps/web: no NetworkPolicy in namespace platform-apps selects its pods, so their traffic is not restricted."]);
        });

        it("places objects without a namespace in the provider's default namespace", () => {
            const bare: TestResource = { ...workload("Pod", compliantPod()), provider: { type: "pulumi:providers:kubernetes", props: { namespace: "platform-apps" } } };
            delete bare.props.metadata.namespace;
            assert.deepStrictEqual(runStackPolicy(policy, [bare, defaultDeny("platform-apps")]), []);
        });
    });

    describe("service-external-exposure", () => {
        const policy = policyNamed("service-external-exposure");
        const ingressController = { kind: "Service", namespace: "platform-edge", name: "traefik", reason: "the ingress controller is the platform's entry point" };

        it("passes cluster-internal Services", () => {
            assert.deepStrictEqual(runResourcePolicy(policy, service({ type: "ClusterIP", ports: [{ port: 80 }] })).violations, []);
            assert.deepStrictEqual(runResourcePolicy(policy, service({ clusterIP: "None" })).violations, []);
        });

        it("fails NodePort and LoadBalancer Services and external IPs", () => {
            assert.deepStrictEqual(runResourcePolicy(policy, service({ type: "LoadBalancer" })).violations, [
                "Service platform-edge/web is of type LoadBalancer; publish through the ingress controller, or allow-list the Service with the reason.",
            ]);
            assert.match(runResourcePolicy(policy, service({ type: "NodePort" })).violations[0], /type NodePort/);
            assert.match(runResourcePolicy(policy, service({ externalIPs: ["203.0.113.7"] })).violations[0], /externalIPs 203.0.113.7/);
        });

        it("allows only the allow-listed Service", () => {
            const config = { exceptions: [ingressController] };
            assert.deepStrictEqual(runResourcePolicy(policy, service({ type: "LoadBalancer" }, "traefik"), config).violations, []);
            assert.strictEqual(runResourcePolicy(policy, service({ type: "LoadBalancer" }, "web"), config).violations.length, 1);
        });
    });

    describe("network-egress-open", () => {
        const policy = policyNamed("network-egress-open");
        const egress = (rules: Record<string, any>[]) => networkPolicy("app", "platform-apps", { podSelector: {}, policyTypes: ["Egress"], egress: rules });

        it("recognises rules that reach every address", () => {
            assert.strictEqual(openEgress({ to: [{ ipBlock: { cidr: "10.0.0.0/8" } }], ports: [{ protocol: "TCP", port: 443 }] }), undefined);
            assert.strictEqual(openEgress({ to: [{ podSelector: {} }] }), undefined);
            assert.strictEqual(openEgress({ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }] }), undefined, "an exception carved out is a choice, not an open door");
            assert.strictEqual(openEgress({ ports: [{ protocol: "TCP", port: 443 }] }), "has no destinations (any address) on TCP/443");
            assert.strictEqual(openEgress({ to: [{ ipBlock: { cidr: "::/0" } }] }), "reaches ::/0 on every port");
        });

        it("passes policies that name their destinations, and ingress-only policies", () => {
            assert.deepStrictEqual(runResourcePolicy(policy, egress([{ to: [{ ipBlock: { cidr: "10.1.0.2/32" } }], ports: [{ protocol: "TCP", port: 6443 }] }])).violations, []);
            assert.deepStrictEqual(runResourcePolicy(policy, networkPolicy("in", "platform-apps", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] })).violations, []);
        });

        it("fails egress to 0.0.0.0/0 and egress without destinations, naming the rule", () => {
            assert.deepStrictEqual(runResourcePolicy(policy, egress([{ to: [{ podSelector: {} }] }, { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: 6443 }] }, { ports: [{ port: 80 }] }])).violations, [
                "NetworkPolicy platform-apps/app: egress rule 2 reaches 0.0.0.0/0 on TCP/443, TCP/6443; name the destinations, or allow-list the policy with the reason.",
                "NetworkPolicy platform-apps/app: egress rule 3 has no destinations (any address) on TCP/80; name the destinations, or allow-list the policy with the reason.",
            ]);
        });

        it("lets an allow-listed policy through with its reason", () => {
            const config = { exceptions: [{ kind: "NetworkPolicy", namespace: "platform-apps", name: "app", reason: "the ACME directory has no fixed address" }] };
            assert.match(runResourcePolicy(policy, egress([{ ports: [{ port: 443 }] }]), config).notApplicable ?? "", /allow-listed: the ACME directory/);
        });
    });
});
