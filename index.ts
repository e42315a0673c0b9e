// Composition root: config -> provider -> components -> stack outputs.
import { PlatformNamespaces } from "./components/namespaces";
import { createProvider } from "./components/kubernetes/provider";
import { loadConfig } from "./config";

const config = loadConfig();
const provider = createProvider("kubernetes", config.kubernetes);

const namespaces = new PlatformNamespaces(
    "namespaces",
    { prefix: config.namespaces.prefix, tiers: config.namespaces.tiers, environment: config.environment },
    { provider },
);

export const environment = config.environment;
export const domain = config.domain;
export const namespaceNames = namespaces.names;
