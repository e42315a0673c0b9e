// The samples of a Prometheus text exposition, as the real-process checks scrape them.

/** One sample of a Prometheus text exposition. */
export interface Sample {
    readonly name: string;
    readonly labels: string;
    readonly value: number;
}

export function parseMetrics(text: string): Sample[] {
    return text
        .split("\n")
        .filter((line) => line && !line.startsWith("#"))
        .map((line) => {
            const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/.exec(line);
            if (!match) throw new Error(`not a sample: ${line}`);
            return { name: match[1], labels: match[2] ?? "", value: Number(match[3]) };
        });
}

/** The series names an exposition holds. */
export function exportedNames(text: string): Set<string> {
    return new Set(parseMetrics(text).map((s) => s.name));
}
