// Sealed secrets sealed by the program: the controller's format and scopes, proven by opening the
// values with the private key (as the controller does) and with the real kubeseal, both ways.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { generateKeyPairSync } from "crypto";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { SealedSecret } from "../components/secrets/sealedSecret";
import { SealingScope, encryptionLabel, scopeAnnotations, sealValue, unsealValue } from "../components/secrets/sealing";
import { MockedResource, settled, testSealingKey, useMocks } from "./support/mocks";
import { requireFile } from "./support/realTools";
import { PROJECT_DIR } from "./support/stacks";
import { tempDir } from "./support/tempdirs";

const FIXTURES = path.join(PROJECT_DIR, "scripts", "plan", "fixtures");
const CERT = fs.readFileSync(path.join(FIXTURES, "plan-only-sealing-cert.pem"), "utf8");
const KEY = fs.readFileSync(path.join(FIXTURES, "plan-only-sealing-key.pem"), "utf8");
const SCOPES: SealingScope[] = ["strict", "namespace-wide", "cluster-wide"];

describe("sealed secrets", () => {
    describe("sealing format and scopes", () => {
        for (const scope of SCOPES) {
            it(`${scope}: seal -> unseal round trip with the private key`, () => {
                const label = encryptionLabel("platform-apps", "webapp-secrets", scope);
                const sealed = sealValue(CERT, "jwt-secret-value ✓", label, "derivation-key");
                assert.strictEqual(unsealValue(KEY, sealed, label), "jwt-secret-value ✓");
                // 2-byte length of the RSA part, then 512 bytes for a 4096-bit key.
                assert.strictEqual(Buffer.from(sealed, "base64").readUInt16BE(0), 512);
            });
        }

        it("strict scope: a different name or namespace cannot unseal", () => {
            const sealed = sealValue(CERT, "v", encryptionLabel("ns", "name", "strict"), "k");
            assert.throws(() => unsealValue(KEY, sealed, encryptionLabel("ns", "other", "strict")));
            assert.throws(() => unsealValue(KEY, sealed, encryptionLabel("other", "name", "strict")));
        });

        it("namespace-wide scope: any name in the namespace, no other namespace", () => {
            const sealed = sealValue(CERT, "v", encryptionLabel("ns", "name", "namespace-wide"), "k");
            assert.strictEqual(unsealValue(KEY, sealed, encryptionLabel("ns", "renamed", "namespace-wide")), "v");
            assert.throws(() => unsealValue(KEY, sealed, encryptionLabel("other", "name", "namespace-wide")));
        });

        it("cluster-wide scope: any name in any namespace", () => {
            const sealed = sealValue(CERT, "v", encryptionLabel("ns", "name", "cluster-wide"), "k");
            assert.strictEqual(unsealValue(KEY, sealed, encryptionLabel("elsewhere", "anything", "cluster-wide")), "v");
        });

        it("a different key cannot unseal", () => {
            const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
            const label = encryptionLabel("ns", "name", "strict");
            assert.throws(() => unsealValue(other, sealValue(CERT, "v", label, "k"), label));
        });

        it("is stable: the same value, scope and key seal to the same text; any change gives a new one", () => {
            const label = encryptionLabel("ns", "name", "strict");
            const once = sealValue(CERT, "v", label, "k");
            assert.strictEqual(sealValue(CERT, "v", label, "k"), once, "re-running pulumi up shows no diff");
            assert.notStrictEqual(sealValue(CERT, "w", label, "k"), once, "a new value re-seals");
            assert.notStrictEqual(sealValue(CERT, "v", encryptionLabel("ns", "other", "strict"), "k"), once, "a new scope re-seals");
            const otherCert = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString();
            assert.notStrictEqual(sealValue(otherCert, "v", label, "k"), once, "a new key re-seals");
        });

        it("marks namespace-wide and cluster-wide SealedSecrets with the controller's annotations", () => {
            assert.deepStrictEqual(scopeAnnotations("strict"), {});
            assert.deepStrictEqual(scopeAnnotations("namespace-wide"), { "sealedsecrets.bitnami.com/namespace-wide": "true" });
            assert.deepStrictEqual(scopeAnnotations("cluster-wide"), { "sealedsecrets.bitnami.com/cluster-wide": "true" });
        });
    });

    describe("SealedSecret component under mocks", () => {
        let resources: MockedResource[] = [];
        before(async () => {
            resources = useMocks("dev");
            const key = testSealingKey();
            const own = new SealedSecret("app", { namespace: "platform-apps", secretName: "webapp-secrets", values: { JWT_SECRET: "s3cret" }, sealingKey: key });
            const passed = new SealedSecret("s3", { namespace: "platform-storage", secretName: "postgres-backup-s3", presealed: { AWS_ACCESS_KEY_ID: "AgBy8sealedbykubeseal==" }, sealingKey: key });
            await settled(own.secretName, passed.secretName);
        });
        const sealedSecret = (name: string) => resources.find((r) => r.type === "kubernetes:bitnami.com/v1alpha1:SealedSecret" && r.inputs.metadata.name === name)!.inputs;

        it("sends only sealed data, which opens to the value for that name and namespace", () => {
            const s = sealedSecret("webapp-secrets");
            assert.strictEqual(s.spec.template.metadata.name, "webapp-secrets");
            assert.ok(!JSON.stringify(s).includes("s3cret"));
            assert.strictEqual(unsealValue(KEY, s.spec.encryptedData.JWT_SECRET, encryptionLabel("platform-apps", "webapp-secrets", "strict")), "s3cret");
        });

        it("passes values sealed by kubeseal through unchanged", () => {
            assert.deepStrictEqual(sealedSecret("postgres-backup-s3").spec.encryptedData, { AWS_ACCESS_KEY_ID: "AgBy8sealedbykubeseal==" });
        });
    });

    describe("with the real kubeseal", function () {
        this.timeout(60_000);
        const kubeseal = () => requireFile(path.join(PROJECT_DIR, ".tools", "bin", "kubeseal"), "kubeseal");

        it("kubeseal --recovery-unseal opens what the program sealed, in every scope", () => {
            const dir = tempDir("kubeseal");
            fs.writeFileSync(path.join(dir, "key.pem"), KEY);
            for (const scope of SCOPES) {
                const label = encryptionLabel("platform-apps", "webapp-secrets", scope);
                const doc = {
                    apiVersion: "bitnami.com/v1alpha1",
                    kind: "SealedSecret",
                    metadata: { name: "webapp-secrets", namespace: "platform-apps", annotations: scopeAnnotations(scope) },
                    spec: { encryptedData: { JWT_SECRET: sealValue(CERT, `value-${scope}`, label, "k") }, template: { metadata: { name: "webapp-secrets", namespace: "platform-apps", annotations: scopeAnnotations(scope) } } },
                };
                const result = spawnSync(kubeseal(), ["--recovery-unseal", "--recovery-private-key", path.join(dir, "key.pem"), "-o", "yaml"], { input: yaml.dump(doc), encoding: "utf8" });
                assert.strictEqual(result.status, 0, result.stderr);
                const secret = yaml.load(result.stdout) as { data: Record<string, string> };
                assert.strictEqual(Buffer.from(secret.data.JWT_SECRET, "base64").toString(), `value-${scope}`, scope);
            }
        });

        it("what kubeseal seals with our certificate opens with the program's unseal (the formats agree)", () => {
            const dir = tempDir("kubeseal");
            fs.writeFileSync(path.join(dir, "cert.pem"), CERT);
            const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "platform-storage" }, data: { password: Buffer.from("from-kubeseal").toString("base64") } };
            const result = spawnSync(kubeseal(), ["--cert", path.join(dir, "cert.pem"), "-o", "yaml"], { input: yaml.dump(secret), encoding: "utf8" });
            assert.strictEqual(result.status, 0, result.stderr);
            const sealed = yaml.load(result.stdout) as { spec: { encryptedData: Record<string, string> } };
            assert.strictEqual(unsealValue(KEY, sealed.spec.encryptedData.password, encryptionLabel("platform-storage", "db", "strict")), "from-kubeseal");
        });
    });
});
