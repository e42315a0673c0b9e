import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ServiceEndpoint, dependencyIngressSpec, servicePolicySpec } from "../components/web/networkPolicies";
import { ingressRules, routeHost, tlsSecretName } from "../components/web/siteIngress";
import { COLOUR_LABEL, WebService } from "../components/web/webService";
import { ConfigError, WebServiceSettings, resolveConfig } from "../config";
import { MockedResource, ofType, settled, testSealingKey, useMocks } from "./support/mocks";
import { rawConfigOf, withValues } from "./support/stacks";

const POSTGRES: ServiceEndpoint = { name: "postgres", namespace: "platform-storage", podLabels: { "app.kubernetes.io/name": "postgres", "app.kubernetes.io/component": "database" }, ports: [5432] };
const KAFKA: ServiceEndpoint = { name: "kafka", namespace: "platform-streaming", podLabels: { "app.kubernetes.io/name": "kafka", "data-platform/kafka-broker": "true" }, ports: [9092] };
const INGRESS_PEER = { namespaceSelector: { matchLabels: { "data-platform/tier": "edge" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "traefik" } } };

function service(overrides: Partial<WebServiceSettings> = {}): WebServiceSettings {
    return {
        name: "orders",
        build: "apps/sample-api",
        port: 8080,
        health: { startup: "/healthz", liveness: "/healthz", readiness: "/readyz" },
        metricsPath: "/metrics",
        env: { APP_MODE: "api" },
        generatedSecrets: ["JWT_SECRET"],
        secrets: "files",
        sso: false,
        replicas: 2,
        autoscaling: { min: 2, max: 10, targetCpu: 70 },
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        dependsOn: ["postgres"],
        ...overrides,
    };
}

async function deploy(settings: WebServiceSettings, dependencies: ServiceEndpoint[] = [POSTGRES]): Promise<MockedResource[]> {
    const resources = useMocks("prod");
    const web = new WebService(settings.name, {
        namespace: "platform-apps",
        settings,
        image: "registry.example.com/sample-api@sha256:" + "d".repeat(64),
        secretEnv: { JWT_SECRET: "jwt-value" },
        sealingKey: testSealingKey(),
        dependencies,
        ingressPeer: INGRESS_PEER,
        strictSpread: true,
    });
    await settled(pulumi.output(web.serviceName));
    return resources;
}

const byName = (resources: MockedResource[], type: string, name: string) => resources.find((r) => r.type === type && r.inputs.metadata?.name === name)?.inputs;

describe("web services", () => {
    describe("a plain service", () => {
        let resources: MockedResource[] = [];
        before(async () => {
            resources = await deploy(service());
        });

        it("rolls out one new pod at a time and never drops below capacity (maxSurge 1, maxUnavailable 0)", () => {
            const d = byName(resources, "kubernetes:apps/v1:Deployment", "orders");
            assert.deepStrictEqual(d.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
            assert.strictEqual(d.spec.replicas, undefined, "the HPA owns the replica count");
        });

        it("has startup, liveness and readiness probes on its health paths", () => {
            const c = byName(resources, "kubernetes:apps/v1:Deployment", "orders").spec.template.spec.containers[0];
            assert.strictEqual(c.startupProbe.httpGet.path, "/healthz");
            assert.strictEqual(c.livenessProbe.httpGet.path, "/healthz");
            assert.strictEqual(c.readinessProbe.httpGet.path, "/readyz");
        });

        it("runs restricted with a read-only root filesystem, a writable /tmp and its own ServiceAccount without a token", () => {
            const pod = byName(resources, "kubernetes:apps/v1:Deployment", "orders").spec.template.spec;
            const c = pod.containers[0];
            assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
            assert.deepStrictEqual(c.securityContext.capabilities.drop, ["ALL"]);
            assert.strictEqual(pod.securityContext.runAsNonRoot, true);
            assert.ok(c.volumeMounts.some((m: any) => m.mountPath === "/tmp") && pod.volumes.some((v: any) => v.name === "tmp" && v.emptyDir));
            assert.strictEqual(pod.serviceAccountName, "orders");
            assert.strictEqual(pod.automountServiceAccountToken, false);
            assert.strictEqual(byName(resources, "kubernetes:core/v1:ServiceAccount", "orders").automountServiceAccountToken, false);
        });

        it("takes settings from a ConfigMap and credentials as files of a sealed Secret, their paths in <NAME>_FILE", () => {
            const pod = byName(resources, "kubernetes:apps/v1:Deployment", "orders").spec.template.spec;
            const c = pod.containers[0];
            assert.deepStrictEqual(c.envFrom, [{ configMapRef: { name: "orders-settings" } }]);
            assert.deepStrictEqual(c.env, [{ name: "JWT_SECRET_FILE", value: "/run/secrets/platform/JWT_SECRET" }]);
            const mount = c.volumeMounts.find((m: any) => m.mountPath === "/run/secrets/platform");
            assert.deepStrictEqual(pod.volumes.find((v: any) => v.name === mount.name).secret, { secretName: "orders-secrets", defaultMode: 0o440 });
            assert.strictEqual(mount.readOnly, true);
            assert.strictEqual(byName(resources, "kubernetes:core/v1:ConfigMap", "orders-settings").data.APP_MODE, "api");
            assert.ok(byName(resources, "kubernetes:bitnami.com/v1alpha1:SealedSecret", "orders-secrets"));
            assert.strictEqual(ofType(resources, "kubernetes:core/v1:Secret").length, 0);
        });

        it("scales with an autoscaling/v2 HPA on CPU and keeps a PDB", () => {
            const hpa = byName(resources, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "orders");
            assert.deepStrictEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [2, 10]);
            assert.strictEqual(hpa.spec.metrics[0].resource.target.averageUtilization, 70);
            assert.strictEqual(byName(resources, "kubernetes:policy/v1:PodDisruptionBudget", "orders").spec.maxUnavailable, 1);
        });

        it("its NetworkPolicy lets in the ingress controller and lets out to exactly its declared dependencies (their side: the composition's)", () => {
            const own = byName(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "orders");
            assert.deepStrictEqual(own.spec.egress, [
                { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "platform-storage" } }, podSelector: { matchLabels: POSTGRES.podLabels } }], ports: [{ protocol: "TCP", port: 5432 }] },
            ]);
            assert.deepStrictEqual(own.spec.ingress, [{ from: [INGRESS_PEER], ports: [{ protocol: "TCP", port: 8080 }] }]);
            assert.ok(!ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").some((p) => p.inputs.metadata.namespace === "platform-storage"), "the target side is made where connections are resolved (platform/compose.ts)");
        });
    });

    describe("derived NetworkPolicies (pure)", () => {
        const self: ServiceEndpoint = { name: "orders", namespace: "platform-apps", podLabels: { app: "orders" }, ports: [8080] };
        it("egress lists one rule per dependency and nothing else", () => {
            const spec = servicePolicySpec(self, { ingress: INGRESS_PEER }, [POSTGRES, KAFKA]);
            assert.deepStrictEqual(spec.egress.map((e) => e.ports[0].port), [5432, 9092]);
            assert.deepStrictEqual(servicePolicySpec(self, {}, []).egress, [], "no dependency, no egress (DNS comes from the namespace policy)");
            assert.deepStrictEqual(servicePolicySpec(self, {}, []).ingress, [], "no caller, no ingress");
        });
        it("the dependency's side admits only this service's pods on its own ports", () => {
            const spec = dependencyIngressSpec(self, KAFKA);
            assert.deepStrictEqual(spec.ingress, [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "platform-apps" } }, podSelector: { matchLabels: { app: "orders" } } }], ports: [{ protocol: "TCP", port: 9092 }] }]);
        });
    });

    it("delivers credentials as environment values only when the service asks for secrets: env", async () => {
        const resources = await deploy(service({ secrets: "env" }));
        const pod = byName(resources, "kubernetes:apps/v1:Deployment", "orders").spec.template.spec;
        assert.deepStrictEqual(pod.containers[0].envFrom, [{ configMapRef: { name: "orders-settings" } }, { secretRef: { name: "orders-secrets" } }]);
        assert.ok(!pod.volumes.some((v: any) => v.secret), "no secret volume");
    });

    describe("blue-green", () => {
        for (const active of ["blue", "green"] as const) {
            it(`with ${active} active, the Service selects ${active} only after its Deployment, and the other colour stays`, async () => {
                const resources = await deploy(service({ blueGreen: { active, images: { green: "registry.example.com/sample-api:v2@sha256:" + "e".repeat(64) } } }));
                const other = active === "blue" ? "green" : "blue";
                const svc = byName(resources, "kubernetes:core/v1:Service", "orders");
                assert.strictEqual(svc.spec.selector[COLOUR_LABEL], active);
                assert.strictEqual(byName(resources, "kubernetes:core/v1:Service", "orders-preview").spec.selector[COLOUR_LABEL], other);
                for (const colour of ["blue", "green"]) {
                    const d = byName(resources, "kubernetes:apps/v1:Deployment", `orders-${colour}`);
                    assert.ok(d, `${colour} Deployment kept`);
                    assert.strictEqual(d.spec.template.metadata.labels[COLOUR_LABEL], colour);
                    assert.ok(byName(resources, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", `orders-${colour}`));
                    assert.ok(byName(resources, "kubernetes:policy/v1:PodDisruptionBudget", `orders-${colour}`));
                }
                assert.match(byName(resources, "kubernetes:apps/v1:Deployment", "orders-green").spec.template.spec.containers[0].image, /:v2@sha256:/);
            });
        }
    });

    describe("routing", () => {
        it("one Ingress rule set per host, /api to the backend before / to the frontend, prefixes kept", () => {
            const rules = ingressRules([
                { host: "app.example.com", path: "/", serviceName: "web", servicePort: 8080 },
                { host: "app.example.com", path: "/api", serviceName: "api", servicePort: 8080 },
            ]);
            assert.deepStrictEqual([...rules.keys()], ["app.example.com"]);
            assert.deepStrictEqual(rules.get("app.example.com")!.map((p) => [p.path, p.pathType, p.backend.service.name]), [["/api", "Prefix", "api"], ["/", "Prefix", "web"]]);
            assert.strictEqual(tlsSecretName("app.example.com"), "app-example-com-tls");
            assert.strictEqual(routeHost("app", "data.example.com"), "app.data.example.com");
            assert.strictEqual(routeHost("shop.example.org", "data.example.com"), "shop.example.org");
        });
        it("refuses two services on the same host and path", () => {
            assert.throws(() => ingressRules([{ host: "h", path: "/", serviceName: "a", servicePort: 1 }, { host: "h", path: "/", serviceName: "b", servicePort: 1 }]), /two services claim https:\/\/h\//);
        });
    });

    describe("config", () => {
        const problems = (webServices: unknown, stack = "prod") => {
            try {
                resolveConfig(withValues(rawConfigOf(stack), { webServices }));
                return [];
            } catch (err) {
                assert.ok(err instanceof ConfigError);
                return [...err.problems];
            }
        };
        const base = { name: "x", build: "apps/sample-api", port: 8080, autoscaling: { min: 2, max: 4, targetCpu: 70 } };
        it("refuses unknown dependencies, a single replica outside dev, and a database without postgres", () => {
            assert.deepStrictEqual(problems([{ ...base, dependsOn: ["redis"] }]), ["data-platform:webServices[0].dependsOn[0]: got \"redis\"; allowed: one of postgres, kafka"]);
            assert.deepStrictEqual(problems([{ ...base, autoscaling: { min: 1, max: 4, targetCpu: 70 } }]), ["data-platform:webServices[0].autoscaling.min: got 1; allowed: at least 2 when environment is prod"]);
            assert.deepStrictEqual(problems([{ ...base, database: "webapp" }]), ["data-platform:webServices[0].dependsOn: got nothing; allowed: a list including postgres, since webServices[0].database is set"]);
        });
        it("refuses an unknown colour and a service that is neither built nor prebuilt", () => {
            assert.ok(problems([{ ...base, blueGreen: { active: "red" } }]).includes("data-platform:webServices[0].blueGreen.active: got \"red\"; allowed: one of blue, green"));
            assert.ok(problems([{ name: "y", port: 8080, replicas: 2 }]).includes("data-platform:webServices[0].image: got nothing; allowed: exactly one of webServices[0].image and webServices[0].build"));
        });
        it("switching colours is a config change: the committed dev stack runs the sample API blue-green", () => {
            const api = resolveConfig(rawConfigOf("dev")).webServices.find((w) => w.name === "sample-api")!;
            assert.strictEqual(api.blueGreen?.active, "blue");
            const switched = resolveConfig(withValues(rawConfigOf("dev"), { webServices: [{ ...base, name: "sample-api", database: "webapp", dependsOn: ["postgres"], blueGreen: { active: "green" } }] }));
            assert.strictEqual(switched.webServices[0].blueGreen?.active, "green");
        });
    });
});
