export * from "./platformNamespaces";
export * from "./tiers";
export { namespaceName } from "./manifests";
