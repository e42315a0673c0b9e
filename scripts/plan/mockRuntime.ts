// Runs the Pulumi program in-process under the SDK's mock monitor, recording every resource
// registration with what the engine would see: type, name, parent, inputs and options.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** One resource as the program registered it. */
export interface RegisteredResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent?: string;
    /** True for custom resources, false for components (including remote ones such as Helm charts). */
    readonly custom: boolean;
    readonly remote: boolean;
    readonly provider?: string;
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    readonly dependencies: string[];
    readonly inputs: Record<string, unknown>;
}

function fixture(file: string): string {
    return fs.readFileSync(path.join(__dirname, "fixtures", file), "utf8");
}

/** Deterministic stand-ins for values that providers compute. */
export function computedState(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
    switch (type) {
        case "random:index/randomPassword:RandomPassword":
        case "random:index/randomString:RandomString":
            return { result: `plan-${name}` };
        case "random:index/randomUuid:RandomUuid":
            return { result: "00000000-0000-4000-8000-000000000000" };
        case "random:index/randomId:RandomId":
            return { hex: "0".repeat(2 * (inputs.byteLength ?? 8)), b64Url: "A".repeat(Math.ceil((4 * (inputs.byteLength ?? 8)) / 3)) };
        // The offline plan's stand-in sealing key (fixtures/README.md): real PEM, so sealing works.
        case "tls:index/privateKey:PrivateKey":
            return { privateKeyPem: fixture("plan-only-sealing-key.pem"), publicKeyPem: fixture("plan-only-sealing-pub.pem") };
        case "tls:index/selfSignedCert:SelfSignedCert":
            return { certPem: fixture("plan-only-sealing-cert.pem") };
        case "docker:index/image:Image": {
            // A pushed image is referenced by repository@digest; offline the digest is derived from the name.
            const name = String(inputs.imageName);
            const digest = createHash("sha256").update(name).digest("hex");
            return { repoDigest: `${name.replace(/:[^:/]+$/, "")}@sha256:${digest}`, baseImageName: name, registryServer: name.split("/")[0] };
        }
        default:
            break;
    }
    if (type.startsWith("kubernetes:") && inputs.metadata !== undefined) {
        // Auto-named objects get a random suffix on a cluster; offline they keep their logical name.
        return { metadata: { ...inputs.metadata, name: inputs.metadata.name ?? name } };
    }
    return {};
}

/** Replaces the RPC encoding of secrets by their plain values (the plan shows what would be sent). */
export function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (typeof value === "object" && value !== null) {
        const record = value as Record<string, unknown>;
        if (record[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return unwrapSecrets(record.value);
        return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

/** Installs the mocks and returns the list that fills up as the program registers resources. */
export async function installMockRuntime(project: string, stack: string): Promise<RegisteredResource[]> {
    const registered: RegisteredResource[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource: (args: pulumi.runtime.MockResourceArgs) => {
                const metadata = args.inputs.metadata ?? {};
                const id = args.type.startsWith("kubernetes:") ? [metadata.namespace, metadata.name ?? args.name].filter(Boolean).join("/") : `${args.name}-id`;
                return { id, state: { ...args.inputs, ...computedState(args.type, args.name, args.inputs) } };
            },
            call: (args: pulumi.runtime.MockCallArgs) => {
                throw new Error(`the offline plan cannot answer the provider function ${args.token}: compute the value in the program instead`);
            },
        },
        project,
        stack,
        true,
    );

    // The mocks see neither parents nor options, so listen on the monitor itself.
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(req: any, callback: (err: any, resp: any) => void): Promise<void>;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = async (req: any, callback: (err: any, resp: any) => void) => {
        const inputs = unwrapSecrets(pulumi.runtime.deserializeProperties(req.getObject())) as Record<string, unknown>;
        return register(req, (err: any, resp: any) => {
            if (!err) {
                registered.push({
                    urn: resp.getUrn(),
                    type: req.getType(),
                    name: req.getName(),
                    parent: req.getParent() || undefined,
                    custom: req.getCustom(),
                    remote: req.getRemote(),
                    provider: req.getProvider() || undefined,
                    protect: req.getProtect() === true,
                    retainOnDelete: req.getRetainondelete() === true,
                    dependencies: [...req.getDependenciesList()].sort(),
                    inputs,
                });
            }
            callback(err, resp);
        });
    };
    return registered;
}
