// A small PromQL toolkit: building selectors, and reading back which metrics (and which of their
// labels) an expression uses, so tests can hold every alert and dashboard to the metric catalogue.
// Syntax is checked by promtool; this only has to find names in expressions that already parse.

/** `{a="x",b=~"y"}`: equality matchers first, then regular-expression matchers. */
export function selector(equal: Readonly<Record<string, string>>, regex: Readonly<Record<string, string>> = {}, notEqual: Readonly<Record<string, string>> = {}): string {
    const matchers = [
        ...Object.entries(equal).map(([label, value]) => `${label}=${quote(value)}`),
        ...Object.entries(regex).map(([label, value]) => `${label}=~${quote(value)}`),
        ...Object.entries(notEqual).map(([label, value]) => `${label}!=${quote(value)}`),
    ];
    return `{${matchers.join(",")}}`;
}

/** A PromQL string literal (JSON's escaping is a subset of PromQL's). */
export function quote(value: string): string {
    return JSON.stringify(value);
}

/** Words that look like metric names but are operators or modifiers. */
const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "atan2", "inf", "nan"]);

/** The same text with the inside of every string literal and comment blanked, keeping offsets. */
function maskLiterals(expr: string): string {
    return expr
        .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, (s) => `"${" ".repeat(s.length - 2)}"`)
        .replace(/#[^\n]*/g, (s) => " ".repeat(s.length));
}

/**
 * The metric names an expression selects, sorted and without repeats. Not supported (and not
 * used here): selecting by `{__name__=...}`.
 */
export function metricNames(expr: string): string[] {
    const code = maskLiterals(expr)
        .replace(/\{[^}]*\}/g, " ") // label matchers
        .replace(/\[[^\]]*\]/g, " ") // ranges and subqueries
        .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " "); // label lists
    const names = new Set<string>();
    // Numbers and durations (0.99, 1e3, 5m) are matched first so their letters are not taken for names.
    for (const m of code.matchAll(/\d[\w.]*|([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
        const [, name, call] = m;
        if (name && !call && !KEYWORDS.has(name.toLowerCase())) names.add(name);
    }
    return [...names].sort();
}

/** Each `metric{...}` selector of an expression with the label names its matchers use. */
export function labelMatchers(expr: string): { metric: string; labels: string[] }[] {
    const masked = maskLiterals(expr);
    return [...masked.matchAll(/([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}/g)]
        .filter(([, metric]) => !KEYWORDS.has(metric.toLowerCase()))
        .map(([, metric, body]) => ({ metric, labels: [...body.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]) }));
}
