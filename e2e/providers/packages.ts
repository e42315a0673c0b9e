// The two stand-in plugins: which resources each serves, and the version each reports, which is
// the plugin version the npm package asks the engine for (its package.json "pulumi.version"), so
// it is written down nowhere else.
import type * as provider from "@pulumi/pulumi/provider";
import { randomId, randomPassword } from "./random";
import { ResourceDefinition, makeProvider } from "./resource";
import { privateKey, selfSignedCert } from "./tls";

export const PACKAGES: Readonly<Record<string, readonly ResourceDefinition[]>> = {
    random: [randomPassword, randomId],
    tls: [privateKey, selfSignedCert],
};

export type PackageName = keyof typeof PACKAGES;

/** node_modules/@pulumi/NAME/package.json's pulumi.version: the plugin version the SDK requests. */
export function pluginVersion(pkg: string): string {
    const manifest = require(`@pulumi/${pkg}/package.json`) as { pulumi?: { version?: string } };
    const version = manifest.pulumi?.version;
    if (!version) throw new Error(`@pulumi/${pkg}/package.json has no pulumi.version`);
    return version;
}

export function standInProvider(pkg: string): provider.Provider {
    const definitions = PACKAGES[pkg];
    if (!definitions) throw new Error(`no stand-in provider for "${pkg}" (there are: ${Object.keys(PACKAGES).join(", ")})`);
    return makeProvider(pkg, pluginVersion(pkg), definitions);
}
