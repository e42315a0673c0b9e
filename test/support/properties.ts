// A Java properties file as the tests read the ones the program renders (key=value lines, # comments).
export function parseProperties(text: string): Record<string, string> {
    return Object.fromEntries(text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}
