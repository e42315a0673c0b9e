// Trino as a platform service: the coordinator's endpoint, what it needs (write access to the
// warehouse bucket with its own identity, its catalog client; with a realm in the stack, its login
// client, its audience and its metrics client), whom it reaches (Nessie, Keycloak, the object
// store), the host it is published on and what is watched of it.
import { ObjectStoreSettings, TrinoSettings } from "../../config/types";
import { PlatformService, ServiceScope, part } from "../../platform/contract";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { certificateSpec } from "../edge/certificates";
import { OidcClientGrant, oidcAudienceNeed, oidcClientNeed, realmUrlInCluster } from "../keycloak/service";
import { realmTokenEndpoint } from "../keycloak/keycloakConfig";
import { standardLabels } from "../meta/labels";
import { lakehouseAccess, lakehouseNeeds } from "../nessie/service";
import { ScrapeOAuth2 } from "../observability/scrapeTargets";
import { PlatformSecret } from "../secrets/platformSecret";
import { TRINO_AUDIENCE, TRINO_HTTPS_PORT } from "./trinoAuthentication";
import { objectStoreReaches } from "../objectstore/grants";
import { routeHost } from "../web/siteIngress";
import { trinoDashboard } from "./dashboard";
import { TRINO_METRIC_SOURCES, trinoAlerts, trinoScrapeTargets } from "./monitoring";
import { SealingKey } from "../secrets/sealedSecret";
import { TRINO_LABELS, TRINO_NAMES, TrinoCluster, trinoPodLabels } from "./trinoCluster";
import { TRINO_PORT } from "./trinoProperties";

export const TRINO_SERVICE = "trino";
/** Trino's identity on the object store. */
export const TRINO_IDENTITY = "trino";

/** Trino's clients of the platform realm: its login (the Web UI, and the audience of users' tokens) and Prometheus' scrape of the coordinator. */
export const TRINO_CLIENTS = { login: "trino", metrics: "trino-metrics" } as const;

/**
 * What Trino asks the realm for when the stack has one: its audience, its login client (tokens for
 * Trino; a browser client whose logins return to Trino's fixed callback on its published host, or,
 * unpublished, a client that only validates the bearer tokens of in-cluster clients) and the
 * metrics client.
 */
function trinoIdentityNeeds(host: string | undefined) {
    const options = { audiences: [TRINO_AUDIENCE] };
    return {
        audience: oidcAudienceNeed(TRINO_AUDIENCE),
        // Trino's OAuth2 client (476) sends state and a nonce but no PKCE code challenge: a confidential client may do without.
        login: host
            ? oidcClientNeed(TRINO_CLIENTS.login, "browser", [`https://${host}/oauth2/callback`], "trino.ingress", { ...options, withoutPkce: true })
            : oidcClientNeed(TRINO_CLIENTS.login, "service", [], "trino", options),
        metrics: oidcClientNeed(TRINO_CLIENTS.metrics, "service", [], "trino (Prometheus' scrape of the coordinator)", options),
    };
}

/** The Secrets of the coordinator's scrape, in the PodMonitors' namespace: the metrics client, and the platform CA (beside a certificate cert-manager issues there for the purpose). */
const SCRAPE_SECRETS = { client: "scrape-oauth2-trino", ca: "scrape-ca-trino" } as const;

export function trinoService(settings: TrinoSettings, objectStore: ObjectStoreSettings, warehouseBucket: string, scope: ServiceScope): PlatformService {
    const namespace = scope.namespaces.engines;
    const host = settings.ingress ? routeHost(settings.ingress.host, scope.domain) : undefined;
    // Users sign in whenever the stack has a realm.
    const identity = scope.identity ? trinoIdentityNeeds(host) : undefined;
    // In-cluster clients use HTTPS once users authenticate; the ingress sends to 8080 with X-Forwarded-Proto.
    const endpoint = { name: TRINO_SERVICE, namespace, podLabels: trinoPodLabels("coordinator"), ports: [identity ? TRINO_HTTPS_PORT : TRINO_PORT] };
    const scrape: ScrapeOAuth2 | undefined = identity && {
        tokenUrl: realmTokenEndpoint(realmUrlInCluster(scope.namespaceNames.management)),
        scopes: ["openid"],
        clientSecret: SCRAPE_SECRETS.client,
        caSecret: SCRAPE_SECRETS.ca,
        serverName: `${TRINO_NAMES.service}.${scope.namespaceNames.engines}.svc`,
    };
    // CREATE TABLE and INSERT write data files; Nessie writes the metadata. Trino renews its catalog tokens by exchanging them.
    const lakehouse = lakehouseNeeds(TRINO_IDENTITY, warehouseBucket, scope, true);
    return {
        name: TRINO_SERVICE,
        endpoint,
        routes: host ? [{ host, path: "/", serviceName: TRINO_NAMES.service, servicePort: TRINO_PORT, backend: { ...endpoint, ports: [TRINO_PORT] } }] : [],
        observability: {
            scrapeTargets: trinoScrapeTargets(scope.namespaceNames.engines, settings.workers, scrape),
            alertGroups: [{ name: "platform-trino", alerts: trinoAlerts(scope.namespaceNames.engines, settings.workers) }],
            dashboards: { "trino.json": trinoDashboard() },
            metricSources: TRINO_METRIC_SOURCES,
        },
        parts: [
            part({
                name: "cluster",
                needs: [...lakehouse.needs, ...(identity ? [identity.audience, identity.login, identity.metrics] : [])],
                reaches: [...lakehouse.reaches, ...objectStoreReaches(objectStore)],
                // Workers read and write the warehouse too: every node is the client, not only the coordinator.
                clients: TRINO_LABELS,
                uses: ["images", "sealingKey", "placement", "metrics", "ingress", "environment", "tls"],
                build: (ctx, f) => {
                    const image = f.images.thirdParty("trino", settings.image);
                    const access = lakehouseAccess(ctx, lakehouse, namespace);
                    const login = identity && ctx.grant<OidcClientGrant>(identity.login);
                    const cluster = new TrinoCluster(
                        "trino",
                        {
                            namespace,
                            settings,
                            environment: f.environment,
                            image,
                            catalog: access.catalog.apply(({ uri, ...rest }) => ({ restUri: uri, ...rest })),
                            s3Keys: access.s3Keys,
                            catalogCredential: access.catalogCredential,
                            authentication: login && { issuer: login.issuer, internalRealmUrl: login.internalRealmUrl, clientId: login.clientId, clientSecret: login.clientSecret, tlsIssuer: f.tls.internal },
                            egress: access.egress,
                            metricsPeer: f.metrics.peer,
                            ingressPeer: settings.ingress ? f.ingress.peer : undefined,
                            strictSpread: f.placement.strictSpread,
                            sealingKey: f.sealingKey,
                        },
                        ctx.opts,
                    );
                    if (identity && scrape) scrapeSecrets(cluster, ctx.grant<OidcClientGrant>(identity.metrics), scrape, scope.namespaces.management, f.tls.internal, f.sealingKey);
                    return { component: cluster, outputs: { images: { trino: image }, trino: { endpoint: cluster.endpoint, catalog: "lakehouse" } } };
                },
            }),
        ],
    };
}

/** The coordinator's scrape in the PodMonitors' namespace: the metrics client's id and secret (sealed), and the platform CA, which cert-manager writes beside the certificate it issues there for it. */
function scrapeSecrets(
    parent: pulumi.ComponentResource,
    client: OidcClientGrant,
    scrape: ScrapeOAuth2,
    namespace: pulumi.Input<string>,
    tlsIssuer: { readonly name: string; readonly ready: pulumi.Resource[] },
    sealingKey: SealingKey,
): void {
    const labels = standardLabels({ name: "trino", instance: TRINO_NAMES.coordinator, component: "monitoring" });
    new PlatformSecret("trino-scrape-oauth2", { namespace, secretName: scrape.clientSecret, labels, sealingKey, data: { clientId: pulumi.output(client.clientId), clientSecret: client.clientSecret } }, { parent });
    new k8s.apiextensions.CustomResource(
        "trino-scrape-ca",
        {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name: scrape.caSecret, namespace, labels },
            spec: certificateSpec({ secretName: scrape.caSecret, issuer: tlsIssuer.name, dnsNames: ["prometheus"] }, ["client auth", "digital signature"]),
        },
        { parent, dependsOn: tlsIssuer.ready },
    );
}
