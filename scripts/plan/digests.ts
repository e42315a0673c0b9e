// Digests of everything the offline plan writes for a stack (manifests, chart requests, the
// registrations with their options, the summaries), so a refactoring can prove that it changes
// nothing a deployment would see. The project's directory, which appears in image build contexts,
// is written as $PROJECT so digests agree on every checkout.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
export const DIGESTS_FILE = path.join(PROJECT_DIR, "test", "fixtures", "plan-digests.json");
/** Every stack file of the repository. */
export const DIGEST_STACKS = ["dev", "staging", "prod", "e2e"] as const;

export interface RecordedDigests {
    /** Why the digests were last recorded: the change that was meant to alter what the plan writes. */
    readonly reason: string;
    readonly stacks: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Every file under a directory, relative to it, sorted. */
export function filesUnder(dir: string): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
            const full = path.join(d, entry.name);
            if (entry.isDirectory()) walk(full);
            else out.push(path.relative(dir, full));
        }
    };
    walk(dir);
    return out.sort();
}

/** sha256 of every file a plan wrote into `outDir`, by relative path. */
export function planDigests(outDir: string, projectDir = PROJECT_DIR): Record<string, string> {
    return Object.fromEntries(
        filesUnder(outDir).map((file) => {
            const text = fs.readFileSync(path.join(outDir, file), "utf8").split(projectDir).join("$PROJECT");
            return [file, createHash("sha256").update(text).digest("hex")];
        }),
    );
}

export function readDigests(file = DIGESTS_FILE): RecordedDigests {
    return JSON.parse(fs.readFileSync(file, "utf8"));
}
