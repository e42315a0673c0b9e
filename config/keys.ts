// The catalogue of the stack config keys this program reads. Pulumi.yaml declares the scalar ones
// (a test keeps the two in step); structured keys are YAML objects in the stack files.

export type ConfigKeyKind = "string" | "boolean" | "object";

export interface ConfigKeyDefinition {
    readonly kind: ConfigKeyKind;
    readonly description: string;
    /** Credentials: must be set with `pulumi config set --secret`. */
    readonly secret?: boolean;
    /** Must be set in every stack. */
    readonly required?: boolean;
    /** Value when the stack does not set it (declared as the default in Pulumi.yaml too). */
    readonly default?: string | boolean;
}

export const CONFIG_KEYS = {
    environment: { kind: "string", required: true, description: "Kind of environment: dev, staging or prod. Selects defaults and how strict the rules are." },
    domain: { kind: "string", required: true, description: "Base DNS domain; services are published as <service>.<domain>." },
    kubeContext: { kind: "string", default: "", description: "kubeconfig context to deploy to. Default: the current context." },
    renderYamlTo: { kind: "string", default: "", description: "Write manifests to this directory instead of applying them (renderYamlToDirectory; secrets are written in plaintext)." },
    namespacePrefix: { kind: "string", default: "platform", description: "Namespaces are named <namespacePrefix>-<tier>. Default: platform." },
    registry: { kind: "string", required: true, description: "Image registry (host[:port][/path]) that built images are pushed to and pulled from." },
    registryPush: { kind: "boolean", default: true, description: "Push built images to the registry (false only for clusters that load images directly)." },
    registryUsername: { kind: "string", default: "", description: "Registry user name, when the registry needs one." },
    registryPassword: { kind: "string", secret: true, description: "Registry password or token (secret)." },
    namespaces: { kind: "object", description: "ResourceQuota (quota) and container defaults (containerDefaults) of every tier's namespace, with per-tier overrides under tiers.<tier>." },
    postgres: { kind: "object", description: "PostgreSQL (Patroni) cluster: members, version, storage, resources." },
} as const satisfies Record<string, ConfigKeyDefinition>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

export function isConfigKey(key: string): key is ConfigKey {
    return Object.prototype.hasOwnProperty.call(CONFIG_KEYS, key);
}
