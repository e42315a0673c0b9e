// Alertmanager's configuration, rendered from typed settings: alerts are routed by severity to the
// channels subscribed to it, everything else (and everything on a stack without channels, such as
// dev) goes to a receiver that drops it. Webhook URLs are secrets: the caller passes their values
// and must keep the rendered configuration secret.
import { SEVERITIES, Severity } from "./alerts";

export interface WebhookChannel {
    /** Receives Alertmanager's webhook JSON (an incident tool, a chat bridge). */
    readonly url: string;
    readonly severities: readonly Severity[];
}

export interface SlackChannel {
    /** Slack incoming-webhook URL. */
    readonly apiUrl: string;
    readonly channel: string;
    readonly severities: readonly Severity[];
}

export interface AlertmanagerSettings {
    readonly webhook?: WebhookChannel;
    readonly slack?: SlackChannel;
}

/** Receives what no route claims: alerts of no severity we page for, or every alert without channels. */
export const NULL_RECEIVER = "null";

/** How often a still-firing alert is sent again. */
const REPEAT_INTERVAL: Readonly<Record<Severity, string>> = { critical: "1h", warning: "12h" };

const SLACK_TITLE = '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }}';
const SLACK_TEXT = "{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}";

function requireUrl(what: string, value: string): string {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        throw new Error(`${what} must be an absolute http(s) URL`);
    }
    // Never echo the value: it is a secret.
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`${what} must be an absolute http(s) URL`);
    return value;
}

/** The receiver of one severity: every channel subscribed to it, or none. */
function receiver(severity: Severity, settings: AlertmanagerSettings): Record<string, unknown> | undefined {
    const { webhook, slack } = settings;
    const configs = {
        ...(webhook?.severities.includes(severity) ? { webhook_configs: [{ url: requireUrl("webhook.url", webhook.url), send_resolved: true }] } : {}),
        ...(slack?.severities.includes(severity)
            ? { slack_configs: [{ api_url: requireUrl("slack.apiUrl", slack.apiUrl), channel: slack.channel, send_resolved: true, title: SLACK_TITLE, text: SLACK_TEXT }] }
            : {}),
    };
    return Object.keys(configs).length ? { name: severity, ...configs } : undefined;
}

export function renderAlertmanagerConfig(settings: AlertmanagerSettings): Record<string, unknown> {
    const routed = SEVERITIES.flatMap((severity) => {
        const r = receiver(severity, settings);
        return r ? [{ severity, receiver: r }] : [];
    });
    return {
        route: {
            receiver: NULL_RECEIVER,
            group_by: ["alertname", "namespace"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: REPEAT_INTERVAL.warning,
            routes: routed.map(({ severity }) => ({ receiver: severity, matchers: [`severity="${severity}"`], repeat_interval: REPEAT_INTERVAL[severity] })),
        },
        // A critical alert makes the warning of the same problem redundant.
        inhibit_rules: [{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname", "namespace"] }],
        receivers: [{ name: NULL_RECEIVER }, ...routed.map(({ receiver: r }) => r)],
    };
}
