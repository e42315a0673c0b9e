// The local Kubernetes control plane of scripts/e2e/control-plane, in a state directory of this
// run's own: a control plane someone else runs on the machine is neither reused nor stopped.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { PROJECT_DIR } from "../../test/support/stacks";
import { tempDir } from "../../test/support/tempdirs";
import { Deadline, LIFETIME_S, deadline, shellQuote } from "../patroni/processes";

const SCRIPT = path.join(PROJECT_DIR, "scripts", "e2e", "control-plane");

export interface ControlPlane {
    /** The admin (system:masters) kubeconfig. */
    readonly kubeconfig: string;
    /** Seconds `control-plane start` took. */
    readonly startSeconds: number;
    kubectl(args: string[], input?: string): string;
    /** `kubectl get -o json`. */
    get(args: string[]): any;
    /** A kubeconfig that authenticates as a ServiceAccount, with every certificate inline. */
    serviceAccountKubeconfig(namespace: string, account: string): { text: string; context: string };
    stop(): void;
}

export function startControlPlane(): ControlPlane {
    // The script accepts only an empty directory or one it made.
    const dir = path.join(tempDir("control-plane"), "state");
    const env = { ...process.env, E2E_CONTROL_PLANE_DIR: dir };
    const stopCommand = `E2E_CONTROL_PLANE_DIR=${shellQuote(dir)} ${shellQuote(SCRIPT)} stop`;
    const guard: Deadline = deadline(LIFETIME_S, stopCommand);
    const stop = () => {
        spawnSync(SCRIPT, ["stop"], { env, stdio: "ignore", timeout: 120_000 });
        guard.cancel();
    };
    const started = Date.now();
    const run = spawnSync(SCRIPT, ["start"], { env, encoding: "utf8", timeout: 240_000 });
    const kubeconfig = /^export KUBECONFIG=(\S+)$/m.exec(run.stdout ?? "")?.[1];
    if (run.status !== 0 || !kubeconfig) {
        stop();
        throw new Error(`scripts/e2e/control-plane start failed (${run.status ?? run.signal}):\n${run.stderr}`);
    }
    const startSeconds = (Date.now() - started) / 1000;
    const kubectlBin = path.join(execFileSync(path.join(PROJECT_DIR, "scripts", "toolchain"), ["bin"], { encoding: "utf8" }).trim(), "kubectl");
    const kubectl = (args: string[], input?: string) =>
        execFileSync(kubectlBin, [`--kubeconfig=${kubeconfig}`, ...args], { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], timeout: 60_000 });
    return {
        kubeconfig,
        startSeconds,
        kubectl,
        get: (args) => JSON.parse(kubectl(["get", "-o", "json", ...args])),
        serviceAccountKubeconfig(namespace, account) {
            const admin = yaml.load(fs.readFileSync(kubeconfig, "utf8")) as any;
            const cluster = admin.clusters[0].cluster;
            const token = kubectl(["-n", namespace, "create", "token", account, `--duration=${LIFETIME_S}s`]).trim();
            const context = `${namespace}-${account}`;
            const text = yaml.dump({
                apiVersion: "v1",
                kind: "Config",
                clusters: [{ name: "e2e", cluster: { server: cluster.server, "certificate-authority-data": fs.readFileSync(cluster["certificate-authority"]).toString("base64") } }],
                users: [{ name: account, user: { token } }],
                contexts: [{ name: context, context: { cluster: "e2e", user: account, namespace } }],
                "current-context": context,
            });
            return { text, context };
        },
        stop,
    };
}
