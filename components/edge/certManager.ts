import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { InstallMode, TlsSettings } from "../../config/types";
import { FixtureKind, fixtureCrds } from "../meta/crds";
import { standardLabels } from "../meta/labels";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../meta/security";
import { LOCAL_CA, acmeIssuerSpec, localCaCertificateSpec, platformIssuerName } from "./issuers";
import { apiServerEgress, tcpPorts } from "../meta/network";
import { PeerSelector } from "../web/networkPolicies";

/** The Helm release name, and so the `app.kubernetes.io/instance` label of cert-manager's pods. */
const RELEASE = "cert-manager";

/** The kinds the platform creates objects of. */
const CERT_MANAGER_KINDS: readonly FixtureKind[] = [
    { group: "cert-manager.io", version: "v1", kind: "Certificate", plural: "certificates", scope: "Namespaced" },
    { group: "cert-manager.io", version: "v1", kind: "ClusterIssuer", plural: "clusterissuers", scope: "Cluster" },
];

/** Labels of cert-manager's controller pods (the one that solves ACME challenges and self-checks them). */
export const CERT_MANAGER_CONTROLLER_LABELS = { "app.kubernetes.io/instance": RELEASE, "app.kubernetes.io/component": "controller" } as const;

export interface CertManagerArgs {
    /** Namespace cert-manager runs in; ClusterIssuers keep their secrets there. */
    readonly namespace: pulumi.Input<string>;
    /** cert-manager chart version (oci://quay.io/jetstack/charts/cert-manager). */
    readonly chartVersion: string;
    /** Pinned image of cert-manager's startupapicheck (same release as the chart). */
    readonly startupCheckImage: pulumi.Input<string>;
    /** Which issuer signs the platform's certificates. */
    readonly tls: TlsSettings;
    /** Ingress class the ACME HTTP-01 solver uses. */
    readonly ingressClassName: string;
    /** Base domain (names the dev CA). */
    readonly domain: string;
    /** Addresses of the Kubernetes API server. */
    readonly apiServerCidrs: readonly string[];
    /** chart: cert-manager from its chart; existing: the cluster's; none: nothing issues (CRDs from fixtures). */
    readonly install: InstallMode;
    /**
     * The installed ingress controller's pods and HTTP port: cert-manager's HTTP-01 self-check of a
     * public host may be routed straight to them inside the cluster (load balancer hairpin).
     */
    readonly ingressController?: { readonly peer: PeerSelector; readonly httpPort: number };
}

/**
 * cert-manager from its upstream chart (with CRDs) and the stack's ClusterIssuers. On a fresh
 * cluster the order is: chart (CRDs, controller, webhook, cainjector) -> a Job that waits until
 * the webhook accepts cert-manager resources (`startupapicheck check api`, the check the chart
 * runs as a Helm hook, which Pulumi's Chart does not run) -> issuers. One `pulumi up` does it all.
 */
export class CertManager extends pulumi.ComponentResource {
    /** ClusterIssuer for Ingress annotations (`cert-manager.io/cluster-issuer`). */
    readonly issuerName: string;
    /** Everything that must exist before a Certificate can be requested. */
    readonly ready: pulumi.Resource[];
    /** The platform CA's ClusterIssuer, for TLS inside the cluster (every stack). */
    readonly internalIssuerName: string;
    /** What must exist before an in-cluster certificate can be requested. */
    readonly internalReady: pulumi.Resource[];

    constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:edge:CertManager", name, {}, opts);
        const { namespace } = args;
        const child = { parent: this };
        const labels = standardLabels({ name: "cert-manager", instance: RELEASE, version: args.chartVersion });

        // The kinds the issuers and certificates below need: the chart's CRDs, the cluster's, or our fixtures.
        const chart = args.install === "chart" ? certManagerChart(`${name}-chart`, args, child) : undefined;
        const crds = args.install === "none" ? fixtureCrds(name, CERT_MANAGER_KINDS, this) : [];

        // cert-manager's pods: the API server calls the webhook; they call the API server, and with ACME the CA.
        new k8s.networking.v1.NetworkPolicy(
            `${name}-policy`,
            {
                metadata: { name: "cert-manager", namespace, labels },
                spec: {
                    podSelector: { matchLabels: { "app.kubernetes.io/instance": RELEASE } },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [{ ports: tcpPorts(10250) }],
                    egress: certManagerEgress(args),
                },
            },
            child,
        );

        // Until the webhook accepts cert-manager objects, creating an issuer fails: wait for it, as the
        // chart's startupapicheck hook would. Without cert-manager (none) there is no webhook to wait for.
        const apiReady = args.install === "none" ? undefined : this.startupCheck(name, args, labels, chart);

        // The platform's own CA, in every stack: it signs in-cluster TLS (Kafka's client listener)
        // everywhere, and the public hosts too in dev, where no public CA can reach the cluster.
        const afterApi = { parent: this, dependsOn: apiReady ? [apiReady] : crds };
        const bootstrap = new k8s.apiextensions.CustomResource(
            `${name}-selfsigned`,
            { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: LOCAL_CA.bootstrapIssuer, labels }, spec: { selfSigned: {} } },
            afterApi,
        );
        const ca = new k8s.apiextensions.CustomResource(
            `${name}-ca-certificate`,
            { apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: { name: LOCAL_CA.certificate, namespace, labels }, spec: localCaCertificateSpec(args.domain) },
            { parent: this, dependsOn: [bootstrap] },
        );
        const caIssuer = new k8s.apiextensions.CustomResource(
            `${name}-ca-issuer`,
            { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: LOCAL_CA.issuer, labels }, spec: { ca: { secretName: LOCAL_CA.certificate } } },
            { parent: this, dependsOn: [ca] },
        );
        this.internalIssuerName = LOCAL_CA.issuer;
        this.internalReady = [caIssuer];
        const ready: pulumi.Resource[] = [...(apiReady ? [apiReady] : []), caIssuer];
        if (args.tls.issuer !== "self-signed") {
            ready.push(
                new k8s.apiextensions.CustomResource(
                    `${name}-acme-issuer`,
                    { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: args.tls.issuer, labels }, spec: acmeIssuerSpec(args.tls, args.ingressClassName) },
                    afterApi,
                ),
            );
        }
        this.issuerName = platformIssuerName(args.tls);
        this.ready = ready;
        this.registerOutputs({ issuerName: this.issuerName });
    }

    /** A Job running cert-manager's own `startupapicheck check api` until the webhook serves. */
    private startupCheck(name: string, args: CertManagerArgs, labels: Record<string, string>, chart: pulumi.Resource | undefined): k8s.batch.v1.Job {
        const { namespace } = args;
        const child = { parent: this };
        const account = new k8s.core.v1.ServiceAccount(`${name}-check-account`, { metadata: { name: "cert-manager-startupapicheck", namespace, labels }, automountServiceAccountToken: false }, child);
        const role = new k8s.rbac.v1.Role(
            `${name}-check-role`,
            { metadata: { name: "cert-manager-startupapicheck", namespace, labels }, rules: [{ apiGroups: ["cert-manager.io"], resources: ["certificates"], verbs: ["create"] }] },
            child,
        );
        const binding = new k8s.rbac.v1.RoleBinding(
            `${name}-check-binding`,
            {
                metadata: { name: "cert-manager-startupapicheck", namespace, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }],
            },
            child,
        );
        return new k8s.batch.v1.Job(
            `${name}-api-ready`,
            {
                metadata: { namespace, labels },
                spec: {
                    backoffLimit: 6,
                    template: {
                        metadata: { labels: { ...labels, "app.kubernetes.io/component": "startupapicheck" } },
                        spec: {
                            serviceAccountName: account.metadata.name,
                            // The check talks to the API server with this account's token.
                            automountServiceAccountToken: true,
                            restartPolicy: "OnFailure",
                            securityContext: restrictedPodSecurity(1000),
                            containers: [
                                {
                                    name: "check",
                                    image: args.startupCheckImage,
                                    args: ["check", "api", "--wait=5m", "-v"],
                                    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                                    securityContext: restrictedContainerSecurity(1000),
                                },
                            ],
                        },
                    },
                },
            },
            { parent: this, dependsOn: [...(chart ? [chart] : []), binding] },
        );
    }
}

/**
 * Where cert-manager's pods may connect: the API server always; with an ACME issuer also the ACME
 * directory (443) and the HTTP-01 self-check, a plain GET of http://<host>/.well-known/... at the
 * public address (80), or at the controller's pods when the cluster routes that address internally.
 * The ACME server's and the public address' IPs are not known in advance: those two rules are open
 * to every address (the policy pack allow-lists them with this reason).
 */
export function certManagerEgress(args: Pick<CertManagerArgs, "tls" | "apiServerCidrs" | "ingressController">) {
    const acme = args.tls.issuer !== "self-signed";
    return [
        apiServerEgress(args.apiServerCidrs),
        ...(acme ? [{ ports: tcpPorts(80, 443) }] : []),
        ...(acme && args.ingressController ? [{ to: [args.ingressController.peer], ports: tcpPorts(args.ingressController.httpPort) }] : []),
    ];
}

/** cert-manager from its chart, with its CRDs. */
function certManagerChart(name: string, args: CertManagerArgs, opts: pulumi.ComponentResourceOptions): k8s.helm.v4.Chart {
    const { namespace } = args;
    return new k8s.helm.v4.Chart(
        name,
        {
            name: RELEASE,
            chart: "oci://quay.io/jetstack/charts/cert-manager",
            version: args.chartVersion,
            namespace,
            values: {
                crds: { enabled: true, keep: true },
                // Leader election in its own namespace instead of kube-system.
                global: { leaderElection: { namespace } },
                // A Helm hook, which Pulumi's Chart skips: the startup check Job does the same check.
                startupapicheck: { enabled: false },
                prometheus: { enabled: true, servicemonitor: { enabled: false } },
                resources: { requests: { cpu: "25m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                webhook: { resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } } },
                cainjector: { resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } } },
            },
        },
        opts,
    );
}
