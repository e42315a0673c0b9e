// Validation of the schema registry section (schemaRegistry): Apicurio Registry 3 with its
// storage in the platform's PostgreSQL (a database the service declares), replicas and sizing.
import { Checker, IMAGE_REF, resources } from "./checks";
import { Environment, SchemaRegistrySettings } from "./types";

export function schemaRegistry(c: Checker, environment: Environment, value: unknown, postgresEnabled: boolean): SchemaRegistrySettings {
    const p = "schemaRegistry";
    const r = c.object(p, value, ["enabled", "image", "replicas", "resources"]) ?? {};
    const enabled = c.boolean(`${p}.enabled`, r.enabled);
    const replicas = c.integer(`${p}.replicas`, r.replicas, 1, 10);
    // Producers and consumers look schemas up on every new schema id: one pod would stop them at each restart.
    if (enabled && environment !== "dev" && replicas < 2) c.fail(`${p}.replicas`, r.replicas, `at least 2 when environment is ${environment}`);
    if (enabled && !postgresEnabled) c.fail(`${p}.enabled`, true, "false, or postgres.enabled true: the registry keeps its schemas in PostgreSQL");
    return {
        enabled,
        image: c.string(`${p}.image`, r.image, IMAGE_REF, "an image reference with a tag or digest, e.g. quay.io/apicurio/apicurio-registry:3.3.3"),
        replicas,
        resources: resources(c, `${p}.resources`, r.resources),
    };
}
