// The client's side of OIDC in the e2e tiers, as browsers and services meet Keycloak (and Trino)
// behind the ingress: the forwarded headers the ingress adds, a browser's cookie jar, a login at
// Keycloak's form, a token request with a client's credentials, and a token's claims.

/** The headers the ingress adds when it forwards a request for `publicHost` (its TLS ends there). */
export function forwardedHeaders(publicHost: string): Record<string, string> {
    return { "X-Forwarded-Proto": "https", "X-Forwarded-Host": publicHost, "X-Forwarded-Port": "443" };
}

/** A browser's cookies: kept from every answer, sent with every request. */
export class CookieJar {
    private readonly cookies = new Map<string, string>();

    keep(res: Response): void {
        for (const c of res.headers.getSetCookie()) {
            const [pair] = c.split(";");
            const at = pair.indexOf("=");
            this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
        }
    }

    /** The Cookie header. */
    header(): string {
        return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    }

    /** The first cookie whose name matches. */
    find(name: RegExp): [string, string] | undefined {
        return [...this.cookies].find(([k]) => name.test(k));
    }

    names(): string[] {
        return [...this.cookies.keys()];
    }
}

/**
 * A browser at Keycloak's login page, as the ingress forwards it to a node (`base`): the
 * authorization request (`authPath`: path and query), the login form posted with `user`'s
 * password, the cookies kept between them. Returns where Keycloak sends the browser back.
 */
export async function loginAt(base: string, authPath: string, publicHost: string, user: string, password: string): Promise<{ location: string }> {
    const jar = new CookieJar();
    const forwarded = forwardedHeaders(publicHost);
    const page = await fetch(`${base}${authPath}`, { headers: forwarded, redirect: "manual" });
    jar.keep(page);
    const html = await page.text();
    const action = /action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, "&");
    if (!action) throw new Error(`no login form (HTTP ${page.status}, location ${page.headers.get("location")}): ${html.slice(0, 300)}`);
    // The form posts to the public host; the ingress would send it to a node: here, to this one.
    const post = `${base}${new URL(action).pathname}${new URL(action).search}`;
    const res = await fetch(post, { method: "POST", headers: { ...forwarded, "Content-Type": "application/x-www-form-urlencoded", Cookie: jar.header() }, body: new URLSearchParams({ username: user, password }), redirect: "manual" });
    const location = res.headers.get("location") ?? "";
    if (res.status !== 302 || !location) throw new Error(`login of ${user} was not redirected (HTTP ${res.status}, location ${location})`);
    return { location };
}

/** A token request as a client sends it (its id and secret in Basic auth, when it has a secret); the answer as it comes. */
export function postToken(url: string, form: Record<string, string>, basic?: [string, string]): Promise<Response> {
    return fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", ...(basic ? { Authorization: `Basic ${Buffer.from(`${basic[0]}:${basic[1]}`).toString("base64")}` } : {}) },
        body: new URLSearchParams(form),
    });
}

/** A JWT's claims (not verified: the services under test verify them). */
export function jwtClaims(token: string): Record<string, any> {
    return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
}
