// Keycloak as a platform service: what it needs (its database `keycloak`), whom it reaches
// (PostgreSQL), where it is published (https://<host>.<domain>: the tokens' issuer), and what it
// grants: an OIDC client to every service that asks (`oidcClient` needs), with a generated secret
// the consumer seals into its own namespace. The realm is rendered from the stack's realm settings
// and these clients, and kept in sync on every `pulumi up`.
import * as pulumi from "@pulumi/pulumi";
import { OIDC_CLIENT_VARIABLES } from "../../config/keycloak";
import { KeycloakSettings } from "../../config/types";
import { Need, PlatformService, ServiceScope, part } from "../../platform/contract";
import { DatabaseGrant, POSTGRES_SERVICE, databaseNeed } from "../postgres/service";
import { endpointEgress } from "../web/networkPolicies";
import { routeHost } from "../web/siteIngress";
import { keycloakDashboard } from "./dashboard";
import { KEYCLOAK_PORTS, issuer, realmTokenEndpoint } from "./keycloakConfig";
import { KEYCLOAK_NAMES, KEYCLOAK_POD_LABELS, KeycloakServer, keycloakServiceUrl } from "./keycloakServer";
import { KEYCLOAK_METRIC_SOURCES, keycloakAlerts, keycloakScrapeTargets } from "./monitoring";
import { OidcClientKind, OidcClientRequest, REALM, checkedClients, renderRealm } from "./realm";

export const KEYCLOAK_SERVICE = "keycloak";
/** The paths published at https://<host>: never /admin. */
export const KEYCLOAK_PUBLIC_PATHS = ["/realms", "/resources"] as const;
export const KEYCLOAK_DATABASE = { name: "keycloak", owner: "keycloak" } as const;
/** The kind of need a service declares for a client of the platform realm. */
export const OIDC_CLIENT_NEED = "oidcClient";
/** The kind of need a resource server declares: it accepts the realm's tokens whose `aud` names it. */
export const OIDC_AUDIENCE_NEED = "oidcAudience";

/** What a client's tokens are for beyond its own sign-in: resource servers (their audiences), and renewal by token exchange. */
export interface OidcClientOptions {
    readonly audiences?: readonly string[];
    readonly tokenExchange?: boolean;
    readonly withoutPkce?: boolean;
}

/** A need for client `clientId`: a browser UI (with its redirect URIs) or a service (client credentials); `requester` is the config key it comes from. */
export function oidcClientNeed(clientId: string, kind: OidcClientKind, redirectUris: readonly string[], requester: string, options: OidcClientOptions = {}): Need {
    const detail = { kind, redirectUris: redirectUris.join(" "), requester, audiences: (options.audiences ?? []).join(" "), tokenExchange: String(options.tokenExchange ?? false), withoutPkce: String(options.withoutPkce ?? false) };
    return { kind: OIDC_CLIENT_NEED, from: KEYCLOAK_SERVICE, name: clientId, detail };
}

/** A resource server's need: tokens of the realm with `aud` = `audience` (clients ask for it in their options). */
export function oidcAudienceNeed(audience: string): Need {
    return { kind: OIDC_AUDIENCE_NEED, from: KEYCLOAK_SERVICE, name: audience };
}

/** What a resource server gets: the issuer its tokens must name, where it fetches the realm's keys, and its audience. */
export interface OidcAudienceGrant {
    readonly issuer: string;
    readonly internalRealmUrl: pulumi.Output<string>;
    readonly audience: string;
}

/** What a client gets: the public issuer, Keycloak's address in the cluster, its id and secret. */
export interface OidcClientGrant {
    /** https://<host>/realms/platform: the `iss` of every token, and where browsers log in. */
    readonly issuer: string;
    /** The realm on Keycloak's Service (discovery, tokens, keys, user info from inside the cluster). */
    readonly internalRealmUrl: pulumi.Output<string>;
    readonly clientId: string;
    readonly clientSecret: pulumi.Output<string>;
}

/**
 * What a service's process gets of its client: plain settings (the public issuer, which tokens
 * name; the realm on Keycloak's Service, where it fetches discovery, keys and tokens; its client
 * id) and the secret, which reaches it sealed, as a file or a variable as the service says.
 */
type OidcVariable = (typeof OIDC_CLIENT_VARIABLES)[number];
export function oidcClientEnvironment(grant: OidcClientGrant): { settings: Partial<Record<OidcVariable, pulumi.Input<string>>>; secrets: Partial<Record<OidcVariable, pulumi.Input<string>>> } {
    return {
        settings: { OIDC_ISSUER_URL: grant.issuer, OIDC_INTERNAL_REALM_URL: grant.internalRealmUrl, OIDC_CLIENT_ID: grant.clientId },
        secrets: { OIDC_CLIENT_SECRET: grant.clientSecret },
    };
}

/** Where a published service's logins may return: anywhere under its published path. */
export function publishedRedirectUri(host: string, path: string): string {
    return `https://${host}${path.endsWith("/") ? path : `${path}/`}*`;
}

/** The token endpoint under a realm URL (clients that take the URL of the endpoint itself, as Iceberg's OAuth2 does). */
export function tokenEndpoint(realmUrl: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.output(realmUrl).apply(realmTokenEndpoint);
}

/** The realm on Keycloak's Service, from the management namespace's name: for what must know it before anything is built (a scrape's token URL). */
export function realmUrlInCluster(managementNamespace: string): string {
    return `${keycloakServiceUrl(managementNamespace)}/realms/${REALM}`;
}

const words = (s: string | undefined) => (s ? s.split(" ") : []);

/** The client a need asks for, as the realm renders it. */
export function clientRequestOf(need: Need): OidcClientRequest {
    const d = need.detail!;
    return { clientId: need.name, kind: d.kind as OidcClientKind, redirectUris: words(d.redirectUris), requester: d.requester, audiences: words(d.audiences), tokenExchange: d.tokenExchange === "true", withoutPkce: d.withoutPkce === "true" };
}

export function keycloakService(settings: KeycloakSettings, scope: ServiceScope): PlatformService {
    const namespace = scope.namespaces.management;
    const host = routeHost(settings.host, scope.domain);
    const endpoint = { name: KEYCLOAK_SERVICE, namespace, podLabels: KEYCLOAK_POD_LABELS, ports: [KEYCLOAK_PORTS.http] };
    const database = databaseNeed(KEYCLOAK_DATABASE.name, KEYCLOAK_DATABASE.owner);
    return {
        name: KEYCLOAK_SERVICE,
        endpoint,
        // Only what browsers and clients use: the realms' endpoints and the login pages' resources. The
        // admin console and API (/admin) stay inside the cluster (the sync Job; kubectl port-forward).
        routes: KEYCLOAK_PUBLIC_PATHS.map((path) => ({ host, path, serviceName: KEYCLOAK_NAMES.server, servicePort: KEYCLOAK_PORTS.http, backend: endpoint })),
        observability: {
            scrapeTargets: keycloakScrapeTargets(scope.namespaceNames.management),
            alertGroups: [{ name: "platform-keycloak", alerts: keycloakAlerts(scope.namespaceNames.management, settings.replicas) }],
            dashboards: { "keycloak.json": keycloakDashboard(settings.replicas) },
            metricSources: KEYCLOAK_METRIC_SOURCES,
        },
        parts: [
            part({
                name: "server",
                needs: [database],
                grants: [OIDC_CLIENT_NEED, OIDC_AUDIENCE_NEED],
                reaches: [POSTGRES_SERVICE],
                uses: ["images", "sealingKey", "placement", "metrics", "ingress"],
                build: (ctx, f) => {
                    const image = f.images.build("keycloak-image", { repository: "keycloak", buildArgs: { KEYCLOAK_VERSION: settings.version }, tagLabel: settings.version, prebuilt: settings.image });
                    const syncImage = f.images.build("realm-sync-image", { repository: "realm-sync", tagLabel: "1", prebuilt: settings.syncImage });
                    const db = ctx.grant<DatabaseGrant>(database);
                    const audiences = ctx.requests.filter((n) => n.kind === OIDC_AUDIENCE_NEED).map((n) => n.name);
                    const clients = checkedClients(ctx.requests.filter((n) => n.kind === OIDC_CLIENT_NEED).map(clientRequestOf), scope.domain, audiences);
                    const server = new KeycloakServer(
                        KEYCLOAK_NAMES.server,
                        {
                            namespace,
                            settings,
                            image: image.ref,
                            syncImage: syncImage.ref,
                            host,
                            database: { host: db.host, port: db.port, name: db.database, user: db.owner, password: db.password },
                            realm: JSON.stringify(renderRealm(settings.realm, clients), null, 2) + "\n",
                            clientIds: clients.map((c) => c.clientId),
                            testUsers: Object.keys(settings.realm.testUsers),
                            egress: ctx.dependencies.map(endpointEgress),
                            metricsPeer: f.metrics.peer,
                            ingressPeer: f.ingress.peer,
                            strictSpread: f.placement.strictSpread,
                            sealingKey: f.sealingKey,
                        },
                        ctx.opts,
                    );
                    const internalRealmUrl = pulumi.interpolate`${server.internalUrl}/realms/${REALM}`;
                    return {
                        component: server,
                        grant: (need): OidcClientGrant | OidcAudienceGrant =>
                            need.kind === OIDC_AUDIENCE_NEED
                                ? { issuer: issuer(host), internalRealmUrl, audience: need.name }
                                : { issuer: issuer(host), internalRealmUrl, clientId: need.name, clientSecret: server.clientSecrets.get(need.name)! },
                        outputs: { images: { keycloak: image.ref, realmSync: syncImage.ref }, keycloak: { issuer: issuer(host), internalUrl: server.internalUrl } },
                    };
                },
            }),
        ],
    };
}
