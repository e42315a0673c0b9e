// The Pod Security Standards conformance fixtures (upstream test data of Pod Security Admission),
// found beside the repository as CI checks it out: <repo>/../shared/fixtures/pod-security-standards.
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { PodTemplate } from "./harness";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
export const FIXTURES_DIR = path.resolve(REPO_ROOT, "..", "shared", "fixtures", "pod-security-standards");

export interface PodFixture {
    readonly file: string;
    /** The control a `fail` fixture is made to break, from its file name (`runasnonroot2.yaml` -> `runasnonroot`). */
    readonly control: string;
    readonly pod: PodTemplate;
}

export function podFixtures(level: "baseline" | "restricted", outcome: "pass" | "fail"): PodFixture[] {
    const dir = path.join(FIXTURES_DIR, level, outcome);
    if (!fs.existsSync(dir)) throw new Error(`conformance fixtures missing: ${dir} (shared/ must sit beside the repository)`);
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".yaml"))
        .sort()
        .map((file) => {
            const pod = yaml.load(fs.readFileSync(path.join(dir, file), "utf8")) as { kind: string; metadata: Record<string, any>; spec: Record<string, any> };
            if (pod.kind !== "Pod") throw new Error(`${file} is not a Pod`);
            return { file, control: file.replace(/[0-9]*\.yaml$/, ""), pod: { metadata: pod.metadata, spec: pod.spec } };
        });
}
