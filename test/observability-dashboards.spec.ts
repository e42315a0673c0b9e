// The Grafana dashboards: well-formed for Grafana's sidecar, every PromQL expression parsed by
// promtool (as a recording rule, Grafana's variables replaced by sample values), every metric one
// our sources export, and log queries on the labels Alloy gives the streams.
import * as assert from "assert";
import { DATASOURCES, LOG_STREAM_LABELS } from "../components/observability/dashboards";
import { SCHEMA_VERSION } from "../components/observability/dashboards/builder";
import { TARGET_LABELS, catalogueIndex } from "../components/observability/metrics";
import { labelMatchers, metricNames } from "../components/observability/promql";
import { platformObservability } from "../platform/services";
import { SAMPLE_CONFIG } from "./support/alertCases";
import { checkRules } from "./support/prometheusTools";

const OBSERVED = platformObservability(SAMPLE_CONFIG);
const DASHBOARDS = OBSERVED.dashboards;
const GRAFANA_VARIABLES = ["__rate_interval", "__interval", "__range"];

type Json = Record<string, any>;
const panelsOf = (d: Json): Json[] => d.panels.filter((p: Json) => p.type !== "row");
const variablesOf = (d: Json): Json[] => d.templating.list;

/** The expression inside a variable query: label_values(<expr>, label) or query_result(<expr>). */
function variableExpression(query: string): string | undefined {
    return /^(?:label_values\((.+),\s*\w+\)|query_result\((.+)\))$/.exec(query)?.slice(1).find(Boolean);
}

/** Every query of a dashboard on one datasource: its panels' targets and its variables'. */
function queriesOf(d: Json, datasource: "prometheus" | "loki"): { where: string; expr: string }[] {
    const targets = panelsOf(d)
        .filter((p) => p.datasource.type === datasource)
        .flatMap((p) => p.targets.map((t: Json) => ({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr as string })));
    const variables = variablesOf(d)
        .filter((v) => v.type === "query" && v.datasource.type === datasource)
        .flatMap((v) => {
            const expr = variableExpression(v.query);
            return expr ? [{ where: `variable ${v.name}`, expr }] : [];
        });
    return [...targets, ...variables];
}

/** The expression with Grafana's variables replaced by values that keep it valid PromQL. */
function withSampleValues(expr: string): string {
    return expr.replace(/\$\{?(\w+)(?::\w+)?\}?/g, (_, name: string) => (GRAFANA_VARIABLES.includes(name) ? "5m" : "sample"));
}

/** The recording rules promtool checks: one per expression, named after where it comes from. */
function asRecordingRules(file: string, exprs: readonly { where: string; expr: string }[]) {
    return [{ name: file, rules: exprs.map(({ expr }, i) => ({ record: `dashboard:expr_${i}`, expr: withSampleValues(expr) })) }];
}

describe("Grafana dashboards", () => {
    it("are the platform overview, PostgreSQL/Patroni, object storage, the Nessie catalog, Trino, Flink, Kafka, identity, the schema registry, change data capture, web services and logs, one JSON file each", () => {
        assert.deepStrictEqual(Object.keys(DASHBOARDS).sort(), ["connect.json", "flink.json", "kafka.json", "keycloak.json", "logs.json", "nessie.json", "platform-overview.json", "postgresql.json", "schema-registry.json", "seaweedfs.json", "trino.json", "web-services.json"]);
        const uids = Object.values(DASHBOARDS).map((d) => d.uid);
        assert.strictEqual(new Set(uids).size, uids.length, "dashboard uids are unique");
        for (const d of Object.values(DASHBOARDS)) assert.deepStrictEqual(JSON.parse(JSON.stringify(d)), d, `${d.uid} survives JSON (no undefined values)`);
    });

    it("use schema version 39 and only the provisioned datasources, uids prometheus and loki", () => {
        const uids = new Set<string>(Object.values(DATASOURCES).map((d) => d.uid));
        for (const [file, d] of Object.entries(DASHBOARDS) as [string, Json][]) {
            assert.strictEqual(d.schemaVersion, SCHEMA_VERSION);
            const refs = [...JSON.stringify(d).matchAll(/"datasource":\{"type":"(\w+)","uid":"(\w+)"\}/g)];
            assert.ok(refs.length > 0, file);
            for (const [, type, uid] of refs) assert.ok(uids.has(uid) && type === uid, `${file}: datasource ${type}/${uid}`);
        }
    });

    it("lay panels out on the 24-column grid without overlapping, each with its own id", () => {
        for (const [file, d] of Object.entries(DASHBOARDS) as [string, Json][]) {
            const ids = d.panels.map((p: Json) => p.id);
            assert.strictEqual(new Set(ids).size, ids.length, `${file}: panel ids`);
            const cells = new Set<string>();
            for (const { gridPos: g, title } of d.panels as Json[]) {
                assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24, `${file}: "${title}" fits the grid`);
                for (let x = g.x; x < g.x + g.w; x++) {
                    for (let y = g.y; y < g.y + g.h; y++) {
                        assert.ok(!cells.has(`${x},${y}`), `${file}: "${title}" overlaps another panel at ${x},${y}`);
                        cells.add(`${x},${y}`);
                    }
                }
            }
        }
    });

    it("define every variable their queries use", () => {
        for (const [file, d] of Object.entries(DASHBOARDS) as [string, Json][]) {
            const defined = new Set([...variablesOf(d).map((v) => v.name), ...GRAFANA_VARIABLES]);
            for (const { where, expr } of [...queriesOf(d, "prometheus"), ...queriesOf(d, "loki")]) {
                for (const [, name] of expr.matchAll(/\$\{?(\w+)/g)) assert.ok(defined.has(name), `${file} ${where}: $${name} is not defined`);
            }
        }
    });

    it("have PromQL in the metric dashboards and LogQL in the logs dashboard", () => {
        for (const file of ["platform-overview.json", "postgresql.json", "kafka.json", "web-services.json"]) assert.ok(queriesOf(DASHBOARDS[file], "prometheus").length >= 8, file);
        assert.ok(queriesOf(DASHBOARDS["logs.json"], "loki").length >= 3);
    });

    describe("PromQL passes promtool check rules", () => {
        for (const [file, d] of Object.entries(DASHBOARDS)) {
            const exprs = queriesOf(d, "prometheus");
            if (exprs.length === 0) continue;
            it(`in ${file} (${exprs.length} expressions)`, () => {
                const result = checkRules(asRecordingRules(file, exprs));
                assert.strictEqual(result.status, 0, `${result.output}\n${exprs.map((e, i) => `${i}: ${e.where}: ${e.expr}`).join("\n")}`);
                assert.match(result.output, new RegExp(`SUCCESS: ${exprs.length} rules found`));
            });
        }

        it("which rejects an expression that does not parse (the check can fail)", () => {
            const result = checkRules(asRecordingRules("broken", [{ where: "panel", expr: 'sum by (job) (rate(http_requests_total{job=~"$job"}[$__rate_interval])' }]));
            assert.notStrictEqual(result.status, 0);
            assert.match(result.output, /parse error/);
        });

        it("with Grafana's variables replaced by sample values", () => {
            assert.strictEqual(withSampleValues('rate(m{pod=~"$pod", job=~"${job}"}[$__rate_interval])'), 'rate(m{pod=~"sample", job=~"sample"}[5m])');
            assert.strictEqual(variableExpression('label_values(up{namespace="$namespace"}, pod)'), 'up{namespace="$namespace"}');
            assert.strictEqual(variableExpression("label_values(namespace)"), undefined);
        });
    });

    it("read only metrics of the catalogue, with labels those metrics have", () => {
        const index = catalogueIndex(OBSERVED.metricSources);
        for (const [file, d] of Object.entries(DASHBOARDS)) {
            for (const { where, expr } of queriesOf(d, "prometheus")) {
                for (const name of metricNames(expr)) assert.ok(index.has(name), `${file} ${where} reads ${name}, which no source of the catalogue exports`);
                for (const { metric, labels } of labelMatchers(expr)) {
                    const m = index.get(metric)!.metric;
                    const known = new Set<string>([...m.labels, ...TARGET_LABELS, ...(metric.endsWith("_bucket") ? ["le"] : [])]);
                    for (const label of labels) assert.ok(known.has(label), `${file} ${where}: ${metric} has no label ${label}`);
                }
            }
        }
    });

    it("the catalogue check catches a metric no source exports (the check can fail)", () => {
        assert.ok(!catalogueIndex(OBSERVED.metricSources).has(metricNames("sum(rate(pg_stat_statements_calls[5m]))")[0]));
    });

    it("select log streams only by the labels Alloy gives them: namespace, pod and container", () => {
        const queries = queriesOf(DASHBOARDS["logs.json"], "loki");
        const variableQueries = variablesOf(DASHBOARDS["logs.json"]).filter((v) => v.type === "query").map((v) => ({ where: v.name, expr: v.query as string }));
        for (const { where, expr } of [...queries, ...variableQueries]) {
            for (const [, body] of expr.matchAll(/\{([^}]*)\}/g)) {
                const labels = [...body.matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]);
                assert.ok(labels.length > 0, `${where}: empty stream selector`);
                for (const label of labels) assert.ok((LOG_STREAM_LABELS as readonly string[]).includes(label), `${where}: stream label ${label}`);
            }
        }
        const byLabel = variablesOf(DASHBOARDS["logs.json"]).filter((v) => v.multi).map((v) => [v.name, v.allValue]);
        assert.deepStrictEqual(byLabel, [
            ["namespace", ".+"],
            ["pod", ".+"],
            ["container", ".+"],
        ], "'All' must not match the empty string, or Loki refuses the selector");
    });
});
