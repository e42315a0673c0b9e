// A small builder for Grafana dashboards (schema 39): rows of panels laid out left to right on
// Grafana's 24-column grid, queries on the datasources Grafana is provisioned with (uids
// "prometheus" and "loki"), and template variables. Every dashboard is made with it.

export const DATASOURCES = {
    prometheus: { type: "prometheus", uid: "prometheus" },
    loki: { type: "loki", uid: "loki" },
} as const;

export type DatasourceName = keyof typeof DATASOURCES;

export const SCHEMA_VERSION = 39;
const GRID_COLUMNS = 24;

export interface Query {
    readonly expr: string;
    /** Grafana legend template, e.g. "{{pod}}". */
    readonly legend?: string;
    /** One value per series at the dashboard's end time (stats and tables) instead of a range. */
    readonly instant?: boolean;
}

export type PanelType = "timeseries" | "stat" | "table" | "bargauge" | "logs";

export interface PanelSpec {
    readonly title: string;
    readonly type?: PanelType;
    readonly datasource?: DatasourceName;
    readonly queries: readonly Query[];
    readonly description?: string;
    /** Grafana unit id: short, percentunit, bytes, Bps, reqps, s, ms, ... */
    readonly unit?: string;
    readonly min?: number;
    readonly max?: number;
    /** Colour steps from the lowest value up (see higherIsWorse, atLeast). */
    readonly thresholds?: readonly ThresholdStep[];
    /** Table column names for the queries' values, in query order. */
    readonly columns?: readonly string[];
    /** Grid columns (of 24) and rows; default half the width, 8 rows. */
    readonly width?: number;
    readonly height?: number;
}

export interface ThresholdStep {
    /** Where the colour starts; null for the base colour. */
    readonly value: number | null;
    readonly color: "green" | "orange" | "red";
}

/** Green, orange from `warning`, red from `critical`. */
export const higherIsWorse = (warning: number, critical: number): ThresholdStep[] => [
    { value: null, color: "green" },
    { value: warning, color: "orange" },
    { value: critical, color: "red" },
];

/** Red below `healthy`, green from it; red again from `tooMany` when given. */
export const atLeast = (healthy: number, tooMany?: number): ThresholdStep[] => [
    { value: null, color: "red" },
    { value: healthy, color: "green" },
    ...(tooMany === undefined ? [] : [{ value: tooMany, color: "red" as const }]),
];

export interface RowSpec {
    readonly title: string;
    readonly panels: readonly PanelSpec[];
}

export type VariableSpec =
    | {
          readonly kind: "query";
          readonly name: string;
          readonly label: string;
          readonly datasource: DatasourceName;
          /** label_values(...) and the like, as in Grafana's variable editor. */
          readonly query: string;
          readonly multi?: boolean;
      }
    | { readonly kind: "text"; readonly name: string; readonly label: string };

export interface DashboardSpec {
    readonly uid: string;
    readonly title: string;
    readonly description: string;
    readonly tags: readonly string[];
    readonly variables?: readonly VariableSpec[];
    readonly rows: readonly RowSpec[];
}

/** Tag shared by our dashboards; every dashboard links to the others through it. */
export const PLATFORM_TAG = "data-platform";

/** A query with an optional legend. */
export const query = (expr: string, legend?: string): Query => ({ expr, legend });
/** An instant query, for stats and tables. */
export const instant = (expr: string, legend?: string): Query => ({ expr, legend, instant: true });

type Extra = Partial<Omit<PanelSpec, "title" | "queries" | "type">>;
/** One number, a sixth of the width. */
export const stat = (title: string, expr: string, extra: Extra = {}): PanelSpec => ({ title, type: "stat", queries: [instant(expr)], width: 4, height: 4, ...extra });
/** Series over time. */
export const graph = (title: string, queries: readonly Query[], extra: Extra = {}): PanelSpec => ({ title, queries, ...extra });
/** One row per series of instant queries. */
export const table = (title: string, queries: readonly Query[], extra: Extra = {}): PanelSpec => ({ title, type: "table", queries: queries.map((q) => ({ ...q, instant: true })), ...extra });
/** Horizontal bars, one per series (e.g. volume usage). */
export const bars = (title: string, q: Query, extra: Extra = {}): PanelSpec => ({ title, type: "bargauge", queries: [{ ...q, instant: true }], ...extra });
/** Log lines from Loki, full width. */
export const logLines = (title: string, expr: string, extra: Extra = {}): PanelSpec => ({ title, type: "logs", datasource: "loki", queries: [query(expr)], width: 24, height: 20, ...extra });

const OPTIONS: Readonly<Record<PanelType, object>> = {
    timeseries: { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "desc" } },
    stat: { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, colorMode: "background", graphMode: "area", textMode: "auto" },
    table: { showHeader: true, cellHeight: "sm" },
    bargauge: { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, displayMode: "gradient", orientation: "horizontal" },
    logs: { showTime: true, wrapLogMessage: true, sortOrder: "Descending", enableLogDetails: true, dedupStrategy: "none" },
};

const refId = (index: number) => String.fromCharCode(65 + index);

function target(q: Query, index: number, type: PanelType, datasource: DatasourceName): Record<string, unknown> {
    return {
        refId: refId(index),
        datasource: DATASOURCES[datasource],
        expr: q.expr,
        ...(q.legend ? { legendFormat: q.legend } : {}),
        ...(type === "logs" ? {} : { instant: Boolean(q.instant), range: !q.instant }),
        ...(type === "table" ? { format: "table" } : {}),
    };
}

function panel(spec: PanelSpec, id: number, gridPos: object): Record<string, unknown> {
    const type = spec.type ?? "timeseries";
    const datasource = spec.datasource ?? "prometheus";
    const steps = spec.thresholds ?? [{ value: null, color: "green" }];
    // A table of instant queries: one row per series (merged across queries), no time column.
    const columns = Object.fromEntries((spec.columns ?? []).map((name, i) => [spec.queries.length > 1 ? `Value #${refId(i)}` : "Value", name]));
    return {
        id,
        type,
        title: spec.title,
        ...(spec.description ? { description: spec.description } : {}),
        datasource: DATASOURCES[datasource],
        gridPos,
        targets: spec.queries.map((q, i) => target(q, i, type, datasource)),
        fieldConfig: {
            defaults: {
                ...(spec.unit ? { unit: spec.unit } : {}),
                ...(spec.min !== undefined ? { min: spec.min } : {}),
                ...(spec.max !== undefined ? { max: spec.max } : {}),
                thresholds: { mode: "absolute", steps },
                ...(spec.thresholds ? { color: { mode: "thresholds" } } : {}),
            },
            overrides: [],
        },
        options: OPTIONS[type],
        ...(type === "table" ? { transformations: [{ id: "merge", options: {} }, { id: "organize", options: { excludeByName: { Time: true }, renameByName: columns } }] } : {}),
    };
}

function variable(spec: VariableSpec): Record<string, unknown> {
    if (spec.kind === "text") return { type: "textbox", name: spec.name, label: spec.label, query: "", current: { text: "", value: "" }, hide: 0 };
    return {
        type: "query",
        name: spec.name,
        label: spec.label,
        datasource: DATASOURCES[spec.datasource],
        query: spec.query,
        definition: spec.query,
        // Refreshed when the time range changes, so new pods and namespaces appear.
        refresh: 2,
        sort: 1,
        hide: 0,
        multi: Boolean(spec.multi),
        includeAll: Boolean(spec.multi),
        // ".+", not ".*": Loki refuses a stream selector whose matchers all accept the empty string.
        ...(spec.multi ? { allValue: ".+", current: { text: "All", value: "$__all" } } : {}),
        options: [],
    };
}

/** Rows stacked top to bottom; in each, panels fill the 24 columns left to right and wrap. */
function layout(rows: readonly RowSpec[]): Record<string, unknown>[] {
    const panels: Record<string, unknown>[] = [];
    let y = 0;
    for (const row of rows) {
        panels.push({ id: panels.length + 1, type: "row", title: row.title, collapsed: false, gridPos: { x: 0, y, w: GRID_COLUMNS, h: 1 }, panels: [] });
        y += 1;
        let x = 0;
        let lineHeight = 0;
        for (const spec of row.panels) {
            const w = spec.width ?? GRID_COLUMNS / 2;
            const h = spec.height ?? 8;
            if (x + w > GRID_COLUMNS) {
                y += lineHeight;
                x = 0;
                lineHeight = 0;
            }
            panels.push(panel(spec, panels.length + 1, { x, y, w, h }));
            x += w;
            lineHeight = Math.max(lineHeight, h);
        }
        y += lineHeight;
    }
    return panels;
}

export function dashboard(spec: DashboardSpec): Record<string, unknown> {
    return {
        uid: spec.uid,
        title: spec.title,
        description: spec.description,
        tags: [PLATFORM_TAG, ...spec.tags],
        editable: true,
        graphTooltip: 1,
        schemaVersion: SCHEMA_VERSION,
        version: 1,
        refresh: "30s",
        time: { from: "now-6h", to: "now" },
        timezone: "browser",
        links: [{ type: "dashboards", title: "Platform dashboards", tags: [PLATFORM_TAG], asDropdown: true, includeVars: false, keepTime: true }],
        annotations: { list: [] },
        templating: { list: (spec.variables ?? []).map(variable) },
        panels: layout(spec.rows),
    };
}
