// Web services as platform services: each one's Deployment(s), the database and connections it
// declares, the path it publishes; and, once for all of them, what is watched of web services.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { WebServiceSettings } from "../../config/types";
import { PlatformService, ServiceScope, part } from "../../platform/contract";
import { KEYCLOAK_SERVICE, OidcClientGrant, oidcClientEnvironment, oidcClientNeed, publishedRedirectUri } from "../keycloak/service";
import { DatabaseGrant, databaseEnvironment, databaseNeed } from "../postgres/service";
import { standardLabels } from "../meta/labels";
import { webServicesDashboard } from "./dashboard";
import { WEB_METRIC_SOURCES, webServiceAlerts, webServiceScrapeTarget } from "./monitoring";
import { routeHost } from "./siteIngress";
import { WebService, webServiceEndpoint } from "./webService";

/** A web service; `key` is its config key (webServices[i]), for messages about what it asks for. */
export function webService(settings: WebServiceSettings, scope: ServiceScope, key = `webServices.${settings.name}`): PlatformService {
    const namespace = scope.namespaces.apps;
    const endpoint = webServiceEndpoint(settings.name, settings.port, namespace);
    const database = settings.database ? databaseNeed(settings.database) : undefined;
    // Its users sign in through the platform realm and return under its published URL (config requires one).
    const sso = settings.sso && settings.ingress ? oidcClientNeed(settings.name, "browser", [publishedRedirectUri(routeHost(settings.ingress.host, scope.domain), settings.ingress.path)], `${key}.sso`) : undefined;
    return {
        name: settings.name,
        endpoint,
        routes: settings.ingress
            ? [{ host: routeHost(settings.ingress.host, scope.domain), path: settings.ingress.path, serviceName: settings.name, servicePort: settings.port, backend: endpoint }]
            : [],
        observability: {
            scrapeTargets: [webServiceScrapeTarget({ name: settings.name, namespace: scope.namespaceNames.apps, podLabels: endpoint.podLabels, port: settings.port, metricsPath: settings.metricsPath })],
        },
        parts: [
            part({
                name: "service",
                needs: [...(database ? [database] : []), ...(sso ? [sso] : [])],
                // Its process fetches discovery, keys and tokens from Keycloak's Service.
                reaches: [...settings.dependsOn, ...(sso ? [KEYCLOAK_SERVICE] : [])],
                uses: ["images", "sealingKey", "ingress", "metrics", "placement"],
                build: (ctx, f) => {
                    const secretEnv: Record<string, pulumi.Input<string>> = {};
                    for (const name of settings.generatedSecrets) {
                        secretEnv[name] = new random.RandomPassword(`${settings.name}-${name.toLowerCase()}`, { length: 48, special: false }).result;
                    }
                    if (database) Object.assign(secretEnv, databaseEnvironment(ctx.grant<DatabaseGrant>(database)));
                    const client = sso ? oidcClientEnvironment(ctx.grant<OidcClientGrant>(sso)) : undefined;
                    if (client) Object.assign(secretEnv, client.secrets);
                    const web = new WebService(
                        settings.name,
                        {
                            namespace,
                            settings,
                            image: settings.image ?? f.images.app(settings.build!),
                            secretEnv,
                            platformEnv: client?.settings ?? {},
                            sealingKey: f.sealingKey,
                            dependencies: ctx.dependencies,
                            ingressPeer: f.ingress.peer,
                            metricsPeer: f.metrics.peer,
                            strictSpread: f.placement.strictSpread,
                        },
                        ctx.opts,
                    );
                    return { component: web, labels: standardLabels({ name: settings.name, instance: settings.name, component: "web" }) };
                },
            }),
        ],
    };
}

/** What is watched of every web service at once: the error and latency rules and the dashboard (none without web services). */
export function webServicesMonitoring(scope: ServiceScope): PlatformService {
    return {
        name: "web-services",
        observability: {
            alertGroups: [{ name: "platform-web-services", alerts: webServiceAlerts(scope.namespaceNames.apps) }],
            dashboards: { "web-services.json": webServicesDashboard() },
            metricSources: WEB_METRIC_SOURCES,
        },
        parts: [],
    };
}

/** The web services of the stack, and their shared monitoring when there is any. */
export function webServices(settings: readonly WebServiceSettings[], scope: ServiceScope): PlatformService[] {
    return settings.length > 0 ? [webServicesMonitoring(scope), ...settings.map((s, i) => webService(s, scope, `webServices[${i}]`))] : [];
}
