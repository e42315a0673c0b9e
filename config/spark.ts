// Validation of the Spark section (spark): the image it builds from, the drivers' and executors'
// resources and tolerations, and the jobs declared in config, each a spark-submit in cluster mode
// (a CronJob with a schedule, else a Job), naming the catalogs it uses: only those the platform
// configures exist.
import { Checker, DNS_LABEL, IMAGE_REF, resources } from "./checks";
import { Environment, ResourceSettings, SparkJobSettings, SparkSettings, Toleration } from "./types";

/** The catalogs spark-defaults.conf configures (components/spark/sparkDefaults.ts). */
export const SPARK_CATALOGS = ["lakehouse"] as const;

/** Five cron fields (minute hour day-of-month month day-of-week), as a CronJob takes them. */
const CRON = /^(\S+\s+){4}\S+$/;
/** A Java class name. */
const CLASS_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;
/** Where spark-submit finds the application: in the image (local://), or in the object store (s3a://). */
const APPLICATION = /^(local:\/\/\/|s3a:\/\/)\S+\.(jar|py)$/;

function tolerations(c: Checker, path: string, value: unknown): Toleration[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
        c.fail(path, value, "a list of { key, operator, value, effect }");
        return [];
    }
    return value.map((v, i) => {
        const t = c.object(`${path}[${i}]`, v, ["key", "operator", "value", "effect"]) ?? {};
        const operator = c.oneOf(`${path}[${i}].operator`, t.operator ?? "Equal", ["Equal", "Exists"] as const);
        return {
            key: c.string(`${path}[${i}].key`, t.key, /^\S+$/, "a taint key"),
            operator,
            ...(t.value !== undefined ? { value: c.string(`${path}[${i}].value`, t.value, /^\S*$/, "a taint value") } : {}),
            ...(t.effect !== undefined ? { effect: c.oneOf(`${path}[${i}].effect`, t.effect, ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const) } : {}),
        };
    });
}

function job(c: Checker, path: string, value: unknown, defaults: { driver: ResourceSettings; executor: ResourceSettings }): SparkJobSettings {
    const j = c.object(path, value, ["name", "mainClass", "application", "args", "catalogs", "executors", "driver", "executor", "schedule"]) ?? {};
    const application = c.string(`${path}.application`, j.application, APPLICATION, "local:///path/in/the/image.jar|.py or s3a://bucket/key.jar|.py");
    const mainClass = j.mainClass === undefined ? undefined : c.string(`${path}.mainClass`, j.mainClass, CLASS_NAME, "a Java class name, e.g. org.example.Compact");
    if (application.endsWith(".jar") && mainClass === undefined) c.fail(`${path}.mainClass`, undefined, "the class to run (the application is a jar)");
    if (application.endsWith(".py") && mainClass !== undefined) c.fail(`${path}.mainClass`, mainClass, "absent for a Python application");
    const args = j.args ?? [];
    if (!Array.isArray(args) || args.some((a) => typeof a !== "string")) c.fail(`${path}.args`, j.args, "a list of strings");
    const catalogs = j.catalogs ?? [...SPARK_CATALOGS];
    if (!Array.isArray(catalogs) || catalogs.length === 0) c.fail(`${path}.catalogs`, j.catalogs, `a non-empty list of ${SPARK_CATALOGS.join(", ")}`);
    else catalogs.forEach((name, i) => c.oneOf(`${path}.catalogs[${i}]`, name, SPARK_CATALOGS));
    const schedule = j.schedule === undefined ? undefined : c.string(`${path}.schedule`, j.schedule, CRON, "five cron fields, e.g. \"0 3 * * *\"");
    return {
        name: c.string(`${path}.name`, j.name, DNS_LABEL, "a DNS label (it names the Job, the driver and its executors)"),
        ...(mainClass !== undefined ? { mainClass } : {}),
        application,
        args: Array.isArray(args) ? (args as string[]) : [],
        catalogs: Array.isArray(catalogs) ? (catalogs as string[]) : [],
        executors: c.integer(`${path}.executors`, j.executors ?? 2, 1, 500),
        driver: j.driver === undefined ? defaults.driver : resources(c, `${path}.driver`, j.driver),
        executor: j.executor === undefined ? defaults.executor : resources(c, `${path}.executor`, j.executor),
        ...(schedule !== undefined ? { schedule } : {}),
    };
}

export function spark(c: Checker, _environment: Environment, value: unknown): SparkSettings {
    const p = "spark";
    const s = c.object(p, value, ["enabled", "version", "image", "driver", "executor", "tolerations", "jobs"]) ?? {};
    const driver = resources(c, `${p}.driver`, s.driver);
    const executor = resources(c, `${p}.executor`, s.executor);
    const jobs = s.jobs ?? [];
    if (!Array.isArray(jobs)) c.fail(`${p}.jobs`, s.jobs, "a list of jobs");
    const parsed = Array.isArray(jobs) ? jobs.map((v, i) => job(c, `${p}.jobs[${i}]`, v, { driver, executor })) : [];
    parsed.forEach((j, i) => {
        if (parsed.findIndex((o) => o.name === j.name) !== i) c.fail(`${p}.jobs[${i}].name`, j.name, "a name no other job has");
    });
    return {
        enabled: c.boolean(`${p}.enabled`, s.enabled),
        version: c.string(`${p}.version`, s.version, /^3\.5\.[0-9]+$/, "a Spark 3.5 release, e.g. 3.5.7 (the Iceberg runtime baked in is built for 3.5)"),
        ...(s.image !== undefined ? { image: c.string(`${p}.image`, s.image, IMAGE_REF, "a prebuilt image of images/spark") } : {}),
        driver,
        executor,
        tolerations: tolerations(c, `${p}.tolerations`, s.tolerations),
        jobs: parsed,
    };
}
