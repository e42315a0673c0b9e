// The Alertmanager configuration we render, checked and routed by Alertmanager's own amtool.
import * as assert from "assert";
import { AlertmanagerSettings, NULL_RECEIVER, renderAlertmanagerConfig } from "../components/observability/alertmanager";
import { checkAlertmanagerConfig, routeAlert } from "./support/prometheusTools";

const WEBHOOK = "https://hooks.example.com/alertmanager/T0KEN";
const SLACK = "https://hooks.slack.com/services/T000/B000/XXXX";

/** Paging everything to the webhook, critical alerts also to Slack. */
const FULL: AlertmanagerSettings = {
    webhook: { url: WEBHOOK, severities: ["critical", "warning"] },
    slack: { apiUrl: SLACK, channel: "#platform-alerts", severities: ["critical"] },
};

/** The receivers amtool routes an alert with these labels to. */
function receiversOf(settings: AlertmanagerSettings, labels: Record<string, string>): string {
    const result = routeAlert(renderAlertmanagerConfig(settings), labels);
    assert.strictEqual(result.status, 0, result.output);
    return result.stdout.trim();
}

describe("Alertmanager configuration", () => {
    it("passes amtool check-config with a webhook and Slack, and with no channels at all (dev)", () => {
        for (const settings of [FULL, {}]) {
            const result = checkAlertmanagerConfig(renderAlertmanagerConfig(settings));
            assert.strictEqual(result.status, 0, result.output);
            assert.match(result.output, /SUCCESS/);
        }
    });

    it("amtool check-config rejects a route to a receiver that does not exist (the check can fail)", () => {
        const config = renderAlertmanagerConfig(FULL) as any;
        config.route.routes[0].receiver = "nowhere";
        const result = checkAlertmanagerConfig(config);
        assert.notStrictEqual(result.status, 0);
        assert.match(result.output, /nowhere/);
    });

    it("routes each severity to the receiver of that severity, and anything else to the null receiver", () => {
        assert.strictEqual(receiversOf(FULL, { alertname: "PostgresNoLeader", severity: "critical" }), "critical");
        assert.strictEqual(receiversOf(FULL, { alertname: "PostgresMemberDown", severity: "warning" }), "warning");
        assert.strictEqual(receiversOf(FULL, { alertname: "Watchdog", severity: "none" }), NULL_RECEIVER);
    });

    it("sends critical alerts to every channel subscribed to them, warnings to the webhook only", () => {
        const receivers = (renderAlertmanagerConfig(FULL) as any).receivers;
        const critical = receivers.find((r: any) => r.name === "critical");
        const warning = receivers.find((r: any) => r.name === "warning");
        assert.deepStrictEqual(critical.webhook_configs, [{ url: WEBHOOK, send_resolved: true }]);
        assert.deepStrictEqual([critical.slack_configs[0].api_url, critical.slack_configs[0].channel], [SLACK, "#platform-alerts"]);
        assert.deepStrictEqual(warning.webhook_configs, [{ url: WEBHOOK, send_resolved: true }]);
        assert.strictEqual(warning.slack_configs, undefined);
    });

    it("drops every alert when no channel is configured (dev)", () => {
        assert.strictEqual(receiversOf({}, { alertname: "PostgresNoLeader", severity: "critical" }), NULL_RECEIVER);
        assert.deepStrictEqual((renderAlertmanagerConfig({}) as any).receivers, [{ name: NULL_RECEIVER }]);
    });

    it("re-sends critical alerts hourly and warnings twice a day", () => {
        const routes = (renderAlertmanagerConfig(FULL) as any).route.routes;
        assert.deepStrictEqual(
            routes.map((r: any) => [r.receiver, r.repeat_interval]),
            [
                ["critical", "1h"],
                ["warning", "12h"],
            ],
        );
    });

    it("holds back a warning while the critical alert of the same name and namespace fires", () => {
        assert.deepStrictEqual((renderAlertmanagerConfig(FULL) as any).inhibit_rules, [
            { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname", "namespace"] },
        ]);
    });

    it("refuses a webhook that is not an http(s) URL, without repeating the secret", () => {
        assert.throws(
            () => renderAlertmanagerConfig({ webhook: { url: "not a url s3cr3t", severities: ["critical"] } }),
            (e: Error) => /webhook\.url must be an absolute http\(s\) URL/.test(e.message) && !e.message.includes("s3cr3t"),
        );
        assert.throws(() => renderAlertmanagerConfig({ slack: { apiUrl: "ftp://hooks.example.com/x", channel: "#a", severities: ["critical"] } }), /slack\.apiUrl/);
    });
});
