// Sealing values for the Bitnami sealed-secrets controller, in its published format:
//   uint16 (big endian) length of the RSA part || RSA-OAEP(SHA-256, label) of a 32-byte session key
//   || AES-256-GCM(session key, 12-byte zero nonce) of the value, with its tag; base64.
// The label binds the value to its scope: "<namespace>/<name>" (strict), "<namespace>"
// (namespace-wide) or "" (cluster-wide).
//
// Sealing is normally randomised, so every `pulumi up` would show a diff. Here the session key and
// the OAEP seed are derived from the value, its label and a secret that only the program holds
// (HMAC-SHA256), which is what kubeseal does with its random source replaced by a keyed one: the
// same value in the same scope under the same key always seals to the same text, and any change to
// one of them gives a new text. A reader of the sealed text learns nothing but whether two sealed
// values in one scope are equal.
import { createCipheriv, createDecipheriv, createHash, createHmac, createPublicKey, constants, privateDecrypt, publicEncrypt } from "crypto";

export type SealingScope = "strict" | "namespace-wide" | "cluster-wide";

const ANNOTATION_PREFIX = "sealedsecrets.bitnami.com/";
const SESSION_KEY_BYTES = 32;
const HASH_BYTES = 32; // SHA-256

/** The RSA-OAEP label of a scope, as the controller computes it from the SealedSecret's metadata. */
export function encryptionLabel(namespace: string, name: string, scope: SealingScope): Buffer {
    switch (scope) {
        case "cluster-wide":
            return Buffer.alloc(0);
        case "namespace-wide":
            return Buffer.from(namespace);
        default:
            return Buffer.from(`${namespace}/${name}`);
    }
}

/** Annotations that tell the controller which scope a SealedSecret was sealed for. */
export function scopeAnnotations(scope: SealingScope): Record<string, string> {
    if (scope === "cluster-wide") return { [`${ANNOTATION_PREFIX}cluster-wide`]: "true" };
    if (scope === "namespace-wide") return { [`${ANNOTATION_PREFIX}namespace-wide`]: "true" };
    return {};
}

function sha256(...parts: Buffer[]): Buffer {
    const hash = createHash("sha256");
    for (const p of parts) hash.update(p);
    return hash.digest();
}

/** MGF1 with SHA-256 (RFC 8017, B.2.1). */
function mgf1(seed: Buffer, length: number): Buffer {
    const blocks: Buffer[] = [];
    for (let counter = 0; blocks.length * HASH_BYTES < length; counter++) {
        const c = Buffer.alloc(4);
        c.writeUInt32BE(counter);
        blocks.push(sha256(seed, c));
    }
    return Buffer.concat(blocks).subarray(0, length);
}

function xor(a: Buffer, b: Buffer): Buffer {
    return Buffer.from(a.map((byte, i) => byte ^ b[i]));
}

/** EME-OAEP encoding with SHA-256 and MGF1-SHA-256 for a `k`-byte modulus (RFC 8017, 7.1.1). */
export function oaepEncode(message: Buffer, label: Buffer, seed: Buffer, k: number): Buffer {
    if (seed.length !== HASH_BYTES) throw new Error("OAEP seed must be 32 bytes");
    if (message.length > k - 2 * HASH_BYTES - 2) throw new Error("message too long for RSA-OAEP");
    const db = Buffer.concat([sha256(label), Buffer.alloc(k - message.length - 2 * HASH_BYTES - 2), Buffer.from([1]), message]);
    const maskedDb = xor(db, mgf1(seed, k - HASH_BYTES - 1));
    const maskedSeed = xor(seed, mgf1(maskedDb, HASH_BYTES));
    return Buffer.concat([Buffer.from([0]), maskedSeed, maskedDb]);
}

/** Keyed derivation of the per-value randomness. */
function derive(secret: Buffer, purpose: string, label: Buffer, value: Buffer): Buffer {
    return createHmac("sha256", secret)
        .update(purpose)
        .update("\0")
        .update(label.length.toString())
        .update("\0")
        .update(label)
        .update("\0")
        .update(value)
        .digest();
}

/**
 * Seals one value for the controller holding the private key of `certificatePem` (a certificate
 * or public key in PEM). `secret` keys the derivation of the session key and OAEP seed.
 */
export function sealValue(certificatePem: string, value: string, label: Buffer, secret: Buffer | string): string {
    const publicKey = createPublicKey(certificatePem);
    const modulusBits = publicKey.asymmetricKeyDetails?.modulusLength;
    if (publicKey.asymmetricKeyType !== "rsa" || !modulusBits) throw new Error("the sealing key must be an RSA key");
    const key = Buffer.isBuffer(secret) ? secret : Buffer.from(secret);
    const plaintext = Buffer.from(value, "utf8");

    const sessionKey = derive(key, "session-key", label, plaintext).subarray(0, SESSION_KEY_BYTES);
    const seed = derive(key, "oaep-seed", label, plaintext);
    const encoded = oaepEncode(sessionKey, label, seed, modulusBits / 8);
    const rsaPart = publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, encoded);

    // Each session key seals exactly one value, so the zero nonce is never reused with a key.
    const cipher = createCipheriv("aes-256-gcm", sessionKey, Buffer.alloc(12));
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(rsaPart.length);
    return Buffer.concat([length, rsaPart, sealed]).toString("base64");
}

/** Opens a sealed value with the private key, as the controller does; throws for a wrong scope or key. */
export function unsealValue(privateKeyPem: string, sealedBase64: string, label: Buffer): string {
    const data = Buffer.from(sealedBase64, "base64");
    if (data.length < 2) throw new Error("sealed value is too short");
    const rsaLength = data.readUInt16BE(0);
    if (data.length < 2 + rsaLength + 16) throw new Error("sealed value is too short");
    const sessionKey = privateDecrypt({ key: privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: label }, data.subarray(2, 2 + rsaLength));
    const body = data.subarray(2 + rsaLength);
    const decipher = createDecipheriv("aes-256-gcm", sessionKey, Buffer.alloc(12));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString("utf8");
}
