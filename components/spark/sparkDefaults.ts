// What Spark jobs are submitted with: spark-defaults.conf (native Kubernetes mode, the lakehouse
// catalog on Nessie's Iceberg REST API with S3FileIO and Spark's own identity, the Prometheus
// servlet) and the driver and executor pod templates (restricted security, resources and
// tolerations). Pure: the component mounts these strings into the submitting pod, and
// e2e/lakehouse.spec.ts runs a real Spark with the same spark-defaults.conf. Every key is set once:
// the settings are a map, never concatenated text.
import { ResourceSettings, Toleration } from "../../config/types";
import { resourceRequirements } from "../meta/resources";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../meta/security";
import { CatalogOAuth2, CATALOG_CREDENTIAL_ENV } from "../nessie/nessieProperties";

/** The image's spark user. */
export const SPARK_UID = 185;

/** Where the submitting pod mounts spark-defaults.conf and the pod templates (SPARK_CONF_DIR). */
export const SPARK_PATHS = {
    conf: "/opt/spark/conf",
    templates: "/opt/spark/pod-templates",
    /** spark.local.dir: shuffle and spill files (an emptyDir in every pod). */
    local: "/tmp/spark-local",
} as const;

/** Environment variables the drivers and executors get from the spark-s3 Secret (Iceberg's S3FileIO reads them). */
export const SPARK_S3_ENV = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const;

/** The Spark UI port of a driver: PrometheusServlet serves /metrics/prometheus and /metrics/executors/prometheus there. */
export const SPARK_UI_PORT = 4040;

export interface SparkDefaultsRendering {
    /** The API server as drivers reach it (k8s://https://kubernetes.default.svc). */
    readonly master: string;
    readonly namespace: string;
    readonly image: string;
    /** The drivers' ServiceAccount (it creates and deletes executors). */
    readonly driverServiceAccount: string;
    /** The Secret with Spark's S3 keys (keys SPARK_S3_ENV). */
    readonly s3Secret: string;
    readonly catalog: {
        readonly uri: string;
        readonly warehouse: string;
        readonly s3: { readonly endpoint: string; readonly region: string; readonly pathStyle: boolean };
        /** Spark's sign-in to the catalog (client credentials), when Nessie requires tokens. */
        readonly oauth2?: CatalogOAuth2;
    };
    /** The Secret with the catalog client's credential (key CATALOG_CREDENTIAL_ENV), when `catalog.oauth2` is set. */
    readonly catalogSecret?: string;
    readonly templates?: string;
}

/** The settings, in order; rendered one per line. */
export function sparkDefaults(r: SparkDefaultsRendering): ReadonlyMap<string, string> {
    const lakehouse = "spark.sql.catalog.lakehouse";
    const templates = r.templates ?? SPARK_PATHS.templates;
    const entries: [string, string][] = [
        ["spark.master", r.master],
        ["spark.submit.deployMode", "cluster"],
        ["spark.kubernetes.namespace", r.namespace],
        ["spark.kubernetes.container.image", r.image],
        ["spark.kubernetes.authenticate.driver.serviceAccountName", r.driverServiceAccount],
        ["spark.kubernetes.driver.podTemplateFile", `${templates}/driver.yaml`],
        ["spark.kubernetes.executor.podTemplateFile", `${templates}/executor.yaml`],
        // The pod templates name the container: Spark fills in image, command and resources of this one.
        ["spark.kubernetes.driver.podTemplateContainerName", "spark-kubernetes-driver"],
        ["spark.kubernetes.executor.podTemplateContainerName", "spark-kubernetes-executor"],
        ...SPARK_S3_ENV.flatMap((v) => [[`spark.kubernetes.driver.secretKeyRef.${v}`, `${r.s3Secret}:${v}`], [`spark.kubernetes.executor.secretKeyRef.${v}`, `${r.s3Secret}:${v}`]] as [string, string][]),
        ["spark.kubernetes.driverEnv.AWS_REGION", r.catalog.s3.region],
        ["spark.executorEnv.AWS_REGION", r.catalog.s3.region],
        ["spark.local.dir", SPARK_PATHS.local],
        // A job that asks for --packages resolves them into a writable directory (the home is read-only).
        ["spark.jars.ivy", "/tmp/.ivy2"],
        ["spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"],
        [lakehouse, "org.apache.iceberg.spark.SparkCatalog"],
        [`${lakehouse}.type`, "rest"],
        [`${lakehouse}.uri`, r.catalog.uri],
        [`${lakehouse}.warehouse`, r.catalog.warehouse],
        [`${lakehouse}.io-impl`, "org.apache.iceberg.aws.s3.S3FileIO"],
        [`${lakehouse}.s3.endpoint`, r.catalog.s3.endpoint],
        [`${lakehouse}.s3.path-style-access`, String(r.catalog.s3.pathStyle)],
        [`${lakehouse}.client.region`, r.catalog.s3.region],
        ...catalogSignIn(lakehouse, r),
        ["spark.sql.defaultCatalog", "lakehouse"],
        ["spark.ui.prometheus.enabled", "true"],
        // Stable metric names (the default prefix is each application's id); the pod's labels tell applications apart.
        ["spark.metrics.namespace", "spark"],
        ["spark.metrics.conf.*.sink.prometheusServlet.class", "org.apache.spark.metrics.sink.PrometheusServlet"],
        ["spark.metrics.conf.*.sink.prometheusServlet.path", "/metrics/prometheus"],
        // The JVM's memory and GC (not a default source of the driver and executors).
        ["spark.metrics.conf.*.source.jvm.class", "org.apache.spark.metrics.source.JvmSource"],
    ];
    const map = new Map<string, string>();
    for (const [key, value] of entries) {
        if (map.has(key)) throw new Error(`spark-defaults.conf: ${key} set twice`);
        map.set(key, value);
    }
    return map;
}

/**
 * The catalog's OAuth2 settings. The credential is no setting: spark-submit writes every setting
 * into the driver's ConfigMap, in plain text. The driver gets it as CATALOG_CREDENTIAL_ENV from
 * the sealed Secret, and the job sets `spark.sql.catalog.<name>.credential` from it when it builds
 * its session (images/spark/jobs); the UI redacts it.
 */
function catalogSignIn(lakehouse: string, r: SparkDefaultsRendering): [string, string][] {
    const oauth2 = r.catalog.oauth2;
    if (!oauth2) return [];
    if (!r.catalogSecret) throw new Error("spark-defaults.conf: the catalog signs in with OAuth2 but no Secret holds its credential");
    return [
        [`${lakehouse}.rest.auth.type`, "oauth2"],
        [`${lakehouse}.oauth2-server-uri`, oauth2.tokenEndpoint],
        [`${lakehouse}.scope`, oauth2.scope],
        // A token near its expiry is fetched again with the credential (Keycloak exchanges only for clients allowed to).
        [`${lakehouse}.token-exchange-enabled`, "false"],
        [`spark.kubernetes.driver.secretKeyRef.${CATALOG_CREDENTIAL_ENV}`, `${r.catalogSecret}:${CATALOG_CREDENTIAL_ENV}`],
        ["spark.redaction.regex", "(?i)secret|password|token|access[.]?key|credential"],
    ];
}

export function renderSparkDefaults(settings: ReadonlyMap<string, string>): string {
    const width = Math.max(...[...settings.keys()].map((k) => k.length)) + 1;
    return [...settings].map(([k, v]) => `${k.padEnd(width)} ${v}`).join("\n") + "\n";
}

export interface PodTemplateRendering {
    readonly role: "driver" | "executor";
    readonly labels: Readonly<Record<string, string>>;
    readonly resources: ResourceSettings;
    readonly tolerations: readonly Toleration[];
}

/**
 * A driver's or executor's pod template: restricted Pod Security (numeric user, no privilege
 * escalation, no capabilities, the runtime's seccomp profile, read-only root with /tmp writable),
 * resources and tolerations. Executors mount no service-account token; drivers need theirs.
 */
export function podTemplate(r: PodTemplateRendering): Record<string, unknown> {
    const container = r.role === "driver" ? "spark-kubernetes-driver" : "spark-kubernetes-executor";
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { labels: { ...r.labels } },
        spec: {
            automountServiceAccountToken: r.role === "driver",
            enableServiceLinks: false,
            securityContext: restrictedPodSecurity(SPARK_UID),
            ...(r.tolerations.length > 0 ? { tolerations: r.tolerations.map((t) => ({ ...t })) } : {}),
            containers: [
                {
                    name: container,
                    resources: resourceRequirements(r.resources),
                    securityContext: restrictedContainerSecurity(),
                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                },
            ],
            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "4Gi" } }],
        },
    };
}
