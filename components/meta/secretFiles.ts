// Credentials reach processes as files, not environment values: a Secret projected into the
// container, and `<NAME>_FILE` in the environment naming the file. Nothing secret appears in a pod
// spec, in `kubectl describe`, or in the environment every child process inherits; software that
// reads files (postgres_exporter's DATA_SOURCE_PASS_FILE, Grafana's __FILE settings, our scripts and
// services) reads them there.
import * as pulumi from "@pulumi/pulumi";

/** Where a container finds its secret files, one file per variable. */
export const SECRET_FILES_DIR = "/run/secrets/platform";
const VOLUME = "secret-files";

/** Files readable by the container's user and group (fsGroup), by nobody else. */
const FILE_MODE = 0o440;

/** An environment variable: a plain value, a field of the pod, or a key of a Secret. */
export interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: pulumi.Input<string>; key: string } };
}

/** The variable `name` from key `key` of Secret `secret` (becomes a file with secretEnvAsFiles). */
export function fromSecret(name: string, secret: pulumi.Input<string>, key: string): EnvVar {
    return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

/** A container's environment with every Secret reference turned into a file, and the volume that carries them. */
export interface SecretFiles {
    readonly env: EnvVar[];
    /** The projected volume (undefined when nothing is secret). */
    readonly volume?: { name: string; projected: { defaultMode: number; sources: { secret: { name: pulumi.Input<string>; items: { key: string; path: string }[] } }[] } };
    readonly volumeMount?: { name: string; mountPath: string; readOnly: boolean };
}

/** `NAME_FILE=/run/secrets/platform/NAME` for each Secret reference, in place; everything else unchanged. */
export function secretEnvAsFiles(env: readonly EnvVar[]): SecretFiles {
    const sources: { secret: { name: pulumi.Input<string>; items: { key: string; path: string }[] } }[] = [];
    const converted = env.map((v) => {
        const ref = v.valueFrom?.secretKeyRef;
        if (!ref) return v;
        let source = sources.find((s) => s.secret.name === ref.name);
        if (!source) sources.push((source = { secret: { name: ref.name, items: [] } }));
        source.secret.items.push({ key: ref.key, path: v.name });
        return { name: `${v.name}_FILE`, value: `${SECRET_FILES_DIR}/${v.name}` };
    });
    if (sources.length === 0) return { env: converted };
    return {
        env: converted,
        volume: { name: VOLUME, projected: { defaultMode: FILE_MODE, sources } },
        volumeMount: { name: VOLUME, mountPath: SECRET_FILES_DIR, readOnly: true },
    };
}

/**
 * For a bash command: export NAME from the file named by every NAME_FILE variable, so tools that
 * take only environment values (psql's PGPASSWORD) get them inside this process alone.
 */
export const LOAD_SECRET_FILES = 'for v in $(compgen -e); do if [[ $v == *_FILE ]]; then export "${v%_FILE}=$(<"${!v}")"; fi; done';
