// Java properties files written from entries in order: a string is a comment line, a pair is
// `key=value`. Shared by the renderers of Nessie's and Trino's files.

/** A line of a properties file: `[key, value]`, or a comment. */
export type PropertiesEntry = readonly [string, string | number | boolean] | string;

export function propertiesFile(entries: readonly PropertiesEntry[]): string {
    return entries.map((e) => (typeof e === "string" ? `# ${e}` : `${e[0]}=${e[1]}`)).join("\n") + "\n";
}
