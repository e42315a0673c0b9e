"use strict";
// Sample web service of the platform. Two modes from one image:
//   APP_MODE=api       JSON API on PostgreSQL: GET/POST /api/items
//   APP_MODE=frontend  a page at / that calls /api on the same host
// Both serve /healthz (liveness), /readyz (readiness: the database answers, in api mode) and
// /metrics in Prometheus' text format: http_requests_total{method,route,status} and the
// http_request_duration_seconds{method,route} histogram, the contract the platform's alerts use.
const fs = require("fs");
const http = require("http");
const { Pool } = require("pg");

// A credential comes as a file named by <NAME>_FILE (the platform mounts its Secret), or as the
// variable itself.
function secret(name) {
    const file = process.env[`${name}_FILE`];
    return file ? fs.readFileSync(file, "utf8").trim() : process.env[name];
}

const PORT = Number(process.env.PORT || 8080);
const MODE = process.env.APP_MODE || "api";
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const pool = MODE === "api" ? new Pool({ connectionString: secret("DATABASE_URL"), max: 5, connectionTimeoutMillis: 3000 }) : undefined;
// An idle connection dropped by the server (failover, restart) must not take the process down:
// the pool reconnects on the next query, and /readyz reports the outage meanwhile.
if (pool) pool.on("error", (err) => console.error(`database connection lost: ${err.message}`));

// --- metrics
const requests = new Map(); // "method|route|status" -> count
const durations = new Map(); // "method|route" -> { buckets: number[], sum, count }

function observe(method, route, status, seconds) {
    const key = `${method}|${route}|${status}`;
    requests.set(key, (requests.get(key) || 0) + 1);
    const hkey = `${method}|${route}`;
    const h = durations.get(hkey) || { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
    BUCKETS.forEach((le, i) => {
        if (seconds <= le) h.buckets[i] += 1;
    });
    h.sum += seconds;
    h.count += 1;
    durations.set(hkey, h);
}

function metricsText() {
    const lines = ["# HELP http_requests_total HTTP requests served.", "# TYPE http_requests_total counter"];
    for (const [key, count] of [...requests.entries()].sort()) {
        const [method, route, status] = key.split("|");
        lines.push(`http_requests_total{method="${method}",route="${route}",status="${status}"} ${count}`);
    }
    lines.push("# HELP http_request_duration_seconds HTTP request duration.", "# TYPE http_request_duration_seconds histogram");
    for (const [key, h] of [...durations.entries()].sort()) {
        const [method, route] = key.split("|");
        const labels = `method="${method}",route="${route}"`;
        BUCKETS.forEach((le, i) => lines.push(`http_request_duration_seconds_bucket{${labels},le="${le}"} ${h.buckets[i]}`));
        lines.push(`http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
        lines.push(`http_request_duration_seconds_sum{${labels}} ${h.sum}`);
        lines.push(`http_request_duration_seconds_count{${labels}} ${h.count}`);
    }
    return lines.join("\n") + "\n";
}

// --- handlers
function send(res, status, body, type = "application/json") {
    res.writeHead(status, { "content-type": type });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
}

function readBody(req) {
    return new Promise((resolve, reject) => {
        let data = "";
        req.on("data", (chunk) => {
            data += chunk;
            if (data.length > 65536) reject(new Error("body too large"));
        });
        req.on("end", () => resolve(data));
        req.on("error", reject);
    });
}

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Data platform</title></head>
<body><h1>Data platform sample</h1><ul id="items"></ul>
<script>fetch("/api/items").then(r => r.json()).then(items => {
  document.getElementById("items").innerHTML = items.map(i => "<li>" + i.name + "</li>").join("");
});</script></body></html>`;

async function route(req) {
    const url = new URL(req.url, "http://localhost");
    const key = `${req.method} ${url.pathname}`;
    if (key === "GET /healthz") return { route: "/healthz", status: 200, body: { status: "ok" } };
    if (key === "GET /readyz") {
        if (pool) await pool.query("select 1");
        return { route: "/readyz", status: 200, body: { status: "ready" } };
    }
    if (key === "GET /metrics") return { route: "/metrics", status: 200, body: metricsText(), type: "text/plain; version=0.0.4" };
    if (MODE === "frontend" && key === "GET /") return { route: "/", status: 200, body: PAGE, type: "text/html; charset=utf-8" };
    if (MODE === "api" && key === "GET /api/items") {
        const { rows } = await pool.query("select id, name from items order by id");
        return { route: "/api/items", status: 200, body: rows };
    }
    if (MODE === "api" && key === "POST /api/items") {
        let name;
        try {
            name = JSON.parse(await readBody(req)).name;
        } catch {
            return { route: "/api/items", status: 400, body: { error: "body must be JSON" } };
        }
        if (typeof name !== "string" || name.length === 0 || name.length > 200) return { route: "/api/items", status: 400, body: { error: "name must be a string of 1-200 characters" } };
        const { rows } = await pool.query("insert into items(name) values ($1) returning id, name", [name]);
        return { route: "/api/items", status: 201, body: rows[0] };
    }
    // Unknown paths share one route label so that scanners cannot explode the metric's cardinality.
    return { route: "other", status: 404, body: { error: "not found" } };
}

const server = http.createServer(async (req, res) => {
    const start = process.hrtime.bigint();
    let result;
    try {
        result = await route(req);
    } catch (err) {
        result = { route: new URL(req.url, "http://localhost").pathname === "/readyz" ? "/readyz" : "error", status: 503, body: { error: "unavailable" } };
        console.error(`${req.method} ${req.url}: ${err.message}`);
    }
    send(res, result.status, result.body, result.type);
    observe(req.method, result.route, result.status, Number(process.hrtime.bigint() - start) / 1e9);
});

async function main() {
    if (pool) {
        await pool.query("create table if not exists items (id bigserial primary key, name text not null)");
    }
    server.listen(PORT, () => console.log(`sample-api (${MODE}) listening on ${PORT}`));
}

// Kubernetes sends SIGTERM before removing the pod: finish requests in flight, then exit.
process.on("SIGTERM", () => server.close(() => Promise.resolve(pool && pool.end()).then(() => process.exit(0))));

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
