// What the change data capture check runs: the staging stack with one Debezium PostgreSQL connector
// declared, planned offline (`npm run plan`), so that PostgreSQL's members, the databases Job's SQL,
// the Connect worker's properties and the connector's configuration are what `pulumi up` deploys.
import * as fs from "fs";
import * as path from "path";
import { CONNECT_NAMES } from "../../components/connect/kafkaConnect";
import { PROJECT_DIR, scratchProject } from "../../test/support/stacks";
import { PlannedPostgres, plannedObjectsOf, postgresOfPlan } from "../patroni/planned";

export const STACK = "staging";
/** The connector the check declares: the staging stack's own file plus these lines. */
export const CONNECTOR = { name: "orders", database: "webapp", table: "public.orders" } as const;
const DECLARATION = `  data-platform:connect:
    connectors:
      ${CONNECTOR.name}:
        class: io.debezium.connector.postgresql.PostgresConnector
        database: ${CONNECTOR.database}
        tables: [${CONNECTOR.table}]
`;

export interface PlannedCapture {
    readonly postgres: PlannedPostgres;
    /** databases.sql of the members' settings ConfigMap: what the databases Job runs. */
    readonly databasesSql: string;
    /** connect-distributed.properties of the workers' ConfigMap (with connect-start's @POD_IP@). */
    readonly workerProperties: string;
    /** The connector's configuration as the connectors Job PUTs it. */
    readonly connector: Record<string, string>;
    /** The stack file the plan was made of. */
    readonly stackFile: string;
}

export function plannedCapture(): PlannedCapture {
    const stackFile = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${STACK}.yaml`), "utf8") + DECLARATION;
    const objects = plannedObjectsOf(STACK, scratchProject({ [STACK]: stackFile }));
    const configMap = (name: string) => {
        const found = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === name);
        if (!found) throw new Error(`the ${STACK} plan has no ConfigMap ${name}`);
        return found.data as Record<string, string>;
    };
    const postgres = postgresOfPlan(objects);
    return {
        postgres,
        databasesSql: configMap(`${postgres.scope}-settings`)["databases.sql"],
        workerProperties: configMap(CONNECT_NAMES.config)["connect-distributed.properties"],
        connector: JSON.parse(configMap(CONNECT_NAMES.connectors)[`${CONNECTOR.name}.json`]),
        stackFile,
    };
}
