// The platform-wide Grafana dashboards by file name (the services bring their own), for ConfigMaps
// the Grafana sidecar loads (label grafana_dashboard: "1"). Datasource uids: "prometheus" and "loki".
import { logsDashboard } from "./logs";
import { overviewDashboard } from "./overview";

export { DATASOURCES } from "./builder";
export { LOG_STREAM_LABELS } from "./logs";

export function platformDashboards(): Record<string, Record<string, unknown>> {
    return {
        "platform-overview.json": overviewDashboard(),
        "logs.json": logsDashboard(),
    };
}
