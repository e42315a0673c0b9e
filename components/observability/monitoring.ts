import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as yaml from "js-yaml";
import { GrafanaRoleMapping, InstallMode, ObservabilitySettings, ResourceSettings } from "../../config/types";
import { FixtureKind, fixtureCrds } from "../meta/crds";
import { standardLabels } from "../meta/labels";
import { resourceRequirements } from "../meta/resources";
import { acmeSolverPolicySpec } from "../edge/routes";
import { PlatformSecret } from "../secrets/platformSecret";
import { SealingKey } from "../secrets/sealedSecret";
import { PeerSelector } from "../web/networkPolicies";
import { AlertmanagerSettings, renderAlertmanagerConfig } from "./alertmanager";
import { GRAFANA_OAUTH, grafanaSsoIni } from "./grafanaSso";
import { RuleGroup } from "./alerts";
import { alloyConfig } from "./alloyConfig";
import { PORTS, alloyPolicySpec, allowScrapeSpec, managementPolicySpecs } from "./observabilityPolicies";
import { ScrapeTarget, podMonitorSpec, scrapeAuthSecretName } from "./scrapeTargets";

/** Names the other objects rely on: the Grafana admin and Alertmanager config Secrets, Loki's Service. */
export const NAMES = { release: "monitoring", grafanaAdmin: "grafana-admin", alertmanagerConfig: "alertmanager-config", loki: "loki" } as const;

export interface MonitoringArgs {
    /** Namespace of the management tier (Prometheus, Alertmanager, Grafana, Loki). */
    readonly namespace: pulumi.Input<string>;
    /** Namespace of the node agents (node-exporter, Alloy). */
    readonly nodeAgentsNamespace: pulumi.Input<string>;
    /** Sizes, retention, Grafana host and alert channel from the stack config. */
    readonly settings: ObservabilitySettings;
    /** Chart versions of kube-prometheus-stack, Loki and Alloy. */
    readonly charts: { readonly kubePrometheusStack: string; readonly loki: string; readonly alloy: string };
    /** Every metrics endpoint the platform deploys. */
    readonly scrapeTargets: readonly ScrapeTarget[];
    /** Alert rules (PrometheusRule groups). */
    readonly ruleGroups: readonly RuleGroup[];
    /** Grafana dashboards by file name. */
    readonly dashboards: Readonly<Record<string, unknown>>;
    /** Alertmanager receivers (the webhook URL is a secret). */
    readonly alerting: { readonly webhookUrl?: pulumi.Output<string>; readonly slackChannel?: string };
    /** Grafana's public host, its ingress class and certificate issuer. */
    readonly grafanaHost: string;
    /** Sign-in through the platform realm: Grafana's client (its secret is sealed into grafana-oauth) and the realm roles mapped to Grafana's. */
    readonly sso?: {
        readonly issuer: string;
        readonly internalRealmUrl: pulumi.Output<string>;
        readonly clientId: string;
        readonly clientSecret: pulumi.Output<string>;
        readonly roles: GrafanaRoleMapping;
    };
    readonly ingressClassName: string;
    readonly clusterIssuer: string;
    readonly ingressPeer: PeerSelector;
    readonly issuerReady: pulumi.Resource[];
    /** Grafana's certificate comes by ACME HTTP-01: the solver pods in this namespace must let the controller in. */
    readonly acme: boolean;
    readonly apiServerCidrs: readonly string[];
    /** Addresses of the nodes (kubelets and node-exporter are scraped there). */
    readonly nodeCidrs: readonly string[];
    readonly sealingKey: SealingKey;
    /** chart: the three charts; existing: the cluster's Prometheus operator; none: our fixture CRDs only (a test cluster). */
    readonly install: InstallMode;
    /** app.kubernetes.io/name of the management pods with NetworkPolicies of their own (Keycloak), left out of management-internal. */
    readonly selfGuarded?: readonly string[];
    /** Namespaces created by the platform (default-deny), where scraping needs an allow rule. */
    readonly ownedNamespaces: readonly string[];
}

/** Where Grafana reads its admin credentials (files of the sealed grafana-admin Secret). */
const GRAFANA_ADMIN_DIR = "/etc/secrets/grafana-admin";

/** Alloy's state (positions, WAL) on the node: one directory per node, kept across pod restarts. */
export const ALLOY_STATE = { volume: "alloy-state", hostPath: "/var/lib/alloy", mountPath: "/var/lib/alloy" } as const;

/** The kinds the platform creates objects of. */
const MONITORING_KINDS: readonly FixtureKind[] = [
    { group: "monitoring.coreos.com", version: "v1", kind: "PodMonitor", plural: "podmonitors", scope: "Namespaced" },
    { group: "monitoring.coreos.com", version: "v1", kind: "PrometheusRule", plural: "prometheusrules", scope: "Namespaced" },
];

/** A container without capabilities, privilege escalation or a writable root filesystem. */
const NO_PRIVILEGES = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true } as const;

/** Small helpers beside the main containers (config reloaders, Grafana's dashboard and datasource sidecars). */
export const SIDECAR_RESOURCES = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } };

function chartResources(r: ResourceSettings) {
    return resourceRequirements(r);
}

/**
 * kube-prometheus-stack (Prometheus, Alertmanager, Grafana, the operator, kube-state-metrics and
 * node-exporter), Loki (monolithic) and Grafana Alloy, with everything the platform deploys
 * scraped, alerted on and on a dashboard.
 */
export class Monitoring extends pulumi.ComponentResource {
    readonly grafanaUrl: string;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:observability:Monitoring", name, {}, opts);
        const { namespace } = args;
        const child = { parent: this };
        const labels = standardLabels({ name: "monitoring", instance: NAMES.release });
        this.grafanaUrl = `https://${args.grafanaHost}/`;

        // --- Credentials, sealed: Grafana's admin and Alertmanager's configuration (it holds webhook URLs).
        const adminPassword = new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, child);
        const grafanaAdmin = new PlatformSecret(
            `${name}-grafana-admin`,
            { namespace, secretName: NAMES.grafanaAdmin, data: { "admin-user": "admin", "admin-password": adminPassword.result }, labels, sealingKey: args.sealingKey },
            child,
        );
        const grafanaOauth = args.sso
            ? new PlatformSecret(
                  `${name}-grafana-oauth`,
                  { namespace, secretName: GRAFANA_OAUTH.secretName, data: { [GRAFANA_OAUTH.file]: args.sso.clientSecret }, labels, sealingKey: args.sealingKey },
                  child,
              )
            : undefined;
        const alertmanagerYaml = pulumi.output(args.alerting.webhookUrl).apply((url) => {
            const severities = ["critical", "warning"] as const;
            const settings: AlertmanagerSettings = url
                ? args.alerting.slackChannel
                    ? { slack: { apiUrl: url, channel: args.alerting.slackChannel, severities } }
                    : { webhook: { url, severities } }
                : {};
            return yaml.dump(renderAlertmanagerConfig(settings), { noRefs: true, lineWidth: -1 });
        });
        const alertmanagerConfig = new PlatformSecret(
            `${name}-alertmanager-config`,
            { namespace, secretName: NAMES.alertmanagerConfig, data: { "alertmanager.yaml": alertmanagerYaml }, labels, sealingKey: args.sealingKey },
            child,
        );

        // --- The charts (or the cluster's monitoring, or our fixture CRDs on a cluster without one).
        const crdsFrom =
            args.install === "chart"
                ? [this.installCharts(name, args, [grafanaAdmin, alertmanagerConfig, ...(grafanaOauth ? [grafanaOauth] : [])])]
                : args.install === "none"
                  ? fixtureCrds(name, MONITORING_KINDS, this)
                  : [];

        // --- What to scrape, what to alert on, what to show.
        const afterStack = { parent: this, dependsOn: crdsFrom };
        for (const target of args.scrapeTargets) {
            if (target.basicAuthUser !== undefined) {
                new PlatformSecret(
                    `${name}-scrape-auth-${target.name}`,
                    { namespace, secretName: scrapeAuthSecretName(target), data: { username: target.basicAuthUser, password: "" }, labels, sealingKey: args.sealingKey },
                    child,
                );
            }
            new k8s.apiextensions.CustomResource(
                `${name}-monitor-${target.name}`,
                { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: { name: target.name, namespace, labels }, spec: podMonitorSpec(target) },
                afterStack,
            );
        }
        new k8s.apiextensions.CustomResource(
            `${name}-rules`,
            { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: "data-platform", namespace, labels }, spec: { groups: args.ruleGroups } },
            afterStack,
        );
        for (const [file, dashboard] of Object.entries(args.dashboards)) {
            new k8s.core.v1.ConfigMap(
                `${name}-dashboard-${file.replace(/\.json$/, "")}`,
                { metadata: { name: `dashboard-${file.replace(/\.json$/, "")}`, namespace, labels: { ...labels, grafana_dashboard: "1" } }, data: { [file]: JSON.stringify(dashboard, null, 2) } },
                child,
            );
        }

        // --- Network: the management tier's own paths, Alloy's, and Prometheus into every scraped namespace.
        const metricsPorts = args.scrapeTargets.map((t) => t.portNumber);
        for (const [policy, spec] of Object.entries(managementPolicySpecs({ metricsPorts, apiServerCidrs: args.apiServerCidrs, nodeCidrs: args.nodeCidrs, ingressPeer: args.ingressPeer, selfGuarded: args.selfGuarded }))) {
            new k8s.networking.v1.NetworkPolicy(`${name}-${policy}`, { metadata: { name: policy, namespace, labels }, spec }, child);
        }
        if (args.acme) {
            new k8s.networking.v1.NetworkPolicy(`${name}-acme-solver`, { metadata: { name: "acme-http01-solver", namespace, labels }, spec: acmeSolverPolicySpec(args.ingressPeer) }, child);
        }
        new k8s.networking.v1.NetworkPolicy(`${name}-alloy-policy`, { metadata: { name: "alloy", namespace: args.nodeAgentsNamespace, labels }, spec: alloyPolicySpec(args.apiServerCidrs) }, child);
        const portsByNamespace = new Map<string, number[]>();
        for (const t of args.scrapeTargets) portsByNamespace.set(t.namespace, [...(portsByNamespace.get(t.namespace) ?? []), t.portNumber]);
        for (const [ns, ports] of portsByNamespace) {
            // Only namespaces the platform owns (and denies by default); a policy selecting every
            // pod of kube-system would cut its other traffic off.
            if (!args.ownedNamespaces.includes(ns)) continue;
            new k8s.networking.v1.NetworkPolicy(`${name}-scrape-${ns}`, { metadata: { name: "allow-prometheus-scrape", namespace: ns, labels }, spec: allowScrapeSpec(ports) }, child);
        }
        this.registerOutputs({ grafanaUrl: this.grafanaUrl });
    }

    /** kube-prometheus-stack, Loki and Alloy from their charts; returns the stack (its CRDs come with it). */
    private installCharts(name: string, args: MonitoringArgs, secrets: pulumi.Resource[]): k8s.helm.v4.Chart {
        const s = args.settings;
        const { namespace, sso } = args;
        const child = { parent: this };
        const volume = (size: string, storageClass?: string) => ({
            volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], storageClassName: storageClass, resources: { requests: { storage: size } } } },
        });
        const stack = new k8s.helm.v4.Chart(
            `${name}-kube-prometheus-stack`,
            {
                name: NAMES.release,
                chart: "kube-prometheus-stack",
                version: args.charts.kubePrometheusStack,
                namespace,
                repositoryOpts: { repo: "https://prometheus-community.github.io/helm-charts" },
                values: {
                    fullnameOverride: NAMES.release,
                    prometheusOperator: {
                        resources: chartResources(s.agents),
                        // The config reloader runs beside every Prometheus and Alertmanager pod.
                        prometheusConfigReloader: { resources: SIDECAR_RESOURCES },
                        // Helm hooks do not run under Pulumi's Chart: the webhook certificate comes from cert-manager.
                        admissionWebhooks: { certManager: { enabled: true } },
                    },
                    prometheus: {
                        prometheusSpec: {
                            replicas: s.prometheus.replicas,
                            retention: s.prometheus.retention,
                            resources: chartResources(s.prometheus.resources),
                            storageSpec: volume(s.prometheus.storage.size, s.prometheus.storage.storageClass),
                            // Select every monitor and rule, whatever its labels (not only release=<release>).
                            serviceMonitorSelectorNilUsesHelmValues: false,
                            podMonitorSelectorNilUsesHelmValues: false,
                            ruleSelectorNilUsesHelmValues: false,
                            probeSelectorNilUsesHelmValues: false,
                            scrapeConfigSelectorNilUsesHelmValues: false,
                        },
                    },
                    alertmanager: {
                        alertmanagerSpec: {
                            replicas: s.alertmanager.replicas,
                            resources: chartResources(s.alertmanager.resources),
                            storage: volume(s.alertmanager.storage.size, s.alertmanager.storage.storageClass),
                            configSecret: NAMES.alertmanagerConfig,
                            // Our sealed Secret is the configuration: the chart renders no config Secret of its own.
                            useExistingSecret: true,
                        },
                    },
                    grafana: {
                        fullnameOverride: "grafana",
                        resources: chartResources(s.grafana.resources),
                        // Grafana writes /var/lib/grafana (the chart's storage volume) and /tmp only.
                        containerSecurityContext: { ...NO_PRIVILEGES, seccompProfile: { type: "RuntimeDefault" } },
                        extraEmptyDirMounts: [{ name: "tmp", mountPath: "/tmp" }],
                        // The admin credentials reach Grafana as files (its __FILE settings), never as env values;
                        // with them set the chart renders no admin Secret of its own.
                        extraSecretMounts: [
                            { name: "admin", secretName: NAMES.grafanaAdmin, mountPath: GRAFANA_ADMIN_DIR, readOnly: true },
                            ...(sso ? [{ name: "oauth", secretName: GRAFANA_OAUTH.secretName, mountPath: GRAFANA_OAUTH.dir, readOnly: true }] : []),
                        ],
                        ...(sso
                            ? { "grafana.ini": sso.internalRealmUrl.apply((internalRealmUrl) => grafanaSsoIni({ grafanaHost: args.grafanaHost, issuer: sso.issuer, internalRealmUrl, clientId: sso.clientId, roles: sso.roles })) }
                            : {}),
                        env: { GF_SECURITY_ADMIN_USER__FILE: `${GRAFANA_ADMIN_DIR}/admin-user`, GF_SECURITY_ADMIN_PASSWORD__FILE: `${GRAFANA_ADMIN_DIR}/admin-password` },
                        ingress: {
                            enabled: true,
                            ingressClassName: args.ingressClassName,
                            annotations: { "cert-manager.io/cluster-issuer": args.clusterIssuer },
                            hosts: [args.grafanaHost],
                            tls: [{ secretName: `${args.grafanaHost.replace(/\./g, "-")}-tls`, hosts: [args.grafanaHost] }],
                        },
                        sidecar: {
                            resources: SIDECAR_RESOURCES,
                            securityContext: { ...NO_PRIVILEGES, seccompProfile: { type: "RuntimeDefault" } },
                            // The sidecars hold no admin credentials (those are Grafana's files): they write
                            // the provisioning files, Grafana rescans dashboards by itself, datasources load at start.
                            dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL", skipReload: true },
                            datasources: { enabled: true, label: "grafana_datasource", labelValue: "1", skipReload: true, initDatasources: true },
                        },
                        additionalDataSources: [{ name: "Loki", type: "loki", uid: "loki", access: "proxy", url: pulumi.interpolate`http://${NAMES.loki}.${namespace}.svc.cluster.local:${PORTS.loki}` }],
                    },
                    "kube-state-metrics": { resources: chartResources(s.agents) },
                    // Node-exporter needs the host's network and /proc: it runs with the other node agents.
                    "prometheus-node-exporter": {
                        namespaceOverride: args.nodeAgentsNamespace,
                        resources: chartResources(s.agents),
                        // The host namespaces and paths are the tier's exception; nothing else is granted.
                        securityContext: { fsGroup: 65534, runAsGroup: 65534, runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
                        containerSecurityContext: NO_PRIVILEGES,
                    },
                },
            },
            { parent: this, dependsOn: [...secrets, ...args.issuerReady] },
        );

        new k8s.helm.v4.Chart(
            `${name}-loki`,
            {
                name: NAMES.loki,
                chart: "loki",
                version: args.charts.loki,
                namespace,
                repositoryOpts: { repo: "https://grafana-community.github.io/helm-charts" },
                values: {
                    deploymentMode: "Monolithic",
                    loki: {
                        // One tenant: the platform.
                        auth_enabled: false,
                        commonConfig: { replication_factor: 1 },
                        storage: { type: "filesystem" },
                        schemaConfig: { configs: [{ from: "2026-01-01", store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "index_", period: "24h" } }] },
                        limits_config: { retention_period: `${s.loki.retentionHours}h` },
                        compactor: { retention_enabled: true, delete_request_store: "filesystem" },
                    },
                    singleBinary: { replicas: s.loki.replicas, resources: chartResources(s.loki.resources), persistence: { size: s.loki.storage.size, storageClass: s.loki.storage.storageClass } },
                    read: { replicas: 0 },
                    write: { replicas: 0 },
                    backend: { replicas: 0 },
                    // The rules sidecar loads Loki alert rules from ConfigMaps: the platform has none, and it would need the API.
                    sidecar: { rules: { enabled: false } },
                    defaults: { automountServiceAccountToken: false },
                    // The default memcached caches ask for ~10 GiB: far too much for these clusters.
                    chunksCache: { enabled: false },
                    resultsCache: { enabled: false },
                    gateway: { enabled: false },
                    test: { enabled: false },
                    lokiCanary: { enabled: false },
                },
            },
            child,
        );

        new k8s.helm.v4.Chart(
            `${name}-alloy`,
            {
                name: "alloy",
                chart: "alloy",
                version: args.charts.alloy,
                namespace: args.nodeAgentsNamespace,
                repositoryOpts: { repo: "https://grafana.github.io/helm-charts" },
                values: {
                    controller: { type: "daemonset", volumes: { extra: [{ name: ALLOY_STATE.volume, hostPath: { path: ALLOY_STATE.hostPath, type: "DirectoryOrCreate" } }] } },
                    alloy: {
                        configMap: { create: true, content: pulumi.output(namespace).apply((ns) => alloyConfig(`http://${NAMES.loki}.${ns}.svc.cluster.local:${PORTS.loki}/loki/api/v1/push`)) },
                        // Read positions and the write-ahead log on the node, so a restarted pod resumes
                        // where it stopped instead of shipping every log file again.
                        storagePath: ALLOY_STATE.mountPath,
                        // Read-only hostPath /var/log and Alloy's own state directory: the documented exceptions of the node-agents tier.
                        mounts: { varlog: true, extra: [{ name: ALLOY_STATE.volume, mountPath: ALLOY_STATE.mountPath }] },
                        extraEnv: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
                        resources: chartResources(s.alloy.resources),
                        // Still root (the kubelet writes the logs 0640 root: reading them as owner needs no
                        // capability), but without capabilities, escalation or a writable image.
                        securityContext: NO_PRIVILEGES,
                    },
                    configReloader: { securityContext: { ...NO_PRIVILEGES, runAsNonRoot: true, runAsUser: 65534 }, resources: SIDECAR_RESOURCES },
                    global: { podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } } },
                },
            },
            child,
        );
        return stack;
    }
}
