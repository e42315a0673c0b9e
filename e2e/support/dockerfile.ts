// Fetching what a Dockerfile of images/ downloads (components/images/dockerfileDownloads.ts), once,
// verified against the checksums the Dockerfile pins.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { DockerfileDownload } from "../../components/images/dockerfileDownloads";

/** Downloads each artifact into `dir` (once: a file with the right checksum is kept) and verifies it; returns the local paths. */
export async function fetchVerified(downloads: readonly DockerfileDownload[], dir: string): Promise<string[]> {
    fs.mkdirSync(dir, { recursive: true });
    const digest = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
    const files: string[] = [];
    for (const d of downloads) {
        const file = path.join(dir, path.basename(new URL(d.url).pathname));
        if (!fs.existsSync(file) || digest(file) !== d.sha256) {
            const response = await fetch(d.url);
            if (!response.ok) throw new Error(`${d.url}: HTTP ${response.status}`);
            fs.writeFileSync(`${file}.part`, Buffer.from(await response.arrayBuffer()));
            const got = digest(`${file}.part`);
            if (got !== d.sha256) throw new Error(`${d.url}: sha256 ${got}, the Dockerfile pins ${d.sha256}`);
            fs.renameSync(`${file}.part`, file);
        }
        files.push(file);
    }
    return files;
}
