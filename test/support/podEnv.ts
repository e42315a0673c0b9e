// Turns a container's `env` into the environment the process would see, as the kubelet does:
// secretKeyRef and fieldRef resolved from given values, $(VAR) references expanded.
import { EnvVar } from "../../components/postgres/environment";

export interface PodValues {
    /** "secret/key" -> value */
    readonly secrets: Readonly<Record<string, string>>;
    /** field path -> value, e.g. "status.podIP" */
    readonly fields: Readonly<Record<string, string>>;
}

export function resolvePodEnv(vars: readonly EnvVar[], values: PodValues): Record<string, string> {
    const env: Record<string, string> = {};
    for (const v of vars) {
        if (v.value !== undefined) {
            env[v.name] = v.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
        } else if (v.valueFrom?.secretKeyRef) {
            const ref = `${v.valueFrom.secretKeyRef.name}/${v.valueFrom.secretKeyRef.key}`;
            if (!(ref in values.secrets)) throw new Error(`no test value for secret ${ref}`);
            env[v.name] = values.secrets[ref];
        } else if (v.valueFrom?.fieldRef) {
            const field = v.valueFrom.fieldRef.fieldPath;
            if (!(field in values.fields)) throw new Error(`no test value for field ${field}`);
            env[v.name] = values.fields[field];
        }
    }
    return env;
}
