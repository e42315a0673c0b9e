// A short, stable digest of a file a pod reads at start: in the pod template's annotations, its
// change rolls the pods. Only the digest leaves a secret file, so it may be shown in diffs.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";

export function fileDigest(text: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.unsecret(pulumi.output(text).apply((t) => createHash("sha256").update(t).digest("hex").slice(0, 16)));
}
