export * from "./platformNamespaces";
export * from "../../config/tiers";
export { namespaceName } from "./manifests";
