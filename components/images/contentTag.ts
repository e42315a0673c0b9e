// Image tags derived from content: the same build context and build arguments always give the
// same tag, and any change to them gives a new one. Pure and synchronous, so plans stay
// deterministic and a changed Dockerfile rolls the pods that use the image.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** Top-level names the context's .dockerignore excludes (plain names; Docker never sends them). */
function ignored(dir: string): Set<string> {
    const file = path.join(dir, ".dockerignore");
    if (!fs.existsSync(file)) return new Set();
    return new Set(fs.readFileSync(file, "utf8").split("\n").map((l) => l.trim().replace(/^\/+|\/+$/g, "")).filter((l) => l && !l.startsWith("#")));
}

/** Relative paths of every file Docker would send from `dir`, sorted. */
function filesOf(dir: string): string[] {
    const out: string[] = [];
    const skip = ignored(dir);
    const walk = (d: string) => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const full = path.join(d, entry.name);
            if (d === dir && skip.has(entry.name)) continue;
            if (entry.isDirectory()) walk(full);
            else if (entry.isFile()) out.push(path.relative(dir, full));
        }
    };
    walk(dir);
    return out;
}

/** SHA-256 over the context's file names, modes and contents and the build arguments. */
export function contextDigest(contextDir: string, buildArgs: Readonly<Record<string, string>> = {}): string {
    const hash = createHash("sha256");
    for (const file of filesOf(contextDir)) {
        const full = path.join(contextDir, file);
        // The executable bit matters in an image (entrypoint scripts).
        const mode = fs.statSync(full).mode & 0o111 ? "x" : "-";
        hash.update(`${file.split(path.sep).join("/")}\0${mode}\0`);
        hash.update(fs.readFileSync(full));
        hash.update("\0");
    }
    for (const key of Object.keys(buildArgs).sort()) {
        hash.update(`arg:${key}=${buildArgs[key]}\0`);
    }
    return hash.digest("hex");
}

/** The image tag for a context: `<label>-<first 12 hex digits of its digest>`. */
export function contentTag(label: string, contextDir: string, buildArgs: Readonly<Record<string, string>> = {}): string {
    const safe = label.replace(/[^A-Za-z0-9_.-]/g, "-");
    return `${safe}-${contextDigest(contextDir, buildArgs).slice(0, 12)}`;
}
