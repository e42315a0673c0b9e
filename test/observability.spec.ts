// The platform's alert rules and metric catalogue, checked by Prometheus' own promtool: every group
// loads, every rule fires on synthetic series in a unit test, every metric a rule reads is one our
// sources really export.
import * as assert from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { AlertingRule, RuleGroup, renderGroups, ruleMetrics } from "../components/observability/alerts";
import { MetricDefinition, TARGET_LABELS, catalogueIndex, seriesNames } from "../components/observability/metrics";
import { POSTGRES_THRESHOLDS } from "../components/postgres/monitoring";
import { WEB_DURATION_BUCKETS, WEB_THRESHOLDS } from "../components/web/monitoring";
import { platformObservability } from "../platform/services";
import { labelMatchers } from "../components/observability/promql";
import { renderPatroniConfig } from "../components/postgres/patroniConfig";
import { resolveConfig } from "../config";
import { ALERT_CASES, AlertCase, SAMPLE_CONFIG } from "./support/alertCases";
import { INSTALL_HINT, checkRules, requireTool, testRules } from "./support/prometheusTools";
import { TOOLS_VENV, requireFile } from "./support/realTools";
import { PROJECT_DIR, STACKS, rawConfigOf, withValues } from "./support/stacks";

const OBSERVED = platformObservability(SAMPLE_CONFIG);
const GROUPS = OBSERVED.ruleGroups;
const METRIC_SOURCES = OBSERVED.metricSources as typeof OBSERVED.metricSources & Record<"patroni" | "kafka" | "webServices", (typeof OBSERVED.metricSources)[string]>;
const RULES = GROUPS.flatMap((g) => g.rules);

/** A rule's identity in tests: its name, severity and the static labels that tell its variants apart. */
const ruleKey = (labels: Readonly<Record<string, string>>, alert: string) =>
    [alert, ...Object.entries(labels).filter(([k]) => k === "severity" || k === "tier").sort().map(([k, v]) => `${k}=${v}`)].join(" ");

/** The rule an expected alert comes from (its static labels are a subset of the alert's). */
function ruleOf(alert: string, expected: { severity: string; labels: Readonly<Record<string, string>> }): AlertingRule {
    const labels = { ...expected.labels, severity: expected.severity };
    const rule = RULES.find((r) => r.alert === alert && Object.entries(r.labels).every(([k, v]) => labels[k as keyof typeof labels] === v));
    assert.ok(rule, `no rule ${alert} with labels ${JSON.stringify(labels)}`);
    return rule;
}

/** A case as a `promtool test rules` test group. */
function promtoolTest(c: AlertCase): unknown {
    return {
        interval: c.interval ?? "1m",
        input_series: c.series,
        alert_rule_test: [
            {
                eval_time: c.at,
                alertname: c.alert,
                exp_alerts: c.fires.map((e) => {
                    const rule = ruleOf(c.alert, e);
                    return {
                        exp_labels: { ...e.labels, ...rule.labels },
                        exp_annotations: { summary: rule.annotations.summary, description: e.description, runbook_url: rule.annotations.runbook_url },
                    };
                }),
            },
        ],
    };
}

/** The `## ` sections of a Markdown file by the anchor GitHub gives their heading. */
function markdownSections(file: string): Map<string, string> {
    const parts = fs.readFileSync(file, "utf8").split(/^## /m).slice(1);
    return new Map(parts.map((part) => [part.slice(0, part.indexOf("\n")).trim().toLowerCase().replace(/[^\w\- ]/g, "").replace(/ /g, "-"), part]));
}

describe("Prometheus tools of the tests", () => {
    it("are found on PATH, and a missing one fails the test saying to run scripts/install-test-deps", () => {
        assert.match(requireTool("promtool"), /\/promtool$/);
        assert.throws(() => requireTool("promtool", "/nonexistent"), (e: Error) => e.message === `promtool not found on PATH: ${INSTALL_HINT}` && /scripts\/install-test-deps/.test(e.message));
    });
});

describe("alert rules", () => {
    describe("pass promtool check rules", () => {
        for (const stack of STACKS) {
            it(`for the ${stack} stack's targets`, () => {
                const groups = platformObservability(resolveConfig(rawConfigOf(stack))).ruleGroups;
                const result = checkRules(groups);
                assert.strictEqual(result.status, 0, result.output);
                assert.match(result.output, new RegExp(`SUCCESS: ${groups.flatMap((g) => g.rules).length} rules found`));
            });
        }

        it("which rejects a rule whose expression does not parse (the check can fail)", () => {
            const broken: RuleGroup[] = [{ name: "broken", rules: [{ ...RULES[0], expr: "sum(rate(patroni_primary[5m])" }] }];
            const result = checkRules(broken);
            assert.notStrictEqual(result.status, 0);
            assert.match(result.output, /parse error/);
        });

        it("which rejects a description whose template does not parse (the check can fail)", () => {
            const rule = RULES[0];
            const broken: RuleGroup[] = [{ name: "broken", rules: [{ ...rule, annotations: { ...rule.annotations, description: "{{ $labels.scope " } }] }];
            const result = checkRules(broken);
            assert.notStrictEqual(result.status, 0);
            assert.match(result.output, /template/);
        });
    });

    it("are PostgreSQL, object storage, Nessie, Trino, Spark, Flink, Kafka, identity, schema registry, change data capture, web-service, workload and certificate/secret groups", () => {
        assert.deepStrictEqual(
            GROUPS.map((g) => g.name),
            ["platform-postgresql", "platform-objectstore", "platform-nessie", "platform-trino", "platform-spark", "platform-flink", "platform-kafka", "platform-keycloak", "platform-schema-registry", "platform-connect", "platform-web-services", "platform-workloads", "platform-certificates-and-secrets"],
        );
        const names = new Set(RULES.map((r) => r.alert));
        for (const expected of ["PostgresNoLeader", "PostgresMemberDown", "PostgresReplicationLagHigh", "PostgresConnectionsNearMax", "PostgresBackupTooOld"]) assert.ok(names.has(expected), expected);
        for (const expected of ["KafkaUnderReplicatedPartitions", "KafkaOfflinePartitions", "KafkaActiveControllerCount", "KafkaIsrShrinking"]) assert.ok(names.has(expected), expected);
        for (const expected of ["FlinkJobManagerLeaderMissing", "FlinkTaskManagersMissing", "FlinkCheckpointsFailing", "FlinkJobRestarting"]) assert.ok(names.has(expected), expected);
        for (const expected of ["WebServiceErrorRateHigh", "WebServiceLatencyHigh", "PlatformPodRestarting", "PlatformHpaAtMaxReplicas"]) assert.ok(names.has(expected), expected);
        for (const expected of ["CertificateExpiringSoon", "CertificateNotReady", "PlatformVolumeFillingUp"]) assert.ok(names.has(expected), expected);
    });

    it("each carry a severity, a summary, a description and a runbook link", () => {
        for (const rule of RULES) {
            assert.ok(["critical", "warning"].includes(rule.labels.severity), `${rule.alert}: severity ${rule.labels.severity}`);
            assert.ok(rule.annotations.summary.length > 10 && !rule.annotations.summary.includes("{{"), `${rule.alert}: summary is one static line`);
            assert.ok(rule.annotations.description.length > 10, `${rule.alert}: description`);
            assert.match(rule.annotations.runbook_url, /^docs\/runbooks\.md#[a-z0-9-]+$/, rule.alert);
        }
    });

    it("link to a section of docs/runbooks.md each, and every section there belongs to an alert", () => {
        const sections = markdownSections(path.join(PROJECT_DIR, "docs", "runbooks.md"));
        const linked = new Set(RULES.map((r) => r.annotations.runbook_url.split("#")[1]));
        assert.deepStrictEqual([...sections.keys()].sort(), [...linked].sort());
    });

    it("have runbooks that say what the alert means, how to check and what to do", () => {
        for (const [anchor, text] of markdownSections(path.join(PROJECT_DIR, "docs", "runbooks.md"))) {
            for (const part of ["**What it means.**", "**How to check.**", "**What to do.**"]) assert.ok(text.includes(part), `#${anchor} lacks ${part}`);
        }
    });

    it("link to a published copy of the runbooks when given its address", () => {
        const groups = renderGroups(OBSERVED.alertGroups, "https://git.example.com/platform/blob/main/docs/runbooks.md");
        assert.strictEqual(groups[0].rules[0].annotations.runbook_url, "https://git.example.com/platform/blob/main/docs/runbooks.md#postgresnoleader");
    });

    it("that share a name (one per severity or backup tier) share the summary and the runbook", () => {
        for (const rule of RULES) {
            const twin = RULES.find((r) => r.alert === rule.alert)!;
            assert.strictEqual(rule.annotations.summary, twin.annotations.summary, rule.alert);
            assert.strictEqual(rule.annotations.runbook_url, twin.annotations.runbook_url, rule.alert);
        }
        const keys = RULES.map((r) => ruleKey(r.labels, r.alert));
        assert.strictEqual(new Set(keys).size, keys.length, "two rules with the same name, severity and tier");
    });

    it("watch backups only where the stack runs them: one rule per tier", () => {
        const backupRules = (stack: string | ReturnType<typeof rawConfigOf>) =>
            platformObservability(resolveConfig(typeof stack === "string" ? rawConfigOf(stack) : stack)).ruleGroups
                .flatMap((g) => g.rules)
                .filter((r) => r.alert === "PostgresBackupTooOld");
        assert.deepStrictEqual(backupRules(withValues(rawConfigOf("dev"), { postgres: { backup: { enabled: false } } })), [], "a stack without backups watches none");
        const staging = backupRules("staging");
        assert.deepStrictEqual(staging.map((r) => r.labels.tier), ["daily", "weekly", "monthly"]);
        assert.ok(staging.every((r) => r.expr.includes(`cronjob="postgres-backup-${r.labels.tier}"`)));
    });

    it("watch the namespaces named by the stack's prefix", () => {
        const config = resolveConfig(withValues(rawConfigOf("staging"), { namespacePrefix: "dp" }));
        const kafkaRules = platformObservability(config).ruleGroups.find((g) => g.name === "platform-kafka")!.rules;
        assert.ok(kafkaRules.every((r) => r.expr.includes('namespace="dp-streaming"')), kafkaRules.map((r) => r.expr).join("\n"));
    });

    it("flag replication lag at Patroni's maximum_lag_on_failover, beyond which a replica is not promoted", () => {
        const { postgres } = resolveConfig(rawConfigOf("prod"));
        const patroni = renderPatroniConfig({ scope: "postgres", podLabels: {}, settings: postgres }) as any;
        assert.strictEqual(POSTGRES_THRESHOLDS.replicaLagBytes, patroni.bootstrap.dcs.maximum_lag_on_failover);
    });

    it("put the p99 latency limit on a bucket boundary of the web services' histogram, where the quantile is exact", () => {
        assert.ok((WEB_DURATION_BUCKETS as readonly number[]).includes(WEB_THRESHOLDS.httpP99Seconds));
    });

    it("read only metrics of the catalogue, with labels those metrics have", () => {
        const index = catalogueIndex(METRIC_SOURCES);
        for (const { alert, metrics } of ruleMetrics(GROUPS)) {
            assert.ok(metrics.length > 0, `${alert} reads no metric`);
            for (const name of metrics) assert.ok(index.has(name), `${alert} reads ${name}, which no source of the catalogue exports`);
        }
        for (const rule of RULES) {
            for (const { metric, labels } of labelMatchers(rule.expr)) {
                const known = knownLabels(metric, index.get(metric)!.metric);
                for (const label of labels) assert.ok(known.has(label), `${rule.alert}: ${metric} has no label ${label}`);
            }
        }
    });
});

/** The labels a series can carry: the exporter's, the scrape target's, and le/quantile where its type adds them. */
function knownLabels(series: string, metric: MetricDefinition): Set<string> {
    const extra = series.endsWith("_bucket") ? ["le"] : metric.type === "summary" && series === metric.name ? ["quantile"] : [];
    return new Set([...metric.labels, ...TARGET_LABELS, ...extra]);
}

describe("alert rules fire on synthetic series (promtool test rules)", () => {
    for (const c of ALERT_CASES) {
        it(`${c.alert} ${c.fires.length ? "fires" : "stays quiet"} when ${c.when}`, () => {
            // Only the alert's own group: promtool evaluates every rule it is given at every step.
            const result = testRules(GROUPS.filter((g) => g.rules.some((r) => r.alert === c.alert)), [promtoolTest(c)]);
            assert.strictEqual(result.status, 0, result.output);
            assert.match(result.output, /SUCCESS/);
        });
    }

    it("every rule (each severity and backup tier) fires in at least one case", () => {
        const fired = new Set(ALERT_CASES.flatMap((c) => c.fires.map((e) => ruleKey(ruleOf(c.alert, e).labels, c.alert))));
        const missing = RULES.map((r) => ruleKey(r.labels, r.alert)).filter((k) => !fired.has(k));
        assert.deepStrictEqual(missing, []);
    });

    it("a case expecting an alert that does not fire fails (the test can fail)", () => {
        const quiet = ALERT_CASES.find((c) => c.alert === "PostgresNoLeader" && c.fires.length === 0)!;
        const wrong: AlertCase = { ...quiet, fires: ALERT_CASES.find((c) => c.alert === "PostgresNoLeader" && c.fires.length > 0)!.fires };
        const result = testRules(GROUPS, [promtoolTest(wrong)]);
        assert.notStrictEqual(result.status, 0);
        assert.match(result.output, /FAILED/);
    });
});

/** The series names the JMX exporter makes from our rules: alternatives expanded, names sanitized and lower-cased, counters ending in _total. */
function jmxExporterNames(config: { rules: { pattern: string; name: string; type: string }[] }): string[] {
    return config.rules.flatMap((rule) => {
        const groups = [...rule.pattern.matchAll(/\(([^()]*)\)/g)].map((g) => g[1].split("|"));
        const combinations = groups.reduce<string[][]>((acc, options) => acc.flatMap((prefix) => options.map((o) => [...prefix, o])), [[]]);
        return combinations.map((values) => {
            const name = rule.name
                .replace(/\$(\d)/g, (_, i) => values[Number(i) - 1])
                .replace(/[^a-zA-Z0-9_:]/g, "_")
                .replace(/_+/g, "_")
                .toLowerCase();
            return rule.type === "COUNTER" ? `${name.replace(/_total$/, "")}_total` : name;
        });
    });
}

describe("metric catalogue", () => {
    const names = (metrics: readonly MetricDefinition[]) => metrics.map((m) => m.name).sort();

    it("lists exactly the metrics, types and labels the Patroni release of our image declares in its REST API", () => {
        const lib = requireFile(path.join(TOOLS_VENV, "lib"), "the tools' Python environment");
        const python = fs.readdirSync(lib).find((d) => d.startsWith("python")) ?? "python3";
        const source = fs.readFileSync(requireFile(path.join(lib, python, "site-packages", "patroni", "api.py"), "Patroni's api.py"), "utf8");
        const declared = Object.fromEntries([...source.matchAll(/# TYPE (patroni_\w+) (\w+)/g)].map((m) => [m[1], m[2]]));
        assert.deepStrictEqual(Object.fromEntries(METRIC_SOURCES.patroni.metrics.map((m) => [m.name, m.type]).sort()), Object.fromEntries(Object.entries(declared).sort()));
        assert.ok(source.includes('{{scope="{patroni.postgresql.scope}",name="{patroni.postgresql.name}"}}'), "every Patroni metric is labelled scope and name");
        assert.ok(METRIC_SOURCES.patroni.metrics.every((m) => m.labels.join() === "scope,name"));
    });

    it("lists exactly the Kafka metrics images/kafka/jmx-exporter.yaml produces", () => {
        const config = yaml.load(fs.readFileSync(path.join(PROJECT_DIR, "images", "kafka", "jmx-exporter.yaml"), "utf8")) as any;
        assert.strictEqual(config.lowercaseOutputName, true);
        assert.deepStrictEqual(names(METRIC_SOURCES.kafka.metrics), [...new Set(jmxExporterNames(config))].sort());
    });

    it("expands JMX exporter rules as the agent names series (the Kafka check's model of it)", () => {
        const rules = [
            { pattern: "k.s<type=RM, name=(IsrShrinks|IsrExpands)PerSec><>Count", name: "k_rm_$1_total", type: "COUNTER" },
            { pattern: "k.s<type=raft-metrics><>(commit-latency-avg)", name: "k_raft_$1", type: "GAUGE" },
            { pattern: "k.n<request=(Produce)><>(50|99)thPercentile", name: "k_time", type: "GAUGE" },
        ];
        assert.deepStrictEqual(jmxExporterNames({ rules }), ["k_rm_isrshrinks_total", "k_rm_isrexpands_total", "k_raft_commit_latency_avg", "k_time", "k_time"]);
    });

    it("has the web services' contract: requests by method, route and status, and a duration histogram", () => {
        const [requests, duration] = METRIC_SOURCES.webServices.metrics;
        assert.deepStrictEqual([requests.name, requests.type, requests.labels], ["http_requests_total", "counter", ["method", "route", "status"]]);
        assert.deepStrictEqual(seriesNames(duration), ["http_request_duration_seconds_bucket", "http_request_duration_seconds_sum", "http_request_duration_seconds_count"]);
        assert.deepStrictEqual(duration.labels, ["method", "route"]);
    });

    it("names every series once, under one source", () => {
        const all = Object.values(METRIC_SOURCES).flatMap((s) => s.metrics.flatMap((m) => seriesNames(m)));
        assert.strictEqual(new Set(all).size, all.length);
        assert.strictEqual(catalogueIndex(METRIC_SOURCES).get("http_request_duration_seconds_bucket")?.source, "webServices");
    });
});
