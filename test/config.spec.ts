import * as assert from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { CONFIG_KEYS, resolveConfig } from "../config";
import { TIER_NAMES } from "../config/tiers";
import { readStackConfig, secretPlaceholder } from "../scripts/plan/stackConfig";
import { PROJECT_DIR, STACKS, rawConfigOf, scratchProject, withValues, configProblems as problemsOf } from "./support/stacks";

describe("stack config", () => {
    for (const stack of STACKS) {
        it(`the committed ${stack} stack resolves to environment ${stack}`, () => {
            const config = resolveConfig(rawConfigOf(stack));
            assert.strictEqual(config.environment, stack);
            assert.strictEqual(config.stack, stack);
            assert.deepStrictEqual(Object.keys(config.namespaces.tiers).sort(), [...TIER_NAMES].sort());
        });
    }

    it("runs one Patroni member in dev and three in staging and prod", () => {
        assert.strictEqual(resolveConfig(rawConfigOf("dev")).postgres.members, 1);
        assert.strictEqual(resolveConfig(rawConfigOf("staging")).postgres.members, 3);
        assert.strictEqual(resolveConfig(rawConfigOf("prod")).postgres.members, 3);
    });

    it("refuses a negative member count, naming the key, the value and what is allowed", () => {
        const raw = rawConfigOf("dev");
        const problems = problemsOf(() => resolveConfig(withValues(raw, { postgres: { ...(raw.values.postgres as object), members: -1 } })));
        assert.deepStrictEqual(problems, ["data-platform:postgres.members: got -1; allowed: an integer from 1 to 9"]);
    });

    it("refuses an even or single member count outside dev", () => {
        for (const members of [1, 2, 4]) {
            const raw = rawConfigOf("staging");
            const problems = problemsOf(() => resolveConfig(withValues(raw, { postgres: { members } })));
            assert.deepStrictEqual(problems, [
                `data-platform:postgres.members: got ${members}; allowed: an odd number >= 3 when environment is staging (1 is allowed only in dev)`,
            ]);
        }
    });

    it("refuses an unknown environment and stops there", () => {
        const problems = problemsOf(() => resolveConfig(withValues(rawConfigOf("prod"), { environment: "production" })));
        assert.deepStrictEqual(problems, ["data-platform:environment: got \"production\"; allowed: one of dev, staging, prod"]);
    });

    it("refuses a malformed domain", () => {
        for (const domain of ["Data.Example.com", "localhost", "bad_domain.example.com", "-x.example.com", "x..example.com"]) {
            const problems = problemsOf(() => resolveConfig(withValues(rawConfigOf("dev"), { domain })));
            assert.strictEqual(problems.length, 1, domain);
            assert.match(problems[0], /^data-platform:domain: got .*; allowed: a lower-case DNS domain/);
        }
    });

    it("requires environment, domain and registry", () => {
        const problems = problemsOf(() => resolveConfig(withValues(rawConfigOf("dev"), { domain: undefined, registry: undefined })));
        assert.deepStrictEqual(problems.map((p) => p.split(":")[1]), ["domain", "registry"]);
        assert.ok(problems.every((p) => p.includes("got nothing")));
    });

    it("refuses unknown keys and lists the known ones", () => {
        const problems = problemsOf(() => resolveConfig(withValues(rawConfigOf("dev"), { replicas: "3" })));
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0], /^data-platform:replicas: got "3"; allowed: no such key; known keys: environment, domain/);
    });

    it("refuses unknown nested keys, tiers and malformed quantities", () => {
        const raw = rawConfigOf("dev");
        const problems = problemsOf(() =>
            resolveConfig(
                withValues(raw, {
                    postgres: { storage: { size: "lots", class: "fast" } },
                    namespaces: { tiers: { dmz: {} } },
                }),
            ),
        );
        assert.deepStrictEqual(problems.sort(), [
            "data-platform:namespaces.tiers.dmz: got {}; allowed: no such key; known keys of namespaces.tiers: edge, apps, management, streaming, engines, storage, node-agents",
            "data-platform:postgres.storage.class: got \"fast\"; allowed: no such key; known keys of postgres.storage: storageClass, size",
            "data-platform:postgres.storage.size: got \"lots\"; allowed: a positive Kubernetes quantity such as 10Gi",
        ]);
    });

    it("refuses requests above limits", () => {
        const problems = problemsOf(() =>
            resolveConfig(withValues(rawConfigOf("dev"), { postgres: { resources: { requests: { cpu: "2" }, limits: { cpu: "1" } } } })),
        );
        assert.deepStrictEqual(problems, ["data-platform:postgres.resources.requests.cpu: got \"2\"; allowed: at most postgres.resources.limits.cpu (1)"]);
    });

    it("refuses a credential stored in plaintext", () => {
        const problems = problemsOf(() => resolveConfig(withValues(rawConfigOf("dev"), { registryUsername: "robot", registryPassword: "hunter2" })));
        assert.deepStrictEqual(problems, [
            "data-platform:registryPassword is stored in plaintext; set it with `pulumi config set --secret registryPassword`",
        ]);
    });

    it("reads a credential set with --secret as a Pulumi secret", async () => {
        const raw = withValues(rawConfigOf("dev"), { registryUsername: "robot", registryPassword: "hunter2" }, ["registryPassword"]);
        const config = resolveConfig({ ...raw, readSecret: () => require("@pulumi/pulumi").secret("hunter2") });
        assert.ok(config.registry.password);
        assert.strictEqual(await (config.registry.password as any).isSecret, true);
    });

    it("reports every problem of a file at once", () => {
        const problems = problemsOf(() =>
            resolveConfig(withValues(rawConfigOf("prod"), { domain: "x", registryPush: "maybe", postgres: { members: 2, version: "9.6" } })),
        );
        assert.deepStrictEqual(problems.map((p) => p.split(":")[1]).sort(), ["domain", "postgres.members", "postgres.version", "registryPush"]);
    });

    it("gives a minimal stack the defaults of its environment", () => {
        const dir = scratchProject({
            alice: [
                "config:",
                "  data-platform:environment: staging",
                "  data-platform:domain: alice.example.com",
                "  data-platform:registry: ghcr.io/alice",
                '  data-platform:apiServerCidrs: ["10.1.0.2/32"]',
                '  data-platform:nodeCidrs: ["10.1.64.0/18"]',
                "",
            ].join("\n"),
        });
        const config = resolveConfig(rawConfigOf("alice", dir));
        assert.strictEqual(config.postgres.members, 3);
        assert.strictEqual(config.namespaces.prefix, "platform");
        assert.strictEqual(config.registry.push, true);
        assert.strictEqual(config.kubernetes.context, undefined, "an unset kubeContext means the current context");
        assert.strictEqual(config.namespaces.tiers.edge.quota.loadBalancers, 1);
        assert.strictEqual(config.namespaces.tiers.storage.quota.loadBalancers, 0);
        assert.strictEqual(config.postgres.storage.storageClass, undefined, "no storageClass: the cluster's default class");
    });

    it("refuses open API-server and node addresses outside dev, saying how to find the real ones", () => {
        for (const stack of ["staging", "prod"]) {
            const problems = problemsOf(() => resolveConfig(withValues(rawConfigOf(stack), { apiServerCidrs: ["0.0.0.0/0"], nodeCidrs: ["10.0.0.0/8", "::/0"] })));
            assert.ok(problems.some((p) => p.startsWith("data-platform:apiServerCidrs: got [\"0.0.0.0/0\"]") && p.includes("kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes")), problems.join("\n"));
            assert.ok(problems.some((p) => p.startsWith("data-platform:nodeCidrs:") && p.includes("not ::/0")), problems.join("\n"));
        }
        assert.deepStrictEqual(resolveConfig(withValues(rawConfigOf("dev"), { apiServerCidrs: ["0.0.0.0/0"] })).kubernetes.apiServerCidrs, ["0.0.0.0/0"], "dev may stay open");
    });

    it("derives the edge tier's quota from the ingress controller's Service", () => {
        const quota = (changes: Record<string, unknown>) => resolveConfig(withValues(rawConfigOf("staging"), changes)).namespaces.tiers.edge.quota;
        const edge = resolveConfig(rawConfigOf("staging")).edge;
        // A LoadBalancer with node ports behind it: one load balancer and a node port per entry point.
        assert.deepStrictEqual([quota({}).loadBalancers, quota({}).nodePorts], [1, 2]);
        assert.deepStrictEqual([quota({ edge: { ...edge, allocateLoadBalancerNodePorts: false } }).nodePorts], [0]);
        assert.deepStrictEqual([quota({ edge: { ...edge, serviceType: "NodePort", ingressEndpoint: { ip: "192.0.2.1" } } }).loadBalancers, quota({ edge: { ...edge, serviceType: "NodePort", ingressEndpoint: { ip: "192.0.2.1" } } }).nodePorts], [0, 2]);
        assert.deepStrictEqual([quota({ install: { ingressController: "existing" } }).loadBalancers, quota({ install: { ingressController: "none" } }).nodePorts], [0, 0]);
        // Every other tier admits nothing from outside.
        assert.strictEqual(resolveConfig(rawConfigOf("staging")).namespaces.tiers.apps.quota.nodePorts, 0);
        const problems = problemsOf(() => resolveConfig(withValues(rawConfigOf("staging"), { namespaces: { tiers: { edge: { quota: { nodePorts: 1 } } } } })));
        assert.ok(problems.some((p) => p.startsWith("data-platform:namespaces.tiers.edge.quota.nodePorts: got 1; allowed: at least 2")), problems.join("\n"));
    });

    it("needs the address Ingresses report when the controller is published on NodePorts", () => {
        // staging publishes on a LoadBalancer, whose address the controller copies; on NodePorts it must be named.
        const problems = problemsOf(() => resolveConfig(withValues(rawConfigOf("staging"), { edge: { serviceType: "NodePort" } })));
        assert.ok(problems.some((p) => p.startsWith("data-platform:edge.ingressEndpoint: got nothing; allowed: an { ip } or { hostname }")), problems.join("\n"));
        const both = problemsOf(() => resolveConfig(withValues(rawConfigOf("dev"), { edge: { ingressEndpoint: { ip: "127.0.0.1", hostname: "localhost" } } })));
        assert.ok(both.some((p) => p.includes("edge.ingressEndpoint") && p.includes("exactly one of ip and hostname")), both.join("\n"));
    });

    it("installs every controller from its chart unless a stack says existing or none, and refuses what cannot work", () => {
        assert.deepStrictEqual(resolveConfig(rawConfigOf("prod")).install, { ingressController: "chart", certManager: "chart", sealedSecrets: "chart", monitoring: "chart" });
        const problems = problemsOf(() => resolveConfig(withValues(rawConfigOf("dev"), { install: { sealedSecrets: "existing", monitoring: "helm" } })));
        assert.ok(problems.some((p) => p.startsWith('data-platform:install.sealedSecrets: got "existing"; allowed: one of chart, none')), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith('data-platform:install.monitoring: got "helm"; allowed: one of chart, existing, none')), problems.join("\n"));
    });

    it("refuses a web service that depends on a service the stack turns off, naming the key", () => {
        const problems = problemsOf(() => resolveConfig(withValues(rawConfigOf("dev"), { postgres: { enabled: false } })));
        assert.ok(problems.some((p) => p.startsWith('data-platform:webServices[0].dependsOn[0]: got "postgres"; allowed: a service that is deployed: postgres.enabled is false')), problems.join("\n"));
        const kafkaOff = withValues(rawConfigOf("dev"), { kafka: { enabled: false }, webServices: [{ name: "feed", image: "registry.example.com/feed:1.0.0", port: 8080, dependsOn: ["kafka"] }] });
        assert.ok(problemsOf(() => resolveConfig(kafkaOff)).some((p) => p.startsWith('data-platform:webServices[0].dependsOn[0]: got "kafka"; allowed: a service that is deployed: kafka.enabled is false')));
        assert.throws(() => resolveConfig(withValues(rawConfigOf("dev"), { webServices: [{ name: "feed", image: "registry.example.com/feed:1.0.0", port: 8080, dependsOn: ["nessie"] }] })), /webServices\[0\]\.dependsOn\[0\]: got "nessie"; allowed: one of postgres, kafka/);
    });

    it("gives every volume that names no class the stack's storageClass", () => {
        const config = resolveConfig(withValues(rawConfigOf("prod"), { storageClass: "fast-ssd", kafka: { controllerStorage: { storageClass: "local-nvme", size: "20Gi" } } }));
        assert.deepStrictEqual(
            [config.postgres.storage, config.kafka.storage, config.observability.prometheus.storage, config.observability.loki.storage].map((s) => s.storageClass),
            ["fast-ssd", "fast-ssd", "fast-ssd", "fast-ssd"],
        );
        assert.strictEqual(config.kafka.controllerStorage.storageClass, "local-nvme", "a volume's own class wins");
    });

    it("lets a tier override part of the namespace-wide quota", () => {
        const config = resolveConfig(withValues(rawConfigOf("dev"), { namespaces: { tiers: { storage: { quota: { requestsStorage: "200Gi" } } } } }));
        assert.strictEqual(config.namespaces.tiers.storage.quota.requestsStorage, "200Gi");
        assert.strictEqual(config.namespaces.tiers.storage.quota.pods, 30);
        assert.strictEqual(config.namespaces.tiers.apps.quota.requestsStorage, "50Gi");
    });

    it("Pulumi.yaml declares every scalar key with the program's description and default", () => {
        const project = yaml.load(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as {
            config: Record<string, { type: string; description: string; default?: unknown }>;
        };
        const scalars = Object.entries(CONFIG_KEYS).filter(([, def]) => def.kind !== "object" && !("secret" in def));
        assert.deepStrictEqual(Object.keys(project.config).sort(), scalars.map(([key]) => key).sort());
        for (const [key, def] of scalars) {
            assert.strictEqual(project.config[key].type, def.kind, key);
            assert.strictEqual(project.config[key].description, def.description, key);
            assert.deepStrictEqual(project.config[key].default, "default" in def ? def.default : undefined, key);
        }
    });

    it("replaces encrypted values with labelled placeholders and keeps them secret", () => {
        const dir = scratchProject({
            s: "config:\n  data-platform:environment: dev\n  data-platform:domain: a.example.com\n  data-platform:registry: ghcr.io/a\n  data-platform:registryPassword:\n    secure: v1:abc:def\n",
        });
        const config = readStackConfig(dir, "s");
        assert.strictEqual(config.values["data-platform:registryPassword"], secretPlaceholder("data-platform:registryPassword"));
        assert.deepStrictEqual(config.secretKeys, ["data-platform:registryPassword"]);
    });

    it("like the CLI, refuses a stack file that lacks a declared key without default", () => {
        const dir = scratchProject({ s: "config:\n  data-platform:environment: dev\n  data-platform:domain: a.example.com\n" });
        assert.throws(() => readStackConfig(dir, "s"), /Stack 's' is missing configuration value 'data-platform:registry'/);
    });

    it("like the CLI, refuses a value of the wrong declared type", () => {
        const dir = scratchProject({ s: "config:\n  data-platform:environment: dev\n  data-platform:domain: a.example.com\n  data-platform:registry: r.example.com\n  data-platform:registryPush: 3\n" });
        assert.throws(() => readStackConfig(dir, "s"), /Stack 's' with configuration key 'data-platform:registryPush' must be of type 'boolean'/);
    });

    it("no committed stack file stores a credential in plaintext", () => {
        const credentials = Object.entries(CONFIG_KEYS).filter(([, def]) => "secret" in def && def.secret).map(([key]) => key);
        for (const file of fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi\..+\.yaml$/.test(f))) {
            const parsed = yaml.load(fs.readFileSync(path.join(PROJECT_DIR, file), "utf8")) as { config?: Record<string, unknown> };
            for (const key of credentials) {
                const value = parsed.config?.[`data-platform:${key}`];
                assert.ok(value === undefined || (typeof value === "object" && value !== null && "secure" in value), `${file}: ${key} must be secure`);
            }
        }
    });
});
