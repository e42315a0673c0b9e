import { ResourceSettings } from "../../config/types";

/** A container's `resources` from the config's requests and limits. */
export function resourceRequirements(settings: ResourceSettings): { requests: Record<string, string>; limits: Record<string, string> } {
    return { requests: { ...settings.requests }, limits: { ...settings.limits } };
}
