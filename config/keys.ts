// The catalogue of the stack config keys this program reads. Pulumi.yaml declares the scalar ones
// (a test keeps the two in step); structured keys are YAML objects in the stack files.

// string, boolean, array: declared in Pulumi.yaml; object: a YAML object (or list of objects) in the stack file.
export type ConfigKeyKind = "string" | "boolean" | "array" | "object";

export interface ConfigKeyDefinition {
    readonly kind: ConfigKeyKind;
    readonly description: string;
    /** Credentials: must be set with `pulumi config set --secret`. */
    readonly secret?: boolean;
    /** Must be set in every stack. */
    readonly required?: boolean;
    /** Value when the stack does not set it (declared as the default in Pulumi.yaml too). */
    readonly default?: string | boolean | readonly string[];
}

export const CONFIG_KEYS = {
    environment: { kind: "string", required: true, description: "Kind of environment: dev, staging or prod. Selects defaults and how strict the rules are." },
    domain: { kind: "string", required: true, description: "Base DNS domain; services are published as <service>.<domain>." },
    kubeContext: { kind: "string", default: "", description: "kubeconfig context to deploy to. Default: the current context." },
    apiServerCidrs: { kind: "array", default: ["0.0.0.0/0"], description: "Addresses of the Kubernetes API server, for the egress of pods that call it (Patroni's DCS, operators). Open (0.0.0.0/0) only in dev; elsewhere the control plane's addresses." },
    nodeCidrs: { kind: "array", default: ["0.0.0.0/0"], description: "Addresses of the cluster's nodes, where Prometheus scrapes kubelets and node-exporter. Open (0.0.0.0/0) only in dev; elsewhere the nodes' subnets." },
    storageClass: { kind: "string", default: "", description: "Storage class of every volume that names none of its own (postgres, kafka, observability). Default: the cluster's default StorageClass." },
    renderYamlTo: { kind: "string", default: "", description: "Write manifests to this directory instead of applying them (renderYamlToDirectory; secrets are written in plaintext)." },
    namespacePrefix: { kind: "string", default: "platform", description: "Namespaces are named <namespacePrefix>-<tier>. Default: platform." },
    registry: { kind: "string", required: true, description: "Image registry (host[:port][/path]) that built images are pushed to and pulled from." },
    registryPush: { kind: "boolean", default: true, description: "Push built images to the registry (false only for clusters that load images directly)." },
    buildImages: { kind: "boolean", default: true, description: "Build the platform's images with Docker and mirror third-party images into the registry; false uses prebuilt/upstream images as configured." },
    registryUsername: { kind: "string", default: "", description: "Registry user name, when the registry needs one." },
    registryPassword: { kind: "string", secret: true, description: "Registry password or token (secret)." },
    alertmanagerWebhookUrl: { kind: "string", secret: true, description: "Webhook URL Alertmanager sends alerts to (secret; Slack-compatible when observability.slackChannel is set)." },
    namespaces: { kind: "object", description: "ResourceQuota (quota) and container defaults (containerDefaults) of every tier's namespace, with per-tier overrides under tiers.<tier>." },
    edge: { kind: "object", description: "Ingress controller: install Traefik or use an existing class, its class name, Service type, NodePorts and replicas." },
    tls: { kind: "object", description: "ClusterIssuer for the platform's certificates (self-signed CA, Let's Encrypt staging or production) and the ACME e-mail." },
    charts: { kind: "object", description: "Pinned versions of the upstream Helm charts (cert-manager, Traefik, sealed-secrets, kube-prometheus-stack, Loki, Alloy)." },
    observability: { kind: "object", description: "Prometheus, Alertmanager, Grafana, Loki and Alloy: replicas, retention, storage, resources, Grafana host, Slack channel." },
    sealedSecrets: { kind: "object", description: "Values sealed with kubeseal, by <namespace>/<secret> then key; applied as SealedSecrets unchanged." },
    webServices: { kind: "object", description: "Web services around the platform: image or build, port, probes, env, generated secrets and how they arrive (secrets: files or env), database, replicas or autoscaling, resources, ingress, dependencies, blue-green." },
    kafka: { kind: "object", description: "Kafka (KRaft): version, topology, durability, storage, resources and topics." },
    postgres: { kind: "object", description: "PostgreSQL (Patroni) cluster: members, versions, storage, resources, replication, timing, databases and backups." },
} as const satisfies Record<string, ConfigKeyDefinition>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

export function isConfigKey(key: string): key is ConfigKey {
    return Object.prototype.hasOwnProperty.call(CONFIG_KEYS, key);
}

/** What each setting inside a structured key means (`*` stands for any tier name). */
export const FIELD_DOCS: Readonly<Record<string, string>> = {
    "namespaces.quota.requestsCpu": "ResourceQuota: total CPU requests per namespace",
    "namespaces.quota.requestsMemory": "ResourceQuota: total memory requests per namespace",
    "namespaces.quota.limitsCpu": "ResourceQuota: total CPU limits per namespace",
    "namespaces.quota.limitsMemory": "ResourceQuota: total memory limits per namespace",
    "namespaces.quota.requestsStorage": "ResourceQuota: total storage requested by PVCs per namespace",
    "namespaces.quota.persistentVolumeClaims": "ResourceQuota: PVCs per namespace",
    "namespaces.quota.pods": "ResourceQuota: pods per namespace",
    "namespaces.quota.loadBalancers": "ResourceQuota: Services of type LoadBalancer per namespace",
    "namespaces.quota.nodePorts": "ResourceQuota: Services of type NodePort per namespace",
    "namespaces.containerDefaults.requests.cpu": "LimitRange: CPU request of a container that sets none",
    "namespaces.containerDefaults.requests.memory": "LimitRange: memory request of a container that sets none",
    "namespaces.containerDefaults.limits.cpu": "LimitRange: CPU limit of a container that sets none",
    "namespaces.containerDefaults.limits.memory": "LimitRange: memory limit of a container that sets none",
    "namespaces.tiers.*.quota": "Per-tier override of any namespaces.quota setting",
    "namespaces.tiers.*.containerDefaults": "Per-tier override of any namespaces.containerDefaults setting",
    "postgres.members": "Patroni members (StatefulSet replicas): 1 in dev, an odd number >= 3 elsewhere",
    "postgres.version": "PostgreSQL major version of the Patroni image (15-18)",
    "postgres.patroniVersion": "Patroni release installed in the image (4.x)",
    "postgres.image": "Prebuilt Patroni image to use instead of building images/patroni",
    "postgres.exporterImage": "postgres_exporter image (mirrored into the stack's registry and pinned by digest)",
    "postgres.synchronousMode": "Patroni synchronous replication: off, on (one synchronous standby) or quorum; on or quorum in prod",
    "postgres.timing.ttl": "Patroni leader lock TTL in seconds (loopWait + 2 * retryTimeout <= ttl)",
    "postgres.timing.loopWait": "Seconds between Patroni's HA loops",
    "postgres.timing.retryTimeout": "Seconds Patroni retries the Kubernetes API before demoting the primary",
    "postgres.maxConnections": "PostgreSQL max_connections",
    "postgres.databases": "Application databases and their owner roles, created idempotently",
    "postgres.backup.enabled": "Run the backup CronJobs",
    "postgres.backup.schedules.daily": "Cron schedule (UTC) of the daily backup",
    "postgres.backup.schedules.weekly": "Cron schedule (UTC) of the weekly backup",
    "postgres.backup.schedules.monthly": "Cron schedule (UTC) of the monthly backup",
    "postgres.backup.retentionDays.daily": "Days daily backups are kept",
    "postgres.backup.retentionDays.weekly": "Days weekly backups are kept",
    "postgres.backup.retentionDays.monthly": "Days monthly backups are kept",
    "postgres.backup.objectStore.endpoint": "S3-compatible endpoint URL of the backup bucket",
    "postgres.backup.objectStore.bucket": "Backup bucket",
    "postgres.backup.objectStore.prefix": "Key prefix of this cluster's backups in the bucket",
    "postgres.backup.objectStore.region": "Region of the bucket",
    "postgres.backup.objectStore.credentialsSecret": "Secret in the storage namespace with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    "postgres.backup.objectStore.egressCidrs": "Addresses the backup pods may reach (the object store)",
    "postgres.storage.storageClass": "Storage class of the data volumes (unset: the cluster default)",
    "postgres.storage.size": "Size of each member's data volume",
    "postgres.resources.requests.cpu": "CPU request of the PostgreSQL container",
    "postgres.resources.requests.memory": "Memory request of the PostgreSQL container",
    "postgres.resources.limits.cpu": "CPU limit of the PostgreSQL container",
    "postgres.resources.limits.memory": "Memory limit of the PostgreSQL container",
    "edge.ingressController": "install (Traefik from its chart) or existing (an ingress class the cluster already runs)",
    "edge.ingressClassName": "IngressClass of every Ingress",
    "edge.serviceType": "Service type of the installed controller: NodePort (laptop clusters) or LoadBalancer",
    "edge.nodePorts.http": "NodePort for HTTP (NodePort only)",
    "edge.nodePorts.https": "NodePort for HTTPS (NodePort only)",
    "edge.allocateLoadBalancerNodePorts": "LoadBalancer only: allocate node ports behind the load balancer (false for load balancers that reach pods directly); the edge quota follows",
    "edge.ingressEndpoint": "NodePort only: { ip } or { hostname } every Ingress reports in its status (Pulumi waits for one); unset with a LoadBalancer, whose address Traefik copies",
    "edge.ingressEndpoint.ip": "NodePort only: the address every Ingress reports in its status (Pulumi waits for one), e.g. 127.0.0.1 on a laptop cluster",
    "edge.ingressEndpoint.hostname": "NodePort only: a host name Ingresses report instead of ingressEndpoint.ip",
    "edge.replicas": "Replicas of the installed ingress controller",
    "tls.issuer": "self-signed (a local CA), letsencrypt-staging or letsencrypt (required in prod)",
    "tls.acmeEmail": "Let's Encrypt account e-mail (required for the Let's Encrypt issuers)",
    "charts.certManager": "cert-manager chart version (oci://quay.io/jetstack/charts/cert-manager)",
    "charts.traefik": "Traefik chart version (https://traefik.github.io/charts)",
    "charts.sealedSecrets": "sealed-secrets chart version (https://bitnami-labs.github.io/sealed-secrets)",
    "charts.kubePrometheusStack": "kube-prometheus-stack chart version (https://prometheus-community.github.io/helm-charts)",
    "charts.loki": "Loki chart version (https://grafana-community.github.io/helm-charts)",
    "charts.alloy": "Grafana Alloy chart version (https://grafana.github.io/helm-charts)",
    "observability.prometheus.replicas": "Prometheus replicas",
    "observability.prometheus.retention": "How long Prometheus keeps metrics",
    "observability.prometheus.storage.size": "Prometheus volume size",
    "observability.prometheus.storage.storageClass": "Prometheus volume storage class",
    "observability.prometheus.resources.requests.cpu": "Prometheus CPU request",
    "observability.prometheus.resources.requests.memory": "Prometheus memory request",
    "observability.prometheus.resources.limits.cpu": "Prometheus CPU limit",
    "observability.prometheus.resources.limits.memory": "Prometheus memory limit",
    "observability.alertmanager.replicas": "Alertmanager replicas (a gossip cluster when > 1)",
    "observability.alertmanager.storage.size": "Alertmanager volume size (silences, notification log)",
    "observability.alertmanager.storage.storageClass": "Alertmanager volume storage class",
    "observability.alertmanager.resources.requests.cpu": "Alertmanager CPU request",
    "observability.alertmanager.resources.requests.memory": "Alertmanager memory request",
    "observability.alertmanager.resources.limits.cpu": "Alertmanager CPU limit",
    "observability.alertmanager.resources.limits.memory": "Alertmanager memory limit",
    "observability.grafana.host": "Grafana host (a label under the domain, or a full name)",
    "observability.grafana.resources.requests.cpu": "Grafana CPU request",
    "observability.grafana.resources.requests.memory": "Grafana memory request",
    "observability.grafana.resources.limits.cpu": "Grafana CPU limit",
    "observability.grafana.resources.limits.memory": "Grafana memory limit",
    "observability.loki.replicas": "Loki replicas (monolithic)",
    "observability.loki.retentionHours": "Hours Loki keeps logs",
    "observability.loki.storage.size": "Loki volume size",
    "observability.loki.storage.storageClass": "Loki volume storage class",
    "observability.loki.resources.requests.cpu": "Loki CPU request",
    "observability.loki.resources.requests.memory": "Loki memory request",
    "observability.loki.resources.limits.cpu": "Loki CPU limit",
    "observability.loki.resources.limits.memory": "Loki memory limit",
    "observability.alloy.resources.requests.cpu": "Alloy (per node) CPU request",
    "observability.alloy.resources.requests.memory": "Alloy (per node) memory request",
    "observability.alloy.resources.limits.cpu": "Alloy (per node) CPU limit",
    "observability.alloy.resources.limits.memory": "Alloy (per node) memory limit",
    "observability.agents.requests.cpu": "CPU request of the operator, kube-state-metrics and node-exporter (each)",
    "observability.agents.requests.memory": "Memory request of the operator, kube-state-metrics and node-exporter (each)",
    "observability.agents.limits.cpu": "CPU limit of the operator, kube-state-metrics and node-exporter (each)",
    "observability.agents.limits.memory": "Memory limit of the operator, kube-state-metrics and node-exporter (each)",
    "observability.slackChannel": "Slack channel for alerts (alertmanagerWebhookUrl is then a Slack webhook)",
    "kafka.version": "Kafka release (apache/kafka image tag the Kafka image is built from)",
    "kafka.image": "Prebuilt Kafka image to use instead of building images/kafka",
    "kafka.mode": "combined (every node broker and controller) or dedicated (separate controllers; required in prod)",
    "kafka.controllers": "Dedicated KRaft controllers (dedicated mode; an odd number >= 3 outside dev)",
    "kafka.brokers": "Brokers (combined nodes in combined mode)",
    "kafka.replicationFactor": "default.replication.factor and the internal topics' replication (>= 3 outside dev)",
    "kafka.minInsyncReplicas": "min.insync.replicas and transaction.state.log.min.isr (< replicationFactor; >= 2 outside dev)",
    "kafka.storage.storageClass": "Storage class of the broker volumes (unset: the cluster default)",
    "kafka.storage.size": "Size of each broker's volume",
    "kafka.controllerStorage.storageClass": "Storage class of the dedicated controllers' volumes",
    "kafka.controllerStorage.size": "Size of each dedicated controller's volume",
    "kafka.resources.requests.cpu": "CPU request of a broker",
    "kafka.resources.requests.memory": "Memory request of a broker (the JVM heap is half the limit)",
    "kafka.resources.limits.cpu": "CPU limit of a broker",
    "kafka.resources.limits.memory": "Memory limit of a broker",
    "kafka.controllerResources.requests.cpu": "CPU request of a dedicated controller",
    "kafka.controllerResources.requests.memory": "Memory request of a dedicated controller",
    "kafka.controllerResources.limits.cpu": "CPU limit of a dedicated controller",
    "kafka.controllerResources.limits.memory": "Memory limit of a dedicated controller",
    "kafka.clientTls": "A TLS listener for clients on 9094 with a certificate from the platform CA (required in prod)",
    "kafka.topics": "Topics created and updated by the topics Job: name, partitions, replicationFactor, retentionMs, cleanupPolicy",
};

/** The documentation entry for a dotted setting path, if any. */
export function fieldDoc(path: string): string | undefined {
    const generic = path.replace(/^namespaces\.tiers\.[^.]+\.(quota|containerDefaults)(\..*)?$/, "namespaces.tiers.*.$1");
    return FIELD_DOCS[path] ?? FIELD_DOCS[generic];
}
