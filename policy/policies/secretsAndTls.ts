// Secrets and TLS: no Secret carries literal data (secrets are committed sealed, as SealedSecrets)
// unless allow-listed, pods mount no service-account token unless declared, and every Ingress
// serves all its hosts over TLS.
import { EnforcementLevel, Policies, ResourceValidationPolicy } from "@pulumi/policy";
import { KubernetesResource } from "../lib/kubernetes";
import { BaseConfig, configSchema, describeRef, ofKind, validateObjects, validateWorkloads } from "../lib/policy";

export interface SecretsAndTlsConfig {
    /** Every TLS entry of an Ingress names the Secret holding its certificate. */
    readonly requireTlsSecretName: boolean;
}

function literalSecretPolicy(enforcementLevel: EnforcementLevel): ResourceValidationPolicy {
    const schema = configSchema();
    const asSecret = (resource: KubernetesResource) => ofKind(["core"], "Secret")(resource) ?? ofKind(["core"], "SecretPatch")(resource);
    return {
        name: "secret-no-literal-data",
        description: "No Secret carries literal data or stringData: commit secrets sealed, as SealedSecrets, unless the Secret is allow-listed with the reason.",
        enforcementLevel,
        configSchema: schema,
        validateResource: validateObjects(schema, asSecret, (secret, _config, _args, reportViolation) => {
            const fields = (["data", "stringData"] as const).filter((f) => Object.keys(secret.object[f] ?? {}).length > 0);
            if (fields.length > 0) {
                reportViolation(`${describeRef(secret.ref)} holds literal ${fields.join(" and ")} (keys: ${fields.flatMap((f) => Object.keys(secret.object[f])).join(", ")}); use a SealedSecret.`);
            }
        }),
    };
}

function tokenAutomountPolicy(enforcementLevel: EnforcementLevel): ResourceValidationPolicy {
    const schema = configSchema();
    return {
        name: "service-account-token-automount",
        description: "Pods set automountServiceAccountToken: false; a workload that calls the Kubernetes API is allow-listed with the reason.",
        enforcementLevel,
        configSchema: schema,
        validateResource: validateWorkloads(schema, (workload, _config, _args, reportViolation) => {
            if (workload.podSpec.automountServiceAccountToken !== false) {
                reportViolation(`${describeRef(workload.ref)} mounts a service-account token: set automountServiceAccountToken: false in its pod spec, or allow-list it if it calls the Kubernetes API.`);
            }
        }),
    };
}

/** Does a TLS host (possibly `*.example.com`) cover a rule's host? A wildcard covers one label. */
export function tlsCovers(tlsHost: string, host: string): boolean {
    if (!tlsHost.startsWith("*.")) return tlsHost === host;
    const suffix = tlsHost.slice(1);
    return host.endsWith(suffix) && !host.slice(0, -suffix.length).includes(".") && host.length > suffix.length;
}

function ingressTlsPolicy(enforcementLevel: EnforcementLevel, defaults: SecretsAndTlsConfig): ResourceValidationPolicy {
    const schema = configSchema({
        requireTlsSecretName: { type: "boolean", default: defaults.requireTlsSecretName, description: "Every TLS entry names the Secret holding its certificate." },
    });
    return {
        name: "ingress-tls",
        description: "Every Ingress serves TLS for each host it routes, from a certificate Secret named in its tls entries.",
        enforcementLevel,
        configSchema: schema,
        validateResource: validateObjects<KubernetesResource, BaseConfig & SecretsAndTlsConfig>(
            schema,
            ofKind(["networking.k8s.io", "extensions"], "Ingress"),
            (ingress, config, _args, reportViolation) => {
                const name = describeRef(ingress.ref);
                const tls: Array<{ hosts?: string[]; secretName?: string }> = ingress.object.spec?.tls ?? [];
                if (tls.length === 0) {
                    reportViolation(`${name} has no tls section: its hosts are served over plain HTTP.`);
                    return;
                }
                const rules: Array<{ host?: string }> = ingress.object.spec?.rules ?? [];
                if (rules.some((r) => !r.host)) reportViolation(`${name} has a rule without a host, which no TLS certificate can cover.`);
                const uncovered = rules.flatMap((r) => (r.host && !tls.some((t) => (t.hosts ?? []).some((h) => tlsCovers(h, r.host!))) ? [r.host] : []));
                if (uncovered.length > 0) reportViolation(`${name} routes ${uncovered.join(", ")} without a TLS entry for ${uncovered.length === 1 ? "it" : "them"}.`);
                if (config.requireTlsSecretName && tls.some((t) => !t.secretName)) reportViolation(`${name} has a tls entry without secretName.`);
            },
        ),
    };
}

/** Secrets and TLS policies; `config` gives the default of `requireTlsSecretName`. */
export function secretsAndTlsPolicies(enforcementLevel: EnforcementLevel, config: SecretsAndTlsConfig): Policies {
    return [literalSecretPolicy(enforcementLevel), tokenAutomountPolicy(enforcementLevel), ingressTlsPolicy(enforcementLevel, config)];
}
