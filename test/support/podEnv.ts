// Turns a container's `env` into the environment the process would see, as the kubelet does:
// secretKeyRef and fieldRef resolved from given values, $(VAR) references expanded.
import * as fs from "fs";
import * as path from "path";
import { EnvVar, SECRET_FILES_DIR, secretEnvAsFiles } from "../../components/meta/secretFiles";
import { tempDir } from "./tempdirs";

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

/**
 * The environment of a container whose Secret references arrive as files (secretEnvAsFiles, as
 * the components build their pods): each file written under a scratch directory standing in for
 * the mounted Secret, `<NAME>_FILE` pointing there (the one allowed difference: the path).
 */
export function resolvePodEnvWithSecretFiles(vars: readonly EnvVar[], values: PodValues): Record<string, string> {
    const dir = tempDir("secret-files");
    for (const v of vars) {
        const ref = v.valueFrom?.secretKeyRef;
        if (!ref) continue;
        const key = `${ref.name}/${ref.key}`;
        if (!(key in values.secrets)) throw new Error(`no test value for secret ${key}`);
        fs.writeFileSync(path.join(dir, v.name), values.secrets[key], { mode: 0o400 });
    }
    const env = resolvePodEnv(secretEnvAsFiles(vars).env, values);
    for (const [name, value] of Object.entries(env)) {
        if (name.endsWith("_FILE") && value.startsWith(`${SECRET_FILES_DIR}/`)) env[name] = path.join(dir, value.slice(SECRET_FILES_DIR.length + 1));
    }
    return env;
}
