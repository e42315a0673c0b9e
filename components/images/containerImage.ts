import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { RegistrySettings } from "../../config/types";
import { contentTag } from "./contentTag";

/** Where the image-build contexts of this repository live. */
export const IMAGES_DIR = path.resolve(__dirname, "..", "..", "images");

export interface ContainerImageArgs {
    /** Repository name under the registry, e.g. `patroni`. */
    readonly repository: string;
    /** Build context directory (default: images/<repository>). */
    readonly context?: string;
    /** Build arguments; part of the content tag. */
    readonly buildArgs?: Readonly<Record<string, string>>;
    /** Human-readable part of the tag, e.g. the upstream version (default: `build`). */
    readonly tagLabel?: string;
    /** The stack's registry and whether to push to it. */
    readonly registry: RegistrySettings;
    /** Use this image as it is instead of building (e.g. CI with prebuilt images). */
    readonly prebuilt?: string;
}

/**
 * Builds an image from a context in this repository with a content-derived tag and pushes it to
 * the stack's registry. `ref` is what pod specs use: `repo@sha256:…` after a push, so a pod runs
 * exactly the bytes that were built; `repo:<content tag>` when the cluster loads images directly
 * (kind/minikube, `registryPush: false`).
 */
export class ContainerImage extends pulumi.ComponentResource {
    /** The pinned reference for pod specs. */
    readonly ref: pulumi.Output<string>;
    /** `registry/repository:tag`, as built. */
    readonly imageName: pulumi.Output<string>;

    constructor(name: string, args: ContainerImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:images:ContainerImage", name, {}, opts);

        if (args.prebuilt) {
            this.ref = pulumi.output(args.prebuilt);
            this.imageName = pulumi.output(args.prebuilt);
        } else {
            const context = args.context ?? path.join(IMAGES_DIR, args.repository);
            const buildArgs = args.buildArgs ?? {};
            const tag = contentTag(args.tagLabel ?? "build", context, buildArgs);
            const imageName = `${args.registry.server}/${args.repository}:${tag}`;
            const image = new docker.Image(
                `${name}-image`,
                {
                    imageName,
                    build: { context, args: { ...buildArgs }, platform: "linux/amd64" },
                    skipPush: !args.registry.push,
                    registry:
                        args.registry.push && args.registry.username
                            ? { server: args.registry.server.split("/")[0], username: args.registry.username, password: args.registry.password }
                            : undefined,
                },
                { parent: this },
            );
            this.imageName = image.imageName;
            this.ref = args.registry.push ? image.repoDigest : image.imageName;
        }
        this.registerOutputs({ ref: this.ref, imageName: this.imageName });
    }
}

/** Mirrors an upstream image into the stack's registry so pods pin it by the digest of our push. */
export function mirrorImage(name: string, repository: string, source: string, registry: RegistrySettings, opts?: pulumi.ComponentResourceOptions): ContainerImage {
    // Tag "<upstream tag>-<digest of the mirror context and source>".
    const upstreamTag = source.split("@")[0].split("/").pop()?.split(":")[1] ?? "mirror";
    return new ContainerImage(
        name,
        { repository, context: path.join(IMAGES_DIR, "mirror"), buildArgs: { SOURCE: source }, tagLabel: upstreamTag, registry },
        opts,
    );
}
