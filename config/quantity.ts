// Kubernetes resource quantities ("500m", "2Gi", "1.5") parsed to plain numbers so that the
// config module can compare them (requests <= limits) before anything reaches a cluster.

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

const SUFFIX: Record<string, number> = {
    "": 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

/** True when `value` is a non-negative Kubernetes quantity in canonical suffix form. */
export function isQuantity(value: unknown): value is string {
    return typeof value === "string" && QUANTITY.test(value);
}

/** The numeric value of a quantity: cores for CPU, bytes for memory and storage. */
export function parseQuantity(value: string): number {
    const match = QUANTITY.exec(value);
    if (!match) {
        throw new Error(`not a Kubernetes quantity: ${value}`);
    }
    return Number(match[1]) * SUFFIX[match[2] ?? ""];
}
