// Unit-test runtime: Pulumi's mocks, recording every resource the code under test registers.
import * as pulumi from "@pulumi/pulumi";
import { computedState, unwrapSecrets } from "../../scripts/plan/mockRuntime";

export interface MockedResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: any;
}

/** Installs mocks that echo inputs back as state and returns the list of registered resources. */
export function useMocks(stack = "dev"): MockedResource[] {
    const resources: MockedResource[] = [];
    pulumi.runtime.setMocks(
        {
            newResource(args) {
                resources.push({ type: args.type, name: args.name, inputs: unwrapSecrets(args.inputs) });
                // The offline plan's stand-ins (fixture sealing key, digests, auto-names), with
                // passwords named after their resource so tests can look for them.
                const state = { ...args.inputs, ...computedState(args.type, args.name, args.inputs) };
                if (args.type === "random:index/randomPassword:RandomPassword") state.result = `password-of-${args.name}`;
                return { id: `${args.name}-id`, state };
            },
            call(args) {
                throw new Error(`unexpected provider call ${args.token}`);
            },
        },
        "data-platform",
        stack,
        false,
    );
    return resources;
}

/** Resolves an Output in a test. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => resolve(v)));
}

// The SDK's own "wait until every outstanding RPC is done" (what the language host awaits at exit).
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

/** Waits until every registration the code under test started has reached the mocks. */
export async function settled(...outputs: pulumi.Output<unknown>[]): Promise<void> {
    await Promise.all(outputs.map(valueOf));
    await waitForRPCs();
}

export function ofType(resources: readonly MockedResource[], type: string): MockedResource[] {
    return resources.filter((r) => r.type === type);
}

/** The offline plan's fixture sealing key, as the controller component would provide it. */
export function testSealingKey() {
    const read = (f: string) => pulumi.output(require("fs").readFileSync(require("path").join(__dirname, "..", "..", "scripts", "plan", "fixtures", f), "utf8") as string);
    return { certificatePem: read("plan-only-sealing-cert.pem"), privateKeyPem: read("plan-only-sealing-key.pem"), controller: new pulumi.ComponentResource("test:index:SealedSecretsController", "sealed-secrets") };
}
