// The stand-in random and tls provider plugins the e2e run installs (e2e/providers: a test double,
// no real pulumi-resource-random/-tls can be had on these machines). First the resources as the
// provider object computes them, then the plugin processes spoken to over gRPC as the engine
// speaks to them, then the install script.
import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type * as provider from "@pulumi/pulumi/provider";
import type * as pluginpb from "@pulumi/pulumi/proto/plugin_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provpb from "@pulumi/pulumi/proto/provider_pb";
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { bcryptHash, bcryptVerify, piFractionWords } from "../e2e/providers/bcrypt";
import { PACKAGES, pluginVersion, standInProvider } from "../e2e/providers/packages";
import { SPECIAL } from "../e2e/providers/random";
import { planOf } from "./support/plan";
import { STACKS } from "./support/stacks";
import { PROJECT_DIR } from "./support/stacks";
import { tempDir } from "./support/tempdirs";

const PROVIDERS_DIR = path.join(PROJECT_DIR, "e2e", "providers");

// The gRPC runtime and protobuf well-known types the SDK's generated stubs were built with.
const SDK_DIR = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromSdk = (module: string) => require(require.resolve(module, { paths: [SDK_DIR] }));
const grpc: typeof import("@grpc/grpc-js") = fromSdk("@grpc/grpc-js");
const { Struct } = fromSdk("google-protobuf/google/protobuf/struct_pb");
const { Empty } = fromSdk("google-protobuf/google/protobuf/empty_pb");

const TYPES = {
    password: "random:index/randomPassword:RandomPassword",
    id: "random:index/randomId:RandomId",
    key: "tls:index/privateKey:PrivateKey",
    cert: "tls:index/selfSignedCert:SelfSignedCert",
};
/** A URN as the engine sends it, the resource under a component as the program has them. */
const urn = (type: string, name = "r") => `urn:pulumi:e2e::data-platform::platform:secrets:SealedSecretsController$${type}::${name}`;

type Props = Record<string, any>;

const isSecret = (v: unknown): boolean => typeof v === "object" && v !== null && (v as Props)[specialSigKey] === specialSecretSig;
function revealed(v: unknown): any {
    assert.ok(isSecret(v), `expected a secret, got ${JSON.stringify(v)?.slice(0, 80)}`);
    return (v as Props).value;
}

// The three calls the engine makes for a new resource, then a Diff of the state against inputs.
async function checkAndCreate(p: provider.Provider, type: string, news: Props): Promise<{ inputs: Props; id: string; outs: Props }> {
    const checked = await p.check!(urn(type), {}, news);
    assert.deepStrictEqual(checked.failures, [], "check fails");
    const created = await p.create!(urn(type), checked.inputs);
    return { inputs: checked.inputs, id: created.id, outs: created.outs };
}
async function diffAgainst(p: provider.Provider, type: string, state: Props, news: Props): Promise<provider.DiffResult> {
    const checked = await p.check!(urn(type), state, news);
    assert.deepStrictEqual(checked.failures, []);
    return p.diff!("id", urn(type), state, checked.inputs);
}
const failedProperties = async (p: provider.Provider, type: string, news: Props) => ((await p.check!(urn(type), {}, news)).failures ?? []).map((f) => f.property);

/** A minimal DER reader for the certificate checks (independent of the writer under test). */
interface Tlv {
    tag: number;
    contents: Buffer;
    children: () => Tlv[];
}
function readDer(buf: Buffer): Tlv[] {
    const out: Tlv[] = [];
    for (let at = 0; at < buf.length; ) {
        const tag = buf[at];
        let length = buf[at + 1];
        let header = 2;
        if (length & 0x80) {
            const n = length & 0x7f;
            length = 0;
            for (let i = 0; i < n; i++) length = length * 256 + buf[at + 2 + i];
            header += n;
        }
        const contents = buf.subarray(at + header, at + header + length);
        out.push({ tag, contents, children: () => readDer(contents) });
        at += header + length;
    }
    return out;
}
function oidText(contents: Buffer): string {
    const arcs: number[] = [];
    let value = 0;
    for (const b of contents) {
        value = value * 128 + (b & 0x7f);
        if (!(b & 0x80)) {
            arcs.push(value);
            value = 0;
        }
    }
    return [Math.floor(arcs[0] / 40), arcs[0] % 40, ...arcs.slice(1)].join(".");
}
/** The certificate's extensions by OID: whether critical, and the extnValue's contents. */
function extensionsOf(certPem: string): Map<string, { critical: boolean; value: Buffer }> {
    const [cert] = readDer(new crypto.X509Certificate(certPem).raw);
    const [tbs] = cert.children();
    const wrapper = tbs.children().find((t) => t.tag === 0xa3);
    assert.ok(wrapper, "the certificate has extensions");
    const result = new Map<string, { critical: boolean; value: Buffer }>();
    for (const ext of wrapper.children()[0].children()) {
        const parts = ext.children();
        const critical = parts.length === 3 && parts[1].tag === 0x01 && parts[1].contents[0] === 0xff;
        result.set(oidText(parts[0].contents), { critical, value: parts[parts.length - 1].contents });
    }
    return result;
}
/** The set bits of a keyUsage extension value (a BIT STRING), by number. */
function keyUsageBits(value: Buffer): number[] {
    const [bits] = readDer(value);
    const bytes = bits.contents.subarray(1);
    const set: number[] = [];
    bytes.forEach((byte, i) => {
        for (let bit = 0; bit < 8; bit++) if (byte & (0x80 >> bit)) set.push(i * 8 + bit);
    });
    return set;
}
/** An OpenSSH wire blob's leading strings/mpints. */
function sshFields(blob: Buffer): Buffer[] {
    const fields: Buffer[] = [];
    for (let at = 0; at < blob.length; ) {
        const n = blob.readUInt32BE(at);
        fields.push(blob.subarray(at + 4, at + 4 + n));
        at += 4 + n;
    }
    return fields;
}
const stripLeadingZeros = (b: Buffer) => b.subarray(b.findIndex((x) => x !== 0));
function sshReader(buf: Buffer) {
    let at = 0;
    return {
        u32: () => {
            const v = buf.readUInt32BE(at);
            at += 4;
            return v;
        },
        str: () => {
            const n = buf.readUInt32BE(at);
            const s = buf.subarray(at + 4, at + 4 + n);
            at += 4 + n;
            return s;
        },
        rest: () => buf.subarray(at),
    };
}

describe("stand-in random and tls provider plugins for the e2e run (test double)", function () {
    this.timeout(120_000);
    const random = standInProvider("random");
    const tls = standInProvider("tls");

    it("implements every random and tls resource type that the plan of any stack creates", function () {
        this.timeout(600_000);
        const served = new Set(Object.values(PACKAGES).flatMap((definitions) => definitions.map((d) => d.token)));
        for (const stack of [...STACKS, "e2e"]) {
            const plan = planOf(stack);
            assert.strictEqual(plan.code, 0, plan.stderr);
            const resources = JSON.parse(fs.readFileSync(path.join(plan.outDir, "resources.json"), "utf8")) as { type: string }[];
            const tokens = resources.map((r) => r.type).filter((t) => /^(random|tls):/.test(t));
            assert.ok(tokens.length > 0, `the ${stack} plan creates no random or tls resources`);
            assert.deepStrictEqual([...new Set(tokens)].filter((t) => !served.has(t)), [], `${stack}: types the stand-in does not implement`);
        }
    });

    describe("random:index/randomPassword:RandomPassword", () => {
        it("check fills in upstream's defaults and keeps what the program set", async () => {
            const { inputs, failures } = await random.check!(urn(TYPES.password), {}, { length: 32, special: false });
            assert.deepStrictEqual(failures, []);
            assert.deepStrictEqual(inputs, {
                length: 32,
                special: false,
                upper: true,
                lower: true,
                numeric: true,
                number: true,
                minUpper: 0,
                minLower: 0,
                minNumeric: 0,
                minSpecial: 0,
            });
        });

        it("creates a password of the asked length from letters and digits only when special is false, as a secret", async () => {
            const { id, outs } = await checkAndCreate(random, TYPES.password, { length: 32, special: false });
            assert.strictEqual(id, "none", "upstream's id");
            const result = revealed(outs.result);
            assert.match(result, /^[A-Za-z0-9]{32}$/);
            assert.ok(bcryptVerify(result, revealed(outs.bcryptHash)), "bcryptHash is bcrypt of the result");
            assert.match(revealed(outs.bcryptHash), /^\$2a\$10\$/);
            assert.strictEqual(outs.length, 32);
            assert.strictEqual(outs.special, false);
        });

        it("draws a new password each time, with special characters by default", async () => {
            const results = new Set<string>();
            let specials = 0;
            for (let i = 0; i < 4; i++) {
                const result = revealed((await checkAndCreate(random, TYPES.password, { length: 48 })).outs.result);
                assert.strictEqual(result.length, 48);
                specials += [...result].filter((c) => SPECIAL.includes(c)).length;
                results.add(result);
            }
            assert.strictEqual(results.size, 4);
            assert.ok(specials > 0, "4 × 48 characters from 83 with 21 special ones: some are special");
        });

        it("honours the minimum counts, overrideSpecial and a disabled class", async () => {
            const { outs } = await checkAndCreate(random, TYPES.password, { length: 12, upper: false, minNumeric: 4, minSpecial: 3, overrideSpecial: "#" });
            const result: string = revealed(outs.result);
            assert.strictEqual(result.length, 12);
            assert.ok([...result].filter((c) => /[0-9]/.test(c)).length >= 4, result);
            assert.ok([...result].filter((c) => c === "#").length >= 3, result);
            assert.match(result, /^[a-z0-9#]+$/);
        });

        it("rejects what upstream rejects: length below 1 or below the minimums, no class enabled, number ≠ numeric", async () => {
            assert.deepStrictEqual(await failedProperties(random, TYPES.password, { length: 0 }), ["length"]);
            assert.deepStrictEqual(await failedProperties(random, TYPES.password, { length: 3, minUpper: 2, minLower: 2 }), ["length"]);
            assert.deepStrictEqual(await failedProperties(random, TYPES.password, { length: 8, upper: false, lower: false, numeric: false, special: false }), ["numeric"]);
            assert.deepStrictEqual(await failedProperties(random, TYPES.password, { length: 8, number: true, numeric: false }), ["numeric"]);
            assert.deepStrictEqual(await failedProperties(random, TYPES.password, {}), ["length"]);
            assert.deepStrictEqual(await failedProperties(random, TYPES.password, { length: "8" }), ["length"]);
            assert.deepStrictEqual(await failedProperties(random, TYPES.password, { length: 8, lenght: 9 }), ["lenght"]);
        });

        it("accepts unknown inputs during a preview without judging them", async () => {
            assert.deepStrictEqual(await failedProperties(random, TYPES.password, { length: unknownValue, special: false }), []);
        });

        it("diff: the same inputs again are no change, also with the defaults written out or left out", async () => {
            const { outs } = await checkAndCreate(random, TYPES.password, { length: 32, special: false });
            assert.deepStrictEqual(await diffAgainst(random, TYPES.password, outs, { length: 32, special: false }), { changes: false, replaces: [], deleteBeforeReplace: false });
            assert.strictEqual((await diffAgainst(random, TYPES.password, outs, { length: 32, special: false, upper: true, number: true })).changes, false);
            assert.strictEqual((await random.diff!("none", urn(TYPES.password), outs, { length: 32, special: false })).changes, false, "even unchecked");
        });

        it("diff: a changed length, special or keeper replaces, create before delete", async () => {
            const { outs } = await checkAndCreate(random, TYPES.password, { length: 32, special: false, keepers: { rotation: "1" } });
            assert.deepStrictEqual(await diffAgainst(random, TYPES.password, outs, { length: 33, special: false, keepers: { rotation: "1" } }), {
                changes: true,
                replaces: ["length"],
                deleteBeforeReplace: false,
            });
            assert.deepStrictEqual((await diffAgainst(random, TYPES.password, outs, { length: 32, keepers: { rotation: "1" } })).replaces, ["special"]);
            assert.deepStrictEqual((await diffAgainst(random, TYPES.password, outs, { length: 32, special: false, keepers: { rotation: "2" } })).replaces, ["keepers"]);
            assert.deepStrictEqual((await diffAgainst(random, TYPES.password, outs, { length: unknownValue, special: false, keepers: { rotation: "1" } })).replaces, ["length"]);
        });

        it("diff and update: overrideSpecial from empty to unset is an in-place update that keeps the password", async () => {
            const { outs } = await checkAndCreate(random, TYPES.password, { length: 16, overrideSpecial: "" });
            const diff = await diffAgainst(random, TYPES.password, outs, { length: 16 });
            assert.deepStrictEqual(diff, { changes: true, replaces: [], deleteBeforeReplace: false });
            const updated = await random.update!("none", urn(TYPES.password), outs, (await random.check!(urn(TYPES.password), outs, { length: 16 })).inputs);
            assert.strictEqual(revealed(updated.outs.result), revealed(outs.result));
            assert.strictEqual(revealed(updated.outs.bcryptHash), revealed(outs.bcryptHash));
            assert.strictEqual(updated.outs.overrideSpecial, undefined);
        });

        it("keeps an input's secrecy: a secret keeper comes back as a secret output", async () => {
            const secretKeepers = { [specialSigKey]: specialSecretSig, value: { k: "v" } };
            const { outs } = await checkAndCreate(random, TYPES.password, { length: 8, keepers: secretKeepers });
            assert.deepStrictEqual(revealed(outs.keepers), { k: "v" });
            assert.strictEqual(outs.length, 8, "the others stay plain");
        });

        it("bcrypt matches golang.org/x/crypto/bcrypt (a hash Go made for 'hunter2') and Blowfish's pi tables", () => {
            const fromGo = "$2a$10$aF8lneZ5xroyz1W6RYGSJOmd9cFSFYSFtIkck75K57LnhE4UAE4nS";
            assert.ok(bcryptVerify("hunter2", fromGo));
            assert.ok(!bcryptVerify("hunter3", fromGo));
            const words = piFractionWords();
            assert.deepStrictEqual([words[0], words[17], words[18], words[1041]], [0x243f6a88, 0x8979fb1b, 0xd1310ba6, 0x3ac372e6]);
            const long = "x".repeat(80);
            assert.ok(bcryptVerify("x".repeat(72), bcryptHash(long, 4)), "only the first 72 bytes count, as upstream");
        });
    });

    describe("random:index/randomId:RandomId", () => {
        it("creates byteLength random bytes in upstream's four encodings, id = b64Url", async () => {
            const { id, outs } = await checkAndCreate(random, TYPES.id, { byteLength: 16 });
            assert.match(outs.hex, /^[0-9a-f]{32}$/);
            const bytes = Buffer.from(outs.hex, "hex");
            assert.strictEqual(outs.b64Std, bytes.toString("base64"));
            assert.match(outs.b64Std, /^[A-Za-z0-9+/]{22}==$/, "standard alphabet, padded");
            assert.match(outs.b64Url, /^[A-Za-z0-9_-]{22}$/, "URL-safe alphabet, unpadded");
            assert.deepStrictEqual(Buffer.from(outs.b64Url, "base64url"), bytes);
            assert.strictEqual(outs.dec, BigInt(`0x${outs.hex}`).toString());
            assert.strictEqual(id, outs.b64Url);
            assert.strictEqual(outs.byteLength, 16);
        });

        it("puts the prefix before every encoding but not in the id", async () => {
            const { id, outs } = await checkAndCreate(random, TYPES.id, { byteLength: 4, prefix: "kafka-" });
            for (const field of ["hex", "b64Std", "b64Url", "dec"]) assert.ok(outs[field].startsWith("kafka-"), field);
            assert.strictEqual(`kafka-${id}`, outs.b64Url);
        });

        it("diff: unchanged is no change, a new byteLength or prefix replaces", async () => {
            const { outs } = await checkAndCreate(random, TYPES.id, { byteLength: 16 });
            assert.strictEqual((await diffAgainst(random, TYPES.id, outs, { byteLength: 16 })).changes, false);
            assert.deepStrictEqual((await diffAgainst(random, TYPES.id, outs, { byteLength: 8 })).replaces, ["byteLength"]);
            assert.deepStrictEqual((await diffAgainst(random, TYPES.id, outs, { byteLength: 16, prefix: "p" })).replaces, ["prefix"]);
        });

        it("rejects a byteLength below 1", async () => {
            assert.deepStrictEqual(await failedProperties(random, TYPES.id, { byteLength: 0 }), ["byteLength"]);
        });
    });

    describe("tls:index/privateKey:PrivateKey and tls:index/selfSignedCert:SelfSignedCert", () => {
        // The program's own arguments (components/secrets/sealedSecretsController.ts).
        const KEY_ARGS = { algorithm: "RSA", rsaBits: 4096 };
        const CERT_ARGS = {
            subject: { commonName: "sealed-secret", organization: "data-platform" },
            validityPeriodHours: 10 * 365 * 24,
            allowedUses: ["key_encipherment", "digital_signature", "cert_signing"],
            isCaCertificate: true,
        };
        let key: { inputs: Props; id: string; outs: Props };
        let cert: { inputs: Props; id: string; outs: Props };

        before(async () => {
            key = await checkAndCreate(tls, TYPES.key, KEY_ARGS);
            cert = await checkAndCreate(tls, TYPES.cert, { ...CERT_ARGS, privateKeyPem: key.outs.privateKeyPem });
        });

        it("PrivateKey check fills in upstream's defaults (rsaBits 2048, ecdsaCurve P224)", async () => {
            assert.deepStrictEqual(key.inputs, { algorithm: "RSA", rsaBits: 4096, ecdsaCurve: "P224" });
            assert.deepStrictEqual((await tls.check!(urn(TYPES.key), {}, { algorithm: "ED25519" })).inputs, { algorithm: "ED25519", rsaBits: 2048, ecdsaCurve: "P224" });
        });

        it("RSA 4096: privateKeyPem is PKCS#1 'RSA PRIVATE KEY', with PKCS#8 and public PEMs of the same key", () => {
            const pem: string = revealed(key.outs.privateKeyPem);
            assert.match(pem, /^-----BEGIN RSA PRIVATE KEY-----\n([A-Za-z0-9+/=]{64}\n)+[A-Za-z0-9+/=]{1,64}\n-----END RSA PRIVATE KEY-----\n$/);
            const privateKey = crypto.createPrivateKey(pem);
            assert.strictEqual(privateKey.asymmetricKeyType, "rsa");
            assert.strictEqual(privateKey.asymmetricKeyDetails?.modulusLength, 4096);
            const pkcs8: string = revealed(key.outs.privateKeyPemPkcs8);
            assert.match(pkcs8, /^-----BEGIN PRIVATE KEY-----\n/);
            assert.ok(crypto.createPrivateKey(pkcs8).equals(privateKey));
            assert.ok(!isSecret(key.outs.publicKeyPem), "the public key is not secret");
            assert.strictEqual(key.outs.publicKeyPem, crypto.createPublicKey(privateKey).export({ type: "spki", format: "pem" }));
            const spki = crypto.createPublicKey(privateKey).export({ type: "spki", format: "der" });
            assert.strictEqual(key.id, crypto.createHash("sha1").update(spki).digest("hex"), "id: SHA-1 of the public key, as upstream");
        });

        it("RSA 4096: the OpenSSH public key, fingerprints and private key describe the same key", () => {
            const privateKey = crypto.createPrivateKey(revealed(key.outs.privateKeyPem));
            const jwk = privateKey.export({ format: "jwk" });
            const [type, b64, ...rest] = key.outs.publicKeyOpenssh.trimEnd().split(" ");
            assert.strictEqual(type, "ssh-rsa");
            assert.deepStrictEqual(rest, []);
            assert.ok(key.outs.publicKeyOpenssh.endsWith("\n"), "a trailing newline, as upstream");
            const blob = Buffer.from(b64, "base64");
            const [name, e, n] = sshFields(blob);
            assert.strictEqual(name.toString(), "ssh-rsa");
            assert.deepStrictEqual(stripLeadingZeros(e), Buffer.from(jwk.e!, "base64url"));
            assert.deepStrictEqual(stripLeadingZeros(n), Buffer.from(jwk.n!, "base64url"));
            assert.strictEqual(key.outs.publicKeyFingerprintSha256, `SHA256:${crypto.createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`);
            assert.match(key.outs.publicKeyFingerprintMd5, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
            assert.strictEqual(key.outs.publicKeyFingerprintMd5.replace(/:/g, ""), crypto.createHash("md5").update(blob).digest("hex"));
            // openssh-key-v1 (PROTOCOL.key): unencrypted, one key, the same public blob, then the private fields.
            const openssh: string = revealed(key.outs.privateKeyOpenssh);
            assert.match(openssh, /^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
            const body = Buffer.from(openssh.replace(/-----[A-Z ]+-----|\n/g, ""), "base64");
            assert.strictEqual(body.subarray(0, 15).toString("latin1"), "openssh-key-v1\0");
            const file = sshReader(body.subarray(15));
            assert.deepStrictEqual([file.str().toString(), file.str().toString(), file.str().toString(), file.u32()], ["none", "none", "", 1]);
            assert.deepStrictEqual(file.str(), blob);
            const secretPart = file.str();
            assert.strictEqual(secretPart.length % 8, 0, "padded to the cipher block size");
            const priv = sshReader(secretPart);
            assert.strictEqual(priv.u32(), priv.u32(), "the two check integers agree");
            assert.strictEqual(priv.str().toString(), "ssh-rsa");
            const [pn, pe, pd, iqmp, pp, pq] = [priv.str(), priv.str(), priv.str(), priv.str(), priv.str(), priv.str()].map(stripLeadingZeros);
            const b = (field: string) => Buffer.from((jwk as Record<string, string>)[field], "base64url");
            assert.deepStrictEqual([pn, pe, pd, iqmp, pp, pq], [b("n"), b("e"), b("d"), b("qi"), b("p"), b("q")]);
            assert.strictEqual(priv.str().toString(), "", "no comment");
            assert.deepStrictEqual([...priv.rest()], Array.from({ length: priv.rest().length }, (_, i) => i + 1), "padding 1, 2, 3, ...");
        });

        it("the OpenSSH private key is one ssh-keygen reads, and derives the same public key from", function () {
            if (spawnSync("ssh-keygen", ["-?"]).error) this.skip();
            const file = path.join(tempDir("standin-ssh"), "id");
            fs.writeFileSync(file, revealed(key.outs.privateKeyOpenssh), { mode: 0o600 });
            const derived = spawnSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" });
            assert.strictEqual(derived.status, 0, derived.stderr);
            assert.strictEqual(derived.stdout.trim().split(" ").slice(0, 2).join(" "), key.outs.publicKeyOpenssh.trim());
        });

        it("ECDSA keys are SEC1 'EC PRIVATE KEY' on the asked curve, ED25519 keys PKCS#8; P224 has no OpenSSH forms", async () => {
            const p256 = await checkAndCreate(tls, TYPES.key, { algorithm: "ECDSA", ecdsaCurve: "P256" });
            assert.match(revealed(p256.outs.privateKeyPem), /^-----BEGIN EC PRIVATE KEY-----\n/);
            assert.strictEqual(crypto.createPrivateKey(revealed(p256.outs.privateKeyPem)).asymmetricKeyDetails?.namedCurve, "prime256v1");
            assert.match(p256.outs.publicKeyOpenssh, /^ecdsa-sha2-nistp256 /);
            const ed = await checkAndCreate(tls, TYPES.key, { algorithm: "ED25519" });
            assert.match(revealed(ed.outs.privateKeyPem), /^-----BEGIN PRIVATE KEY-----\n/);
            assert.match(ed.outs.publicKeyOpenssh, /^ssh-ed25519 /);
            const p224 = await checkAndCreate(tls, TYPES.key, { algorithm: "ECDSA" });
            assert.strictEqual(crypto.createPrivateKey(revealed(p224.outs.privateKeyPem)).asymmetricKeyDetails?.namedCurve, "secp224r1");
            assert.deepStrictEqual([p224.outs.publicKeyOpenssh, p224.outs.publicKeyFingerprintMd5, revealed(p224.outs.privateKeyOpenssh)], ["", "", ""]);
        });

        it("PrivateKey rejects an algorithm or curve upstream does not know", async () => {
            assert.deepStrictEqual(await failedProperties(tls, TYPES.key, { algorithm: "DSA" }), ["algorithm"]);
            assert.deepStrictEqual(await failedProperties(tls, TYPES.key, { algorithm: "ECDSA", ecdsaCurve: "P192" }), ["ecdsaCurve"]);
        });

        it("PrivateKey diff: unchanged is no change; a new rsaBits or algorithm replaces; update keeps the key", async () => {
            assert.deepStrictEqual(await diffAgainst(tls, TYPES.key, key.outs, KEY_ARGS), { changes: false, replaces: [], deleteBeforeReplace: false });
            assert.deepStrictEqual(await diffAgainst(tls, TYPES.key, key.outs, { algorithm: "RSA", rsaBits: 2048 }), { changes: true, replaces: ["rsaBits"], deleteBeforeReplace: false });
            assert.deepStrictEqual((await diffAgainst(tls, TYPES.key, key.outs, { algorithm: "ECDSA", rsaBits: 4096 })).replaces, ["algorithm"]);
            const updated = await tls.update!(key.id, urn(TYPES.key), key.outs, key.inputs);
            assert.strictEqual(revealed(updated.outs.privateKeyPem), revealed(key.outs.privateKeyPem));
            assert.ok(isSecret(updated.outs.privateKeyPemPkcs8));
        });

        it("SelfSignedCert: a real X.509 v3 certificate, self-signed by the key and verifying with its public key", () => {
            const x509 = new crypto.X509Certificate(cert.outs.certPem);
            const privateKey = crypto.createPrivateKey(revealed(key.outs.privateKeyPem));
            assert.match(cert.outs.certPem, /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
            assert.ok(x509.checkIssued(x509), "issuer = subject");
            assert.ok(x509.verify(crypto.createPublicKey(privateKey)), "signed by the key");
            assert.ok(x509.checkPrivateKey(privateKey), "for the key");
            assert.strictEqual(x509.issuer, x509.subject);
            assert.deepStrictEqual(x509.subject.split("\n").sort(), ["CN=sealed-secret", "O=data-platform"]);
            assert.strictEqual(readDer(readDer(x509.raw)[0].children()[0].contents)[0].children()[0].contents[0], 2, "version v3");
            assert.strictEqual(cert.outs.keyAlgorithm, "RSA");
            assert.strictEqual(cert.id, BigInt(`0x${x509.serialNumber}`).toString(), "id: the serial number in decimal, as upstream");
        });

        it("SelfSignedCert: validity is validityPeriodHours from now, as validityStartTime/EndTime say (RFC 3339)", () => {
            const x509 = new crypto.X509Certificate(cert.outs.certPem);
            const start = Date.parse(cert.outs.validityStartTime);
            const end = Date.parse(cert.outs.validityEndTime);
            assert.match(cert.outs.validityStartTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
            assert.strictEqual(end - start, 10 * 365 * 24 * 3600_000);
            assert.ok(Math.abs(Date.now() - start) < 120_000, "starts now");
            assert.strictEqual(Date.parse(x509.validFrom), Math.floor(start / 1000) * 1000, "whole seconds in the certificate");
            assert.strictEqual(Date.parse(x509.validTo), Math.floor(end / 1000) * 1000);
            assert.strictEqual(cert.outs.readyForRenewal, false);
        });

        it("SelfSignedCert: isCaCertificate and allowedUses become a critical basicConstraints CA:TRUE and keyUsage", () => {
            const x509 = new crypto.X509Certificate(cert.outs.certPem);
            assert.strictEqual(x509.ca, true);
            const ext = extensionsOf(cert.outs.certPem);
            const basic = ext.get("2.5.29.19")!;
            assert.ok(basic.critical);
            assert.strictEqual(readDer(basic.value)[0].children()[0].contents[0], 0xff, "cA TRUE");
            const usage = ext.get("2.5.29.15")!;
            assert.ok(usage.critical);
            assert.deepStrictEqual(keyUsageBits(usage.value), [0, 2, 5], "digitalSignature, keyEncipherment, keyCertSign");
            assert.ok(ext.has("2.5.29.14"), "a CA gets a subject key identifier, as upstream");
            assert.ok(!ext.has("2.5.29.37"), "no extended key usage asked for");
            assert.ok(!ext.has("2.5.29.17"), "no subject alternative names asked for");
        });

        it("SelfSignedCert: dnsNames, ipAddresses and extended key usages go into the certificate; not a CA by default", async () => {
            const ec = await checkAndCreate(tls, TYPES.key, { algorithm: "ECDSA", ecdsaCurve: "P384" });
            const { outs } = await checkAndCreate(tls, TYPES.cert, {
                privateKeyPem: ec.outs.privateKeyPem,
                validityPeriodHours: 1,
                allowedUses: ["server_auth", "client_auth", "digital_signature"],
                dnsNames: ["kafka.example", "*.kafka.example"],
                ipAddresses: ["127.0.0.1", "::1"],
            });
            const x509 = new crypto.X509Certificate(outs.certPem);
            assert.ok(x509.verify(crypto.createPublicKey(revealed(ec.outs.privateKeyPem))));
            assert.strictEqual(x509.ca, false);
            assert.strictEqual(x509.subjectAltName, "DNS:kafka.example, DNS:*.kafka.example, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1");
            assert.deepStrictEqual([...(x509.keyUsage ?? [])].sort(), ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
            assert.ok(extensionsOf(outs.certPem).get("2.5.29.17")!.critical, "subjectAltName is critical when the subject is empty");
            assert.strictEqual(outs.keyAlgorithm, "ECDSA");
        });

        it("SelfSignedCert: privateKeyPem comes back secret, as the program's input was", () => {
            assert.ok(isSecret(cert.inputs.privateKeyPem), "check keeps the input secret");
            assert.strictEqual(revealed(cert.outs.privateKeyPem), revealed(key.outs.privateKeyPem));
            assert.ok(!isSecret(cert.outs.certPem));
        });

        it("SelfSignedCert rejects unknown allowedUses (only upstream's snake_case names) and a CA without a subject", async () => {
            const base = { privateKeyPem: key.outs.privateKeyPem, validityPeriodHours: 1 };
            assert.deepStrictEqual(await failedProperties(tls, TYPES.cert, { ...base, allowedUses: ["certSigning"] }), ["allowedUses"]);
            assert.deepStrictEqual(await failedProperties(tls, TYPES.cert, { ...base, allowedUses: [], ipAddresses: ["10.0.0.300"] }), ["ipAddresses"]);
            assert.deepStrictEqual(await failedProperties(tls, TYPES.cert, { ...base, allowedUses: [], subject: { cn: "x" } }), ["subject.cn"]);
            assert.deepStrictEqual(await failedProperties(tls, TYPES.cert, { allowedUses: [], validityPeriodHours: 1, privateKeyPem: "not a key" }), ["privateKeyPem"]);
            const checked = await tls.check!(urn(TYPES.cert), {}, { ...base, allowedUses: ["cert_signing"], isCaCertificate: true });
            await assert.rejects(tls.create!(urn(TYPES.cert), checked.inputs), /at least one Distinguished Name/);
        });

        it("SelfSignedCert diff: unchanged is no change; validity, uses, subject or key replace; earlyRenewalHours updates in place", async () => {
            const args = { ...CERT_ARGS, privateKeyPem: key.outs.privateKeyPem };
            assert.deepStrictEqual(await diffAgainst(tls, TYPES.cert, cert.outs, args), { changes: false, replaces: [], deleteBeforeReplace: false });
            assert.deepStrictEqual((await diffAgainst(tls, TYPES.cert, cert.outs, { ...args, validityPeriodHours: 24 })).replaces, ["validityPeriodHours"]);
            assert.deepStrictEqual((await diffAgainst(tls, TYPES.cert, cert.outs, { ...args, allowedUses: ["cert_signing"] })).replaces, ["allowedUses"]);
            assert.deepStrictEqual((await diffAgainst(tls, TYPES.cert, cert.outs, { ...args, subject: { commonName: "other" } })).replaces, ["subject"]);
            assert.deepStrictEqual((await diffAgainst(tls, TYPES.cert, cert.outs, { ...args, privateKeyPem: unknownValue })).replaces, ["privateKeyPem"], "a key being replaced");
            assert.deepStrictEqual(await diffAgainst(tls, TYPES.cert, cert.outs, { ...args, earlyRenewalHours: 24 }), { changes: true, replaces: [], deleteBeforeReplace: false });
            const updated = await tls.update!(cert.id, urn(TYPES.cert), cert.outs, (await tls.check!(urn(TYPES.cert), cert.outs, { ...args, earlyRenewalHours: 24 })).inputs);
            assert.strictEqual(updated.outs.certPem, cert.outs.certPem, "update keeps the certificate");
            assert.strictEqual(updated.outs.earlyRenewalHours, 24);
            assert.ok(isSecret(updated.outs.privateKeyPem));
        });

        it("SelfSignedCert diff: a certificate within earlyRenewalHours of its end is replaced (readyForRenewal)", async () => {
            const args = { ...CERT_ARGS, privateKeyPem: key.outs.privateKeyPem, earlyRenewalHours: 10 * 365 * 24 };
            assert.deepStrictEqual((await diffAgainst(tls, TYPES.cert, cert.outs, args)).replaces, ["readyForRenewal"]);
        });

        it("a resource type the stand-in does not implement fails loudly, naming what it does implement", async () => {
            await assert.rejects(tls.check!(urn("tls:index/locallySignedCert:LocallySignedCert"), {}, {}), /not implemented by the stand-in tls provider.*PrivateKey/);
        });
    });

    describe("the plugin processes, spoken to over gRPC as the engine does", () => {
        interface Plugin {
            child: ChildProcess;
            client: provrpc.ResourceProviderClient;
            stderr: () => string;
        }
        const plugins: Record<string, Plugin> = {};

        /** Starts e2e/providers/launch NAME ENGINE as the engine starts a plugin (in the program's directory) and reads its port. */
        async function start(name: string): Promise<Plugin> {
            const child = spawn(path.join(PROVIDERS_DIR, "launch"), [name, "127.0.0.1:1"], { cwd: tempDir("standin-program"), stdio: ["ignore", "pipe", "pipe"] });
            let stderr = "";
            child.stderr!.on("data", (d) => (stderr += d));
            const port = await new Promise<number>((resolve, reject) => {
                let stdout = "";
                child.stdout!.on("data", (d) => {
                    stdout += d;
                    if (stdout.includes("\n")) resolve(Number(stdout.split("\n")[0]));
                });
                child.on("exit", (code) => reject(new Error(`${name} plugin exited ${code} before printing its port:\n${stderr}`)));
            });
            assert.ok(Number.isInteger(port) && port > 0, `printed port ${port}`);
            const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
            return { child, client, stderr: () => stderr };
        }

        type Callback<Res> = (err: import("@grpc/grpc-js").ServiceError | null, res: Res) => void;
        /** One unary call: rpc((callback) => client.method(request, callback)). */
        const rpc = <Res>(invoke: (callback: Callback<Res>) => unknown): Promise<Res> =>
            new Promise((resolve, reject) => invoke((err, res) => (err ? reject(err) : resolve(res))));
        const struct = (value: Props) => Struct.fromJavaScript(value);

        before(async () => {
            [plugins.random, plugins.tls] = await Promise.all([start("random"), start("tls")]);
        });
        after(() => {
            for (const p of Object.values(plugins)) {
                p.client.close();
                p.child.kill();
            }
        });

        async function check(p: Plugin, type: string, news: Props, olds: Props = {}) {
            const res = await rpc<provpb.CheckResponse>((cb) => p.client.check(new provpb.CheckRequest().setUrn(urn(type)).setOlds(struct(olds)).setNews(struct(news)), cb));
            return { inputs: res.getInputs()!.toJavaScript() as Props, failures: res.getFailuresList().map((f) => f.getProperty()) };
        }
        async function create(p: Plugin, type: string, inputs: Props) {
            const res = await rpc<provpb.CreateResponse>((cb) => p.client.create(new provpb.CreateRequest().setUrn(urn(type)).setProperties(struct(inputs)), cb));
            return { id: res.getId(), outs: res.getProperties()!.toJavaScript() as Props };
        }
        async function diff(p: Plugin, type: string, id: string, olds: Props, news: Props) {
            const res = await rpc<provpb.DiffResponse>((cb) => p.client.diff(new provpb.DiffRequest().setId(id).setUrn(urn(type)).setOlds(struct(olds)).setNews(struct(news)).setOldInputs(struct(news)), cb));
            return { changes: res.getChanges(), replaces: res.getReplacesList(), deleteBeforeReplace: res.getDeletebeforereplace() };
        }

        it("report the plugin versions the npm packages ask for (GetPluginInfo)", async () => {
            for (const name of ["random", "tls"]) {
                const info = await rpc<pluginpb.PluginInfo>((cb) => plugins[name].client.getPluginInfo(new Empty(), cb));
                assert.strictEqual(info.getVersion(), require(`@pulumi/${name}/package.json`).pulumi.version);
            }
            assert.strictEqual(pluginVersion("random"), "4.21.2");
            assert.strictEqual(pluginVersion("tls"), "5.2.0");
        });

        it("configure as the engine configures pulumi:providers:random/tls: Handshake, CheckConfig, DiffConfig Unimplemented (which the engine takes as accepted), Configure accepts secrets", async () => {
            for (const p of Object.values(plugins)) {
                await assert.rejects(rpc<provpb.ProviderHandshakeResponse>((cb) => p.client.handshake(new provpb.ProviderHandshakeRequest().setEngineAddress("127.0.0.1:1"), cb)), {
                    code: grpc.status.UNIMPLEMENTED,
                });
                const providerUrn = "urn:pulumi:e2e::data-platform::pulumi:providers:tls::default_5_2_0";
                await assert.rejects(rpc<provpb.CheckResponse>((cb) => p.client.checkConfig(new provpb.CheckRequest().setUrn(providerUrn).setOlds(struct({})).setNews(struct({ version: "5.2.0" })), cb)), {
                    code: grpc.status.UNIMPLEMENTED,
                });
                await assert.rejects(rpc<provpb.DiffResponse>((cb) => p.client.diffConfig(new provpb.DiffRequest().setUrn(providerUrn).setOlds(struct({})).setNews(struct({})), cb)), {
                    code: grpc.status.UNIMPLEMENTED,
                });
                const configured = await rpc<provpb.ConfigureResponse>((cb) => p.client.configure(new provpb.ConfigureRequest().setArgs(struct({ version: "5.2.0" })).setAcceptsecrets(true).setAcceptresources(true), cb));
                assert.strictEqual(configured.getAcceptsecrets(), true);
                assert.strictEqual(configured.getSupportspreview(), false, "so the engine does not call Create during previews");
            }
        });

        it("GetSchema names the package, its version and the resources served", async () => {
            const res = await rpc<provpb.GetSchemaResponse>((cb) => plugins.tls.client.getSchema(new provpb.GetSchemaRequest(), cb));
            const schema = JSON.parse(res.getSchema());
            assert.strictEqual(schema.name, "tls");
            assert.strictEqual(schema.version, "5.2.0");
            assert.deepStrictEqual(Object.keys(schema.resources).sort(), [TYPES.key, TYPES.cert]);
            assert.strictEqual(schema.resources[TYPES.key].properties.privateKeyPem.secret, true);
        });

        it("RandomPassword: Check, Create (result marked secret on the wire) and Diff", async () => {
            const { inputs, failures } = await check(plugins.random, TYPES.password, { length: 32, special: false });
            assert.deepStrictEqual(failures, []);
            assert.strictEqual(inputs.numeric, true);
            const { id, outs } = await create(plugins.random, TYPES.password, inputs);
            assert.strictEqual(id, "none");
            assert.match(revealed(outs.result), /^[A-Za-z0-9]{32}$/);
            assert.ok(isSecret(outs.bcryptHash));
            assert.strictEqual(outs.length, 32);
            const DiffChanges = provpb.DiffResponse.DiffChanges;
            assert.deepStrictEqual(await diff(plugins.random, TYPES.password, id, outs, inputs), { changes: DiffChanges.DIFF_NONE, replaces: [], deleteBeforeReplace: false });
            assert.deepStrictEqual(await diff(plugins.random, TYPES.password, id, outs, { ...inputs, length: 48 }), {
                changes: DiffChanges.DIFF_SOME,
                replaces: ["length"],
                deleteBeforeReplace: false,
            });
        });

        it("RandomId: Create gives the encodings and the b64Url id", async () => {
            const { inputs } = await check(plugins.random, TYPES.id, { byteLength: 16 });
            const { id, outs } = await create(plugins.random, TYPES.id, inputs);
            assert.strictEqual(id, outs.b64Url);
            assert.strictEqual(Buffer.from(outs.b64Std, "base64").toString("hex"), outs.hex);
        });

        it("PrivateKey and SelfSignedCert: the key's secret PEM goes into the certificate request and comes back secret", async () => {
            const keyInputs = (await check(plugins.tls, TYPES.key, { algorithm: "RSA", rsaBits: 2048 })).inputs;
            const key = await create(plugins.tls, TYPES.key, keyInputs);
            assert.match(revealed(key.outs.privateKeyPem), /^-----BEGIN RSA PRIVATE KEY-----/);
            const certInputs = (await check(plugins.tls, TYPES.cert, { privateKeyPem: key.outs.privateKeyPem, subject: { commonName: "sealed-secret" }, validityPeriodHours: 48, allowedUses: ["cert_signing"], isCaCertificate: true })).inputs;
            assert.ok(isSecret(certInputs.privateKeyPem));
            const cert = await create(plugins.tls, TYPES.cert, certInputs);
            const x509 = new crypto.X509Certificate(cert.outs.certPem);
            assert.ok(x509.verify(crypto.createPublicKey(revealed(key.outs.privateKeyPem))));
            assert.strictEqual(x509.subject, "CN=sealed-secret");
            assert.ok(isSecret(cert.outs.privateKeyPem));
            const DiffChanges = provpb.DiffResponse.DiffChanges;
            assert.strictEqual((await diff(plugins.tls, TYPES.cert, cert.id, cert.outs, certInputs)).changes, DiffChanges.DIFF_NONE);
            assert.deepStrictEqual((await diff(plugins.tls, TYPES.key, key.id, key.outs, { ...keyInputs, rsaBits: 4096 })).replaces, ["rsaBits"]);
        });

        it("Check reports failures over the wire, and an unimplemented type is an error", async () => {
            assert.deepStrictEqual((await check(plugins.tls, TYPES.key, { algorithm: "DSA" })).failures, ["algorithm"]);
            await assert.rejects(check(plugins.random, "random:index/randomPet:RandomPet", { length: 2 }), /not implemented by the stand-in random provider/);
            assert.ok(plugins.random.child.exitCode === null, "the plugin keeps serving");
        });
    });

    describe("e2e/providers/install", () => {
        const install = (home: string, ...args: string[]) => spawnSync(path.join(PROVIDERS_DIR, "install"), args, { env: { ...process.env, PULUMI_HOME: home }, encoding: "utf8" });

        it("installs both plugins where the CLI looks, at the versions the npm packages ask for, complete (no .partial)", () => {
            const home = tempDir("standin-home");
            const run = install(home);
            assert.strictEqual(run.status, 0, run.stderr);
            assert.deepStrictEqual(fs.readdirSync(path.join(home, "plugins")).sort(), [`resource-random-v${pluginVersion("random")}`, `resource-tls-v${pluginVersion("tls")}`]);
            for (const [name, dir] of [["random", `resource-random-v${pluginVersion("random")}`], ["tls", `resource-tls-v${pluginVersion("tls")}`]]) {
                const exe = path.join(home, "plugins", dir, `pulumi-resource-${name}`);
                assert.ok(fs.statSync(exe).mode & 0o100, `${exe} is executable`);
                assert.match(fs.readFileSync(exe, "utf8"), /test double/);
            }
        });

        it("the installed executable starts the plugin, which prints its port", async () => {
            const home = tempDir("standin-home");
            assert.strictEqual(install(home).status, 0);
            const exe = path.join(home, "plugins", `resource-tls-v${pluginVersion("tls")}`, "pulumi-resource-tls");
            const child = spawn(exe, ["127.0.0.1:1"], { cwd: tempDir("standin-program"), stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PATH: "/usr/bin:/bin" } });
            try {
                const line = await new Promise<string>((resolve, reject) => {
                    let out = "";
                    child.stdout!.on("data", (d) => {
                        out += d;
                        if (out.includes("\n")) resolve(out.split("\n")[0]);
                    });
                    child.on("exit", (code) => reject(new Error(`exited ${code}`)));
                });
                assert.match(line, /^\d+$/);
            } finally {
                child.kill();
            }
        });

        it("leaves a real plugin alone, and --remove takes only the stand-ins away", () => {
            const home = tempDir("standin-home");
            const realDir = path.join(home, "plugins", `resource-random-v${pluginVersion("random")}`);
            fs.mkdirSync(realDir, { recursive: true });
            fs.writeFileSync(path.join(realDir, "pulumi-resource-random"), "\x7fELF a real binary", { mode: 0o755 });
            const run = install(home);
            assert.strictEqual(run.status, 0, run.stderr);
            assert.match(run.stderr, /not a stand-in/);
            assert.strictEqual(fs.readFileSync(path.join(realDir, "pulumi-resource-random"), "utf8"), "\x7fELF a real binary");
            assert.strictEqual(install(home, "--remove").status, 0);
            assert.deepStrictEqual(fs.readdirSync(path.join(home, "plugins")), [`resource-random-v${pluginVersion("random")}`]);
        });
    });
});
