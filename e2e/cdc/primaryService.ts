// The `postgres` Service of the cluster as a local TCP proxy: it forwards each new connection to the
// member whose pod Patroni labelled role=primary on the control plane and that is alive (a dead
// pod keeps its label, but its failing readiness probe takes it out of the Service's endpoints).
// The connector names this address as it names the Service: after a failover it reaches the new primary.
import * as net from "net";
import { freePort } from "../../test/support/realTools";

export class PrimaryService {
    private readonly server: net.Server;
    private target?: number;
    private readonly timer: NodeJS.Timeout;
    private readonly sockets = new Set<net.Socket>();
    /** When the target changed, and to which port. */
    readonly changes: { readonly at: number; readonly port: number | undefined }[] = [];

    private following = false;

    private constructor(readonly port: number, private readonly primaryPort: () => Promise<number | undefined>) {
        this.server = net.createServer((client) => {
            const port = this.target;
            if (port === undefined) {
                client.destroy();
                return;
            }
            const upstream = net.connect(port, "127.0.0.1");
            for (const s of [client, upstream]) {
                this.sockets.add(s);
                s.on("close", () => this.sockets.delete(s));
                s.on("error", () => undefined);
            }
            client.pipe(upstream).pipe(client);
            client.on("close", () => upstream.destroy());
            upstream.on("close", () => client.destroy());
        });
        this.timer = setInterval(() => void this.follow(), 500);
    }

    /** Listens on a free loopback port; `primaryPort` answers the port of the ready primary, if any (asynchronously: the proxy keeps forwarding meanwhile). */
    static async start(primaryPort: () => Promise<number | undefined>): Promise<PrimaryService> {
        const service = new PrimaryService(await freePort(), primaryPort);
        await new Promise<void>((resolve) => service.server.listen(service.port, "127.0.0.1", resolve));
        await service.follow();
        return service;
    }

    private async follow(): Promise<void> {
        if (this.following) return;
        this.following = true;
        try {
            const port = await this.primaryPort().catch(() => undefined);
            if (port !== this.target) {
                this.target = port;
                this.changes.push({ at: Date.now(), port });
            }
        } finally {
            this.following = false;
        }
    }

    async stop(): Promise<void> {
        clearInterval(this.timer);
        for (const s of this.sockets) s.destroy();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
}
