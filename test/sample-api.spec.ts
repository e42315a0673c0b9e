// The sample web service, run for real against PostgreSQL: health, readiness, the API, the page,
// and the metrics contract the platform's alerts and dashboards rely on.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { WEB_DURATION_BUCKETS } from "../components/web/monitoring";
import { PostgresServer, freePort, startPostgres } from "./support/realTools";
import { PROJECT_DIR } from "./support/stacks";
import { tempDir } from "./support/tempdirs";

const SERVER = path.join(PROJECT_DIR, "apps", "sample-api", "server.js");

async function startApp(env: Record<string, string>): Promise<{ url: string; stop: () => void }> {
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, [SERVER], { env: { PATH: process.env.PATH, PORT: String(port), ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
        try {
            if ((await fetch(`${url}/healthz`)).ok) break;
        } catch {
            // not listening yet
        }
        if (Date.now() > deadline || child.exitCode !== null) {
            child.kill();
            throw new Error(`sample-api did not start (exit ${child.exitCode})`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    return { url, stop: () => child.kill("SIGTERM") };
}

describe("sample web service (apps/sample-api) on a real PostgreSQL", function () {
    // initdb and two Node processes: generous on a loaded 2-core machine.
    this.timeout(180_000);
    let pg: PostgresServer;
    let api: Awaited<ReturnType<typeof startApp>>;
    let web: Awaited<ReturnType<typeof startApp>>;

    before(async () => {
        pg = await startPostgres();
        pg.psql("create role webapp login password 'pw-webapp'; create database webapp owner webapp;");
        // As the platform delivers it by default (secrets: files): the URL in a file named by DATABASE_URL_FILE.
        const secretFile = path.join(tempDir("secrets"), "DATABASE_URL");
        fs.writeFileSync(secretFile, `postgresql://webapp:pw-webapp@127.0.0.1:${pg.port}/webapp\n`, { mode: 0o400 });
        api = await startApp({ APP_MODE: "api", DATABASE_URL_FILE: secretFile });
        web = await startApp({ APP_MODE: "frontend" });
    });
    after(() => {
        api?.stop();
        web?.stop();
        pg?.stop();
    });

    it("is live and ready when its database answers", async () => {
        assert.strictEqual((await fetch(`${api.url}/healthz`)).status, 200);
        assert.strictEqual((await fetch(`${api.url}/readyz`)).status, 200);
    });

    it("stores and lists items under /api (the prefix is not stripped)", async () => {
        const created = await fetch(`${api.url}/api/items`, { method: "POST", body: JSON.stringify({ name: "lakehouse" }), headers: { "content-type": "application/json" } });
        assert.strictEqual(created.status, 201);
        const items = (await (await fetch(`${api.url}/api/items`)).json()) as { name: string }[];
        assert.deepStrictEqual(items.map((i) => i.name), ["lakehouse"]);
        assert.strictEqual((await fetch(`${api.url}/api/items`, { method: "POST", body: "{}" })).status, 400);
        assert.strictEqual((await fetch(`${api.url}/items`)).status, 404);
    });

    it("serves the page at / in frontend mode", async () => {
        const page = await fetch(`${web.url}/`);
        assert.strictEqual(page.status, 200);
        assert.match(await page.text(), /fetch\("\/api\/items"\)/);
    });

    it("exports http_requests_total and the http_request_duration_seconds histogram by route and status", async () => {
        const text = await (await fetch(`${api.url}/metrics`)).text();
        assert.match(text, /^http_requests_total\{method="POST",route="\/api\/items",status="201"\} 1$/m);
        assert.match(text, /^http_requests_total\{method="POST",route="\/api\/items",status="400"\} 1$/m);
        assert.match(text, /^http_requests_total\{method="GET",route="other",status="404"\} 1$/m);
        assert.match(text, /^http_request_duration_seconds_bucket\{method="GET",route="\/api\/items",le="\+Inf"\} \d+$/m);
        assert.match(text, /^http_request_duration_seconds_count\{method="GET",route="\/api\/items"\} \d+$/m);
    });

    it("uses exactly the histogram buckets of the platform's metrics contract", async () => {
        const text = await (await fetch(`${api.url}/metrics`)).text();
        const buckets = [...text.matchAll(/^http_request_duration_seconds_bucket\{method="GET",route="\/api\/items",le="([^"]+)"\}/gm)].map((m) => m[1]);
        assert.deepStrictEqual(buckets, [...WEB_DURATION_BUCKETS.map(String), "+Inf"]);
    });

    it("turns not-ready (503) when the database is gone, and reports it in its metrics", async () => {
        pg.stop();
        assert.strictEqual((await fetch(`${api.url}/readyz`)).status, 503);
        assert.strictEqual((await fetch(`${api.url}/healthz`)).status, 200, "liveness does not depend on the database");
        assert.match(await (await fetch(`${api.url}/metrics`)).text(), /^http_requests_total\{method="GET",route="\/readyz",status="503"\} 1$/m);
    });
});
