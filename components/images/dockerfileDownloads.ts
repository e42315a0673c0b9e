// What a Dockerfile of images/ downloads: its `ADD --checksum=sha256:<hex> <url> <dest>` lines, with
// the ARG defaults substituted into the URLs, so that an e2e run can fetch the very artifacts an
// image bakes in (no machine here builds images), verify the pinned checksums and run them.

export interface DockerfileDownload {
    readonly url: string;
    readonly sha256: string;
    /** Where the image puts it. */
    readonly dest: string;
}

export function dockerfileDownloads(text: string): DockerfileDownload[] {
    // Continuation lines joined, comments dropped.
    const lines = text.replace(/\\\n/g, " ").split("\n").filter((l) => !/^\s*#/.test(l));
    const args = new Map<string, string>();
    const expand = (s: string) => s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args.get(a ?? b) ?? "");
    const downloads: DockerfileDownload[] = [];
    for (const line of lines) {
        const arg = /^\s*ARG\s+(\w+)=(\S+)/.exec(line);
        if (arg) args.set(arg[1], expand(arg[2]));
        if (!/^\s*ADD\s/.test(line)) continue;
        const words = line.trim().split(/\s+/).slice(1);
        const checksum = words.find((w) => w.startsWith("--checksum="));
        const [url, dest] = words.filter((w) => !w.startsWith("--"));
        if (!/^https:\/\//.test(url ?? "")) continue;
        if (!checksum) throw new Error(`ADD of ${url} without --checksum: pin it`);
        downloads.push({ url: expand(url), sha256: checksum.replace("--checksum=sha256:", ""), dest: expand(dest) });
    }
    return downloads;
}
