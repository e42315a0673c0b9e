// A real Spark for the lakehouse e2e: pyspark 3.5.7 (e2e/lakehouse/setup) as the image's Spark,
// with the jars images/spark/Dockerfile adds fetched from the same URLs, checked against the same
// checksums and put where the image puts them (Spark's jars/). spark-submit runs on the machine
// (master local[2], client mode: the only settings that differ from a pod's) with SPARK_CONF_DIR
// holding the rendered spark-defaults.conf.
import { ChildProcess, SpawnSyncReturns, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR } from "../../test/support/stacks";
import { DockerfileDownload, dockerfileDownloads } from "../../components/images/dockerfileDownloads";
import { fetchVerified } from "../support/dockerfile";

const VENV = path.join(PROJECT_DIR, ".tools", "spark-venv");
export const SPARK_DOCKERFILE = path.join(PROJECT_DIR, "images", "spark", "Dockerfile");
/** The image's jobs directory (COPY jobs/ /opt/spark/jobs/). */
export const SPARK_JOBS_DIR = path.join(PROJECT_DIR, "images", "spark", "jobs");

export interface LocalSpark {
    readonly home: string;
    /** The artifacts the Dockerfile adds, as fetched and verified. */
    readonly downloads: readonly DockerfileDownload[];
}

/** Spark's home in the venv, with the image's extra jars in place (fetched once into a cache outside the repository). */
export async function setupSpark(): Promise<LocalSpark> {
    const home = fs.readdirSync(path.join(VENV, "lib")).map((py) => path.join(VENV, "lib", py, "site-packages", "pyspark")).find((p) => fs.existsSync(p));
    if (!home) throw new Error(`no pyspark in ${VENV}: run e2e/lakehouse/setup`);
    const downloads = dockerfileDownloads(fs.readFileSync(SPARK_DOCKERFILE, "utf8"));
    const files = await fetchVerified(downloads, path.join(os.homedir(), ".cache", "data-platform-e2e", "spark-image-jars"));
    downloads.forEach((d, i) => {
        if (!d.dest.startsWith("/opt/spark/jars/")) throw new Error(`${d.url} goes to ${d.dest}, not Spark's jars/`);
        fs.copyFileSync(files[i], path.join(home, "jars", path.basename(d.dest)));
    });
    return { home, downloads };
}

export interface SubmitOptions {
    /** Directory with spark-defaults.conf. */
    readonly confDir: string;
    /** --conf settings of the job (as the pod's spark-submit gets them). */
    readonly conf?: readonly [string, string][];
    readonly application: string;
    readonly args?: readonly string[];
    readonly env: Readonly<Record<string, string>>;
    /** The local driver's UI port (its /metrics/prometheus). */
    readonly uiPort?: number;
}

function submitArgs(o: SubmitOptions): string[] {
    return [
        "--master", "local[2]",
        "--deploy-mode", "client",
        ...(o.uiPort ? ["--conf", `spark.ui.port=${o.uiPort}`] : []),
        ...(o.conf ?? []).flatMap(([k, v]) => ["--conf", `${k}=${v}`]),
        o.application,
        ...(o.args ?? []),
    ];
}

function submitEnv(o: SubmitOptions): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH, HOME: process.env.HOME, SPARK_CONF_DIR: o.confDir, PYSPARK_PYTHON: path.join(VENV, "bin", "python"), ...o.env };
}

export function sparkSubmit(o: SubmitOptions): SpawnSyncReturns<string> {
    return spawnSync(path.join(VENV, "bin", "spark-submit"), submitArgs(o), { encoding: "utf8", env: submitEnv(o), timeout: 600_000, maxBuffer: 64 * 2 ** 20 });
}

/** The same, in the background (to read the running driver's metrics). */
export function sparkSubmitAsync(o: SubmitOptions): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
    const child = spawn(path.join(VENV, "bin", "spark-submit"), submitArgs(o), { env: submitEnv(o) });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    return { child, done: new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr }))) };
}
