// The platform's Grafana dashboards by file name, for ConfigMaps the Grafana sidecar loads
// (label grafana_dashboard: "1"). Datasource uids: "prometheus" and "loki".
import { kafkaDashboard } from "./kafka";
import { logsDashboard } from "./logs";
import { overviewDashboard } from "./overview";
import { postgresqlDashboard } from "./postgresql";
import { webServicesDashboard } from "./webServices";

export { DATASOURCES } from "./builder";
export { LOG_STREAM_LABELS } from "./logs";

export function dashboards(): Record<string, Record<string, unknown>> {
    return {
        "platform-overview.json": overviewDashboard(),
        "postgresql.json": postgresqlDashboard(),
        "kafka.json": kafkaDashboard(),
        "web-services.json": webServicesDashboard(),
        "logs.json": logsDashboard(),
    };
}
