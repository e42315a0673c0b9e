// Stands in for the sealed-secrets controller on the local control plane (which runs no
// controllers of the platform's charts): opens every SealedSecret of a plan with the plan's
// sealing key and writes the Secret the controller would create, next to the other manifests.
//
//   ts-node scripts/e2e/unseal.ts <plan dir> <private key pem> <output dir>
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { SealingScope, encryptionLabel, unsealValue } from "../../components/secrets/sealing";

function scopeOf(annotations: Record<string, string> = {}): SealingScope {
    if (annotations["sealedsecrets.bitnami.com/cluster-wide"] === "true") return "cluster-wide";
    if (annotations["sealedsecrets.bitnami.com/namespace-wide"] === "true") return "namespace-wide";
    return "strict";
}

function main(): void {
    const [planDir, keyFile, outDir] = process.argv.slice(2);
    if (!planDir || !keyFile || !outDir) throw new Error("usage: unseal.ts <plan dir> <private key pem> <output dir>");
    const key = fs.readFileSync(keyFile, "utf8");
    const manifests = path.join(planDir, "manifests");
    let count = 0;
    for (const ns of fs.readdirSync(manifests)) {
        for (const file of fs.readdirSync(path.join(manifests, ns)).filter((f) => f.startsWith("SealedSecret-"))) {
            const sealed = yaml.load(fs.readFileSync(path.join(manifests, ns, file), "utf8")) as any;
            const { name, namespace, annotations } = sealed.metadata;
            const label = encryptionLabel(namespace, name, scopeOf(annotations));
            const data = Object.fromEntries(
                Object.entries(sealed.spec.encryptedData as Record<string, string>).map(([k, v]) => [k, Buffer.from(unsealValue(key, v, label)).toString("base64")]),
            );
            const secret = { apiVersion: "v1", kind: "Secret", metadata: { ...sealed.spec.template.metadata, name, namespace }, type: sealed.spec.template.type ?? "Opaque", data };
            fs.mkdirSync(path.join(outDir, namespace), { recursive: true });
            fs.writeFileSync(path.join(outDir, namespace, `Secret-${name}.yaml`), yaml.dump(secret, { sortKeys: true }));
            count++;
        }
    }
    console.log(`unsealed ${count} SealedSecrets into ${outDir}`);
}

main();
