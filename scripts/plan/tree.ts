// Text views of a plan: the resource tree (component -> children) and counts by type.
import { RegisteredResource } from "./mockRuntime";

export function resourceTree(resources: readonly RegisteredResource[]): string {
    const children = new Map<string | undefined, RegisteredResource[]>();
    for (const r of resources) {
        const siblings = children.get(r.parent) ?? [];
        siblings.push(r);
        children.set(r.parent, siblings);
    }
    const lines: string[] = [];
    const walk = (parent: string | undefined, indent: string) => {
        const list = [...(children.get(parent) ?? [])].sort((a, b) => a.urn.localeCompare(b.urn));
        list.forEach((r, i) => {
            const last = i === list.length - 1;
            const flags = [r.protect ? "protected" : "", r.remote ? "remote component" : ""].filter(Boolean);
            lines.push(`${indent}${last ? "└─ " : "├─ "}${r.type}  ${r.name}${flags.length ? `  [${flags.join(", ")}]` : ""}`);
            walk(r.urn, indent + (last ? "   " : "│  "));
        });
    };
    walk(undefined, "");
    return lines.join("\n");
}

export function countsByType(resources: readonly RegisteredResource[]): string {
    const counts = new Map<string, number>();
    for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    return [...counts.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([type, n]) => `${String(n).padStart(5)}  ${type}`)
        .join("\n");
}
