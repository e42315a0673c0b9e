// Unit-test runtime: Pulumi's mocks, recording every resource the code under test registers.
import * as pulumi from "@pulumi/pulumi";
import { unwrapSecrets } from "../../scripts/plan/mockRuntime";

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
                const state = { ...args.inputs };
                if (args.type.startsWith("kubernetes:") && args.inputs.metadata) {
                    state.metadata = { ...args.inputs.metadata, name: args.inputs.metadata.name ?? args.name };
                }
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

/** Waits until every registration the program started has reached the mocks. */
export async function settled(...outputs: pulumi.Output<unknown>[]): Promise<void> {
    await Promise.all(outputs.map(valueOf));
    await new Promise((r) => setImmediate(r));
}

export function ofType(resources: readonly MockedResource[], type: string): MockedResource[] {
    return resources.filter((r) => r.type === type);
}
