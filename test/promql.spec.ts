// The PromQL helpers the observability checks rely on: if the extractor missed a name, a metric
// outside the catalogue could slip through, so it is specified here on its own.
import * as assert from "assert";
import { labelMatchers, metricNames, selector } from "../components/observability/promql";

describe("PromQL metric-name extractor", () => {
    it("finds the metric of a plain selector", () => {
        assert.deepStrictEqual(metricNames('up{job="kafka"}'), ["up"]);
        assert.deepStrictEqual(metricNames("ALERTS"), ["ALERTS"]);
    });

    it("skips functions, aggregations and their label lists, however they are placed", () => {
        assert.deepStrictEqual(metricNames("sum by (namespace, pod) (rate(http_requests_total[5m]))"), ["http_requests_total"]);
        assert.deepStrictEqual(metricNames("sum(rate(http_requests_total[5m])) without (instance)"), ["http_requests_total"]);
        assert.deepStrictEqual(metricNames("histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))"), ["http_request_duration_seconds_bucket"]);
    });

    it("finds both sides of binary operations, skipping matching modifiers and set operators", () => {
        const expr =
            "max by (namespace, scope) (patroni_xlog_location) - on (namespace, scope) group_right patroni_xlog_replayed_location and on (name) (patroni_replica == bool 1) unless ignoring (pod) up";
        assert.deepStrictEqual(metricNames(expr), ["patroni_replica", "patroni_xlog_location", "patroni_xlog_replayed_location", "up"]);
        assert.deepStrictEqual(metricNames("a / on () group_left (x, y) b or c"), ["a", "b", "c"]);
    });

    it("ignores numbers, durations, offsets and subqueries", () => {
        assert.deepStrictEqual(metricNames("rate(x_total[5m] offset 1h) > 1e3 * 0x1f"), ["x_total"]);
        assert.deepStrictEqual(metricNames("max_over_time(deriv(y[10m])[1h:5m]) < Inf"), ["y"]);
        assert.deepStrictEqual(metricNames("time() - z @ 1609746000"), ["z"]);
    });

    it("ignores words inside strings and label matchers, Grafana variables included", () => {
        const expr = 'label_replace(vector(0), "namespace", "not_a_metric", "", "") or sum(rate(m{namespace=~"$namespace", route!="fake_metric"}[$__rate_interval]))';
        assert.deepStrictEqual(metricNames(expr), ["m"]);
        assert.deepStrictEqual(metricNames('count_values("version", build_info)'), ["build_info"]);
    });

    it("finds every selector's matcher labels", () => {
        assert.deepStrictEqual(labelMatchers('sum(rate(http_requests_total{namespace="a",status=~"5.."}[5m])) / sum(up{job!="x"})'), [
            { metric: "http_requests_total", labels: ["namespace", "status"] },
            { metric: "up", labels: ["job"] },
        ]);
        assert.deepStrictEqual(labelMatchers('m{label="a=b,c!~d"}'), [{ metric: "m", labels: ["label"] }], "operators inside values are not labels");
    });
});

describe("PromQL selector builder", () => {
    it("quotes values and puts exact matchers before regular expressions", () => {
        assert.strictEqual(selector({ namespace: "platform-storage" }, { pod: "postgres-[0-9]+" }), '{namespace="platform-storage",pod=~"postgres-[0-9]+"}');
        assert.strictEqual(selector({ name: 'a "quoted" \\ value' }), '{name="a \\"quoted\\" \\\\ value"}');
        assert.strictEqual(selector({}), "{}");
    });
});
