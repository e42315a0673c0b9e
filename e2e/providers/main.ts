// The stand-in provider plugin process (a test double, see README.md): `launch NAME [ENGINE-ARGS]`
// runs this with NAME = random | tls. The SDK's provider.main serves the ResourceProvider gRPC
// service on a loopback port and prints the port on stdout, which is how the engine finds it.
import * as provider from "@pulumi/pulumi/provider";
import { standInProvider } from "./packages";

const [pkg, ...engineArgs] = process.argv.slice(2);

function fail(err: unknown): never {
    console.error(`pulumi-resource-${pkg} (stand-in): ${(err as Error).message ?? err}`);
    process.exit(1);
}

let standIn: provider.Provider;
try {
    standIn = standInProvider(pkg ?? "");
} catch (err) {
    fail(err);
}
provider.main(standIn, engineArgs).catch(fail);
