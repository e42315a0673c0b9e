// Panels more than one dashboard shows, built the same way everywhere.
import { THRESHOLDS } from "../alerts";
import * as q from "../queries";
import { PanelSpec, bars, higherIsWorse, instant } from "./builder";

/** Share of each volume in use, coloured at the PlatformVolumeFillingUp limits. */
export function volumeUsageBars(matchers: q.Matchers, labels: readonly string[], extra: Partial<PanelSpec> = {}): PanelSpec {
    const legend = labels.map((l) => `{{${l}}}`).join("/");
    return bars("Volume usage", instant(`max by (${labels.join(", ")}) ${q.volumeUsage(matchers)}`, legend), {
        unit: "percentunit",
        min: 0,
        max: 1,
        thresholds: higherIsWorse(THRESHOLDS.volumeUsage.warning, THRESHOLDS.volumeUsage.critical),
        ...extra,
    });
}
