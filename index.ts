// Composition root: the stack's config, then the platform composed from its services
// (platform/services.ts lists them; platform/compose.ts builds the shared facilities, resolves every
// service's needs and connections, and monitors them all).
import { loadConfig } from "./config";
import { composePlatform } from "./platform/compose";
import { platformServices } from "./platform/services";

const config = loadConfig();
const platform = composePlatform(config, platformServices(config));
const outputs = platform.outputs;

export const environment = config.environment;
export const domain = config.domain;
export const namespaceNames = platform.namespaceNames;
export const images = outputs.images;
export const postgresPrimary = outputs.postgresPrimary;
export const postgresReplicas = outputs.postgresReplicas;
export const postgresDatabases = outputs.postgresDatabases;
export const kafkaBootstrapServers = outputs.kafkaBootstrapServers;
/** `kubeseal --cert <(pulumi stack output sealingCertificate)` seals values for this cluster. */
export const sealingCertificate = platform.sealingCertificate;
export const clusterIssuer = platform.clusterIssuer;
export const ingressClass = platform.ingressClass;
export const urls = platform.urls;
export const grafanaUrl = platform.grafanaUrl;
