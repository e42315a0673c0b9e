// The pack's policies with their built-in defaults: every rule mandatory and at its strictest, so a
// stack without a policy config gets the production bar. Per-stack config files relax from here.
import { Policies } from "@pulumi/policy";
import { availabilityPolicies } from "./availability";
import { imagesAndResourcesPolicies } from "./imagesAndResources";
import { networkingPolicies } from "./networking";
import { podSecurityPolicies } from "./podSecurity";
import { secretsAndTlsPolicies } from "./secretsAndTls";

export function platformPolicies(): Policies {
    return [
        ...podSecurityPolicies("mandatory", { exemptNamespaces: [] }),
        ...imagesAndResourcesPolicies("mandatory", { requireDigest: true }),
        ...networkingPolicies("mandatory", { exposedServiceTypes: ["NodePort", "LoadBalancer"] }),
        ...secretsAndTlsPolicies("mandatory", { requireTlsSecretName: true }),
        ...availabilityPolicies("mandatory", { minReplicas: 3, requireSpread: true, requireProtect: true }),
    ];
}
