// The platform-service contract, through the function index.ts calls (composePlatform): a service
// added by declaring it gets its connections admitted on both sides, its database created and
// delivered sealed into its own namespace, and its metrics scraped; needs between parts of
// different services are ordered part by part, so two services may need each other.
import { TRINO_HTTPS_PORT } from "../components/trino/trinoAuthentication";
import * as assert from "assert";
import { NESSIE_PORTS } from "../components/nessie/nessieProperties";
import { SPARK_UI_PORT } from "../components/spark/sparkDefaults";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { tcpPorts } from "../components/meta/network";
import { DatabaseGrant, databaseEnvironment, databaseNeed, mergeDatabases } from "../components/postgres/service";
import { PlatformSecret } from "../components/secrets/platformSecret";
import { servicePolicySpec } from "../components/web/networkPolicies";
import { resolveConfig } from "../config";
import { composePlatform, buildOrder } from "../platform/compose";
import { Need, PlatformService, ServiceScope, part } from "../platform/contract";
import { platformServices } from "../platform/services";
import { RegisteredResource, installMockRuntime } from "../scripts/plan/mockRuntime";
import { rawConfigOf, withValues } from "./support/stacks";

const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

/** A toy service in the engines tier: it declares a database of its own, connects to PostgreSQL and serves metrics. */
class Toy extends pulumi.ComponentResource {
    constructor(name: string, args: { namespace: pulumi.Input<string>; database: DatabaseGrant; dependencies: Parameters<typeof servicePolicySpec>[2]; sealingKey: any }, opts?: pulumi.ComponentResourceOptions) {
        super("test:toy:Toy", name, {}, opts);
        new PlatformSecret(`${name}-credentials`, { namespace: args.namespace, secretName: "toy-credentials", data: databaseEnvironment(args.database), sealingKey: args.sealingKey }, { parent: this });
        new k8s.networking.v1.NetworkPolicy(`${name}-policy`, { metadata: { name: "toy", namespace: args.namespace }, spec: servicePolicySpec(TOY_ENDPOINT(args.namespace), {}, args.dependencies) }, { parent: this });
        this.registerOutputs({});
    }
}

const TOY_LABELS = { "app.kubernetes.io/name": "toy" };
const TOY_ENDPOINT = (namespace: pulumi.Input<string>) => ({ name: "toy", namespace, podLabels: TOY_LABELS, ports: [7000] });

function toyService(scope: ServiceScope): PlatformService {
    const database = databaseNeed("toy", "toy");
    return {
        name: "toy",
        endpoint: TOY_ENDPOINT(scope.namespaces.engines),
        observability: { scrapeTargets: [{ name: "toy", namespace: scope.namespaceNames.engines, podLabels: TOY_LABELS, port: "metrics", portNumber: 7001, path: "/metrics" }] },
        parts: [
            part({
                name: "server",
                needs: [database],
                reaches: ["postgres"],
                uses: ["sealingKey"],
                build: (ctx, f) => ({
                    component: new Toy("toy", { namespace: scope.namespaces.engines, database: ctx.grant<DatabaseGrant>(database), dependencies: ctx.dependencies, sealingKey: f.sealingKey }, ctx.opts),
                    labels: { "app.kubernetes.io/name": "toy" },
                }),
            }),
        ],
    };
}

/** Composes the platform of a stack under the plan's mock runtime and returns every registration. */
async function compose(stack: string, extra: (scope: ServiceScope) => PlatformService[], changes: Record<string, unknown> = {}): Promise<RegisteredResource[]> {
    const config = resolveConfig(withValues(rawConfigOf(stack), changes));
    const registered = await installMockRuntime("data-platform", stack);
    const platform = composePlatform(config, (scope) => [...platformServices(config)(scope), ...extra(scope)]);
    await new Promise((resolve) => pulumi.output(platform.urls).apply(resolve));
    await waitForRPCs();
    return registered;
}

const objectOf = (resources: readonly RegisteredResource[], kind: string, namespace: string, name: string) =>
    resources.find((r) => r.type.endsWith(`:${kind}`) && (r.inputs.metadata as any)?.namespace === namespace && (r.inputs.metadata as any)?.name === name);

describe("the platform-service contract (platform/contract.ts), composed as index.ts composes it", function () {
    this.timeout(120_000);

    describe("a toy service added through the contract", () => {
        let resources: RegisteredResource[];
        before(async () => {
            resources = await compose("dev", (scope) => [toyService(scope)]);
        });

        it("is admitted by PostgreSQL: a NetworkPolicy on the target's side, child of the toy's component, from its pods on 5432 only", () => {
            const target = objectOf(resources, "NetworkPolicy", "platform-storage", "postgres-from-toy");
            assert.ok(target, "no postgres-from-toy NetworkPolicy in platform-storage");
            const spec = target.inputs.spec as any;
            assert.deepStrictEqual(spec.ingress, [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "platform-engines" } }, podSelector: { matchLabels: TOY_LABELS } }], ports: tcpPorts(5432) }]);
            assert.deepStrictEqual(spec.podSelector.matchLabels, { "app.kubernetes.io/name": "postgres", "app.kubernetes.io/instance": "postgres", "app.kubernetes.io/component": "database" });
            assert.match(target.parent ?? "", /test:toy:Toy::toy$/);
            const own = objectOf(resources, "NetworkPolicy", "platform-engines", "toy")!.inputs.spec as any;
            assert.deepStrictEqual(own.egress[0].ports, tcpPorts(5432), "and its own egress to PostgreSQL");
        });

        it("gets its declared database on the cluster, with its credentials sealed into its own namespace", () => {
            assert.ok(objectOf(resources, "SealedSecret", "platform-storage", "postgres-db-toy"), "the cluster's secret of the new database");
            const sql = (objectOf(resources, "ConfigMap", "platform-storage", "postgres-settings")!.inputs.data as any)["databases.sql"];
            assert.match(sql, /create database %I owner %I', 'toy', 'toy'/);
            const credentials = objectOf(resources, "SealedSecret", "platform-engines", "toy-credentials");
            assert.ok(credentials, "the toy's own sealed Secret");
            assert.deepStrictEqual(Object.keys((credentials.inputs.spec as any).encryptedData).sort(), ["DATABASE_URL", "PGDATABASE", "PGHOST", "PGPASSWORD", "PGUSER"]);
            // Its password is the cluster's: the sealed secret depends on the owner's RandomPassword.
            assert.ok(credentials.dependencies.some((d) => d.endsWith("RandomPassword::postgres-owner-toy-password")), credentials.dependencies.join("\n"));
        });

        it("is scraped: a PodMonitor for its endpoint and Prometheus let into its namespace on the metrics port", () => {
            const monitor = objectOf(resources, "PodMonitor", "platform-management", "toy");
            assert.ok(monitor);
            assert.deepStrictEqual((monitor.inputs.spec as any).selector.matchLabels, TOY_LABELS);
            const scrape = objectOf(resources, "NetworkPolicy", "platform-engines", "allow-prometheus-scrape");
            // The engines tier's scrape ports, in order: Spark drivers' UI, the toy's metrics port, Trino's coordinator (HTTPS: it requires a login), Nessie's management port.
            assert.deepStrictEqual((scrape!.inputs.spec as any).ingress[0].ports, tcpPorts(SPARK_UI_PORT, 7001, TRINO_HTTPS_PORT, NESSIE_PORTS.management));
        });
    });

    describe("two services that need each other, part by part", () => {
        /** A service whose "core" grants a token and whose parts may need tokens of others: each part makes one ConfigMap holding what it got. */
        const tokenService = (name: string, coreNeeds: Need[], extraNeeds: Need[]) => (scope: ServiceScope): PlatformService => {
            const configMap = (partName: string, needs: Need[], ctx: { grant<T>(n: Need): T; opts: pulumi.ComponentResourceOptions }) =>
                new k8s.core.v1.ConfigMap(
                    `${name}-${partName}`,
                    { metadata: { name: `${name}-${partName}`, namespace: scope.namespaces.engines }, data: Object.fromEntries(needs.map((n) => [n.from, ctx.grant<pulumi.Output<string>>(n)])) },
                    { provider: ctx.opts.provider },
                );
            return {
                name,
                parts: [
                    part({ name: "core", needs: coreNeeds, grants: ["token"], uses: [], build: (ctx) => {
                        const made = configMap("core", coreNeeds, ctx);
                        return { grant: () => made.metadata.name };
                    } }),
                    ...(extraNeeds.length > 0 ? [part({ name: "extra", needs: extraNeeds, uses: [], build: (ctx) => (configMap("extra", extraNeeds, ctx), {}) })] : []),
                ],
            };
        };
        const token = (from: string): Need => ({ kind: "token", from, name: "t" });
        // a's extra part needs b; b's core needs a: services need each other, parts do not.
        const a = tokenService("a", [], [token("b")]);
        const b = tokenService("b", [token("a")], []);

        it("orders the parts a/core, b/core, a/extra", () => {
            const scope = { namespaces: {}, namespaceNames: {} } as unknown as ServiceScope;
            assert.deepStrictEqual(buildOrder([a(scope), b(scope)]).map((p) => `${p.service.name}/${p.part.name}`), ["a/core", "b/core", "a/extra"]);
        });

        it("plans without a cycle, each part's resources depending on what granted its needs", async () => {
            const resources = await compose("dev", (scope) => [a(scope), b(scope)]);
            const urn = (name: string) => resources.find((r) => r.name === name)!.urn;
            assert.ok(resources.find((r) => r.name === "b-core")!.dependencies.includes(urn("a-core")), "b's core after a's");
            assert.ok(resources.find((r) => r.name === "a-extra")!.dependencies.includes(urn("b-core")), "a's extra after b's core");
        });

        it("refuses needs that form a cycle between parts, naming them", () => {
            const scope = { namespaces: {}, namespaceNames: {} } as unknown as ServiceScope;
            const cyclic = [tokenService("a", [token("b")], [])(scope), tokenService("b", [token("a")], [])(scope)];
            assert.throws(() => buildOrder(cyclic), /the services' needs form a cycle: a\/core -> b\/core -> a\/core/);
        });
    });

    describe("databases services declare", () => {
        const configured = [{ name: "webapp", owner: "webapp" }];

        it("merge with postgres.databases", () => {
            assert.deepStrictEqual(mergeDatabases(configured, [databaseNeed("nessie", "nessie"), databaseNeed("webapp")]), [...configured, { name: "nessie", owner: "nessie" }]);
        });

        it("refuse a database that config lists too, one two services declare, or a need for one that does not exist, naming the key", () => {
            assert.throws(() => mergeDatabases(configured, [databaseNeed("webapp", "webapp")]), /data-platform:postgres.databases\[0\].name: got "webapp"/);
            assert.throws(() => mergeDatabases(configured, [databaseNeed("x", "x"), databaseNeed("x", "y")]), /two services declare database "x"/);
            assert.throws(() => mergeDatabases(configured, [databaseNeed("missing")]), /no database "missing"; allowed: one of webapp/);
        });
    });

    describe("one switch vocabulary: <service>.enabled and install: chart | existing | none", () => {
        it("with install: none, no chart: the platform's own custom resources are made after fixture CRDs of the same pulumi up", async () => {
            const resources = await compose("dev", () => [], { install: { ingressController: "none", certManager: "none", sealedSecrets: "none", monitoring: "none" } });
            assert.deepStrictEqual(resources.filter((r) => r.type.startsWith("kubernetes:helm.sh")), [], "no chart");
            const crds = resources.filter((r) => r.type === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition");
            assert.deepStrictEqual(crds.map((c) => (c.inputs.metadata as any).name).sort(), ["certificates.cert-manager.io", "clusterissuers.cert-manager.io", "podmonitors.monitoring.coreos.com", "prometheusrules.monitoring.coreos.com", "sealedsecrets.bitnami.com"]);
            // Every custom resource depends, directly or through what it depends on, on its kind's definition.
            const byUrn = new Map(resources.map((r) => [r.urn, r]));
            const dependsOnTransitively = (r: RegisteredResource, target: string, seen = new Set<string>()): boolean =>
                r.dependencies.some((d) => d === target || (!seen.has(d) && (seen.add(d), byUrn.has(d) && dependsOnTransitively(byUrn.get(d)!, target, seen))));
            const custom = resources.filter((r) => r.type.startsWith("kubernetes:") && /^kubernetes:(bitnami\.com|cert-manager\.io|monitoring\.coreos\.com)\//.test(r.type));
            assert.ok(custom.length > 10, `${custom.length} custom resources`);
            for (const r of custom) {
                const kind = r.type.split(":")[2];
                const crd = crds.find((c) => (c.inputs.spec as any).names.kind === kind)!;
                assert.ok(dependsOnTransitively(r, crd.urn), `${r.type} ${r.name} is not ordered after ${crd.name}`);
            }
            // No Ingress of Grafana to publish without its chart.
            const traefik = objectOf(resources, "NetworkPolicy", "platform-edge", "traefik")!.inputs.spec as any;
            assert.ok(!JSON.stringify(traefik.egress).includes("grafana"), "Traefik's egress names no Grafana without the monitoring chart");
        });

        it("with kafka.enabled false, nothing of Kafka: no objects, no scrape target, no rule group", async () => {
            const resources = await compose("dev", () => [], { kafka: { enabled: false } });
            assert.deepStrictEqual(resources.filter((r) => r.type.includes("KafkaCluster") || (r.inputs.metadata as any)?.namespace === "platform-streaming" && r.type.includes("StatefulSet")), []);
            assert.ok(!objectOf(resources, "PodMonitor", "platform-management", "kafka"));
            const rules = objectOf(resources, "PrometheusRule", "platform-management", "data-platform")!.inputs.spec as any;
            assert.deepStrictEqual(rules.groups.map((g: any) => g.name), ["platform-postgresql", "platform-objectstore", "platform-nessie", "platform-trino", "platform-spark", "platform-keycloak", "platform-web-services", "platform-workloads", "platform-certificates-and-secrets"]);
        });
    });
});
