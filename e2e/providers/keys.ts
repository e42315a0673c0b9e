// Private keys as tls:index/privateKey:PrivateKey makes them, with node:crypto: generation, the PEM
// forms upstream writes (PKCS#1 for RSA, SEC1 for ECDSA, PKCS#8 for ED25519, PKCS#8 for all in
// privateKeyPemPkcs8), the public key in PKIX PEM and OpenSSH "authorized keys" form, the OpenSSH
// fingerprints, the openssh-key-v1 private key, and the hashes upstream derives from a key.
import * as crypto from "crypto";

export type Algorithm = "RSA" | "ECDSA" | "ED25519";
export type EcdsaCurve = "P224" | "P256" | "P384" | "P521";

export const ALGORITHMS: readonly Algorithm[] = ["RSA", "ECDSA", "ED25519"];
export const ECDSA_CURVES: readonly EcdsaCurve[] = ["P224", "P256", "P384", "P521"];

/** OpenSSL's names for the curves, and OpenSSH's (P224 has none: upstream leaves the OpenSSH forms empty). */
const CURVES: Record<EcdsaCurve, { openssl: string; openssh?: string; hash: string; fieldBytes: number }> = {
    P224: { openssl: "secp224r1", hash: "sha256", fieldBytes: 28 },
    P256: { openssl: "prime256v1", openssh: "nistp256", hash: "sha256", fieldBytes: 32 },
    P384: { openssl: "secp384r1", openssh: "nistp384", hash: "sha384", fieldBytes: 48 },
    P521: { openssl: "secp521r1", openssh: "nistp521", hash: "sha512", fieldBytes: 66 },
};

export function generatePrivateKey(algorithm: Algorithm, rsaBits: number, curve: EcdsaCurve): crypto.KeyObject {
    switch (algorithm) {
        case "RSA":
            return crypto.generateKeyPairSync("rsa", { modulusLength: rsaBits, publicExponent: 65537 }).privateKey;
        case "ECDSA":
            return crypto.generateKeyPairSync("ec", { namedCurve: CURVES[curve].openssl }).privateKey;
        case "ED25519":
            return crypto.generateKeyPairSync("ed25519").privateKey;
    }
}

/** Reads a private key PEM as upstream does: "RSA PRIVATE KEY", "EC PRIVATE KEY" or "PRIVATE KEY". */
export function parsePrivateKeyPem(pem: string): { key: crypto.KeyObject; algorithm: Algorithm } {
    const type = /-----BEGIN ([A-Z ]+)-----/.exec(pem)?.[1];
    if (type !== "RSA PRIVATE KEY" && type !== "EC PRIVATE KEY" && type !== "PRIVATE KEY") {
        throw new Error(`failed to decode PEM block: unsupported PEM preamble/type: ${type ?? "none"}`);
    }
    const key = crypto.createPrivateKey({ key: pem, format: "pem" });
    return { key, algorithm: algorithmOf(key) };
}

export function algorithmOf(key: crypto.KeyObject): Algorithm {
    switch (key.asymmetricKeyType) {
        case "rsa":
            return "RSA";
        case "ec":
            return "ECDSA";
        case "ed25519":
            return "ED25519";
        default:
            throw new Error(`unsupported private key type: ${key.asymmetricKeyType}`);
    }
}

/** The curve of an ECDSA key (by OpenSSL's name: node has no JWK form for P224). */
export function curveOf(key: crypto.KeyObject): EcdsaCurve {
    const named = key.asymmetricKeyDetails?.namedCurve;
    const curve = ECDSA_CURVES.find((c) => CURVES[c].openssl === named);
    if (!curve) throw new Error(`unsupported ECDSA curve ${named}`);
    return curve;
}

/** The digest a certificate signed by this key uses, as Go's x509.CreateCertificate picks it (null: none, ED25519). */
export function signatureHash(key: crypto.KeyObject): string | null {
    switch (algorithmOf(key)) {
        case "RSA":
            return "sha256";
        case "ECDSA":
            return CURVES[curveOf(key)].hash;
        case "ED25519":
            return null;
    }
}

/** The private key PEM upstream writes in privateKeyPem. */
export function privateKeyPem(key: crypto.KeyObject): string {
    switch (algorithmOf(key)) {
        case "RSA":
            return key.export({ type: "pkcs1", format: "pem" }) as string;
        case "ECDSA":
            return key.export({ type: "sec1", format: "pem" }) as string;
        case "ED25519":
            return key.export({ type: "pkcs8", format: "pem" }) as string;
    }
}

export const privateKeyPemPkcs8 = (key: crypto.KeyObject): string => key.export({ type: "pkcs8", format: "pem" }) as string;

export const publicKeyDer = (key: crypto.KeyObject): Buffer => crypto.createPublicKey(key).export({ type: "spki", format: "der" });

export const publicKeyPem = (key: crypto.KeyObject): string => crypto.createPublicKey(key).export({ type: "spki", format: "pem" }) as string;

/** Go's encoding/pem: 64 base64 characters a line, and a newline after the END line. */
export function pem(type: string, der: Buffer): string {
    const body = der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
    return `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----\n`;
}

/**
 * Upstream's resource id: hex SHA-1 of the PKIX public key bytes, after Go's strings.TrimSpace
 * (which on binary data trims the ASCII white-space bytes at either end).
 */
export function keyId(key: crypto.KeyObject): string {
    const der = publicKeyDer(key);
    let start = 0;
    let end = der.length;
    const space = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);
    while (start < end && space(der[start])) start++;
    while (end > start && space(der[end - 1])) end--;
    return crypto.createHash("sha1").update(der.subarray(start, end)).digest("hex");
}

/**
 * The subject key identifier upstream puts in a certificate: SHA-1 of the PKCS#1 RSAPublicKey,
 * of the uncompressed EC point, or of the DER OCTET STRING holding the ED25519 key.
 */
export function subjectKeyId(key: crypto.KeyObject): Buffer {
    const pub = crypto.createPublicKey(key);
    let bytes: Buffer;
    switch (algorithmOf(key)) {
        case "RSA":
            bytes = pub.export({ type: "pkcs1", format: "der" });
            break;
        case "ECDSA":
            bytes = ecPoint(key);
            break;
        case "ED25519": {
            const raw = jwkBytes(key, "x");
            bytes = Buffer.concat([Buffer.from([0x04, raw.length]), raw]);
            break;
        }
    }
    return crypto.createHash("sha1").update(bytes).digest();
}

function jwkBytes(key: crypto.KeyObject, field: keyof crypto.JsonWebKey): Buffer {
    const value = (key.export({ format: "jwk" }) as crypto.JsonWebKey)[field];
    if (typeof value !== "string") throw new Error(`key has no JWK field ${String(field)}`);
    return Buffer.from(value, "base64url");
}

/** The uncompressed point 04 || X || Y of an EC key: the end of its SubjectPublicKeyInfo's BIT STRING. */
function ecPoint(key: crypto.KeyObject): Buffer {
    const spki = publicKeyDer(key);
    const point = spki.subarray(spki.length - (1 + 2 * CURVES[curveOf(key)].fieldBytes));
    if (point[0] !== 0x04) throw new Error("EC public key is not in uncompressed form");
    return point;
}

// ---- OpenSSH wire encodings (RFC 4251 §5, RFC 5656, RFC 8709, PROTOCOL.key) ------------------------

const uint32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0);
    return b;
};
const sshString = (data: Buffer | string): Buffer => {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    return Buffer.concat([uint32(bytes.length), bytes]);
};
/** mpint: two's complement, big-endian, positive values with a leading zero when the top bit is set. */
const mpint = (magnitude: Buffer): Buffer => {
    let i = 0;
    while (i < magnitude.length && magnitude[i] === 0) i++;
    let bytes = magnitude.subarray(i);
    if (bytes.length > 0 && bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return sshString(bytes);
};

/** The OpenSSH key type name, or undefined where OpenSSH has none (ECDSA P224). */
function sshKeyType(key: crypto.KeyObject): string | undefined {
    switch (algorithmOf(key)) {
        case "RSA":
            return "ssh-rsa";
        case "ECDSA": {
            const name = CURVES[curveOf(key)].openssh;
            return name && `ecdsa-sha2-${name}`;
        }
        case "ED25519":
            return "ssh-ed25519";
    }
}

/** The public key blob OpenSSH writes and fingerprints. */
function sshPublicBlob(key: crypto.KeyObject): Buffer | undefined {
    const type = sshKeyType(key);
    if (!type) return undefined;
    switch (algorithmOf(key)) {
        case "RSA":
            return Buffer.concat([sshString(type), mpint(jwkBytes(key, "e")), mpint(jwkBytes(key, "n"))]);
        case "ECDSA":
            return Buffer.concat([sshString(type), sshString(CURVES[curveOf(key)].openssh!), sshString(ecPoint(key))]);
        case "ED25519":
            return Buffer.concat([sshString(type), sshString(jwkBytes(key, "x"))]);
    }
}

export interface OpenSshPublic {
    /** "type base64\n", as golang.org/x/crypto/ssh MarshalAuthorizedKey writes it. */
    readonly authorizedKey: string;
    /** "aa:bb:...", MD5 of the blob. */
    readonly fingerprintMd5: string;
    /** "SHA256:" and unpadded base64 of the SHA-256 of the blob. */
    readonly fingerprintSha256: string;
}

/** The OpenSSH forms of the public key; all empty where OpenSSH cannot express the key, as upstream. */
export function openSshPublic(key: crypto.KeyObject): OpenSshPublic {
    const blob = sshPublicBlob(key);
    if (!blob) return { authorizedKey: "", fingerprintMd5: "", fingerprintSha256: "" };
    return {
        authorizedKey: `${sshKeyType(key)} ${blob.toString("base64")}\n`,
        fingerprintMd5: crypto.createHash("md5").update(blob).digest("hex").replace(/(..)(?!$)/g, "$1:"),
        fingerprintSha256: `SHA256:${crypto.createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`,
    };
}

/**
 * The unencrypted openssh-key-v1 private key ("OPENSSH PRIVATE KEY", PEM with 64-character lines as
 * ssh.MarshalPrivateKey + pem.EncodeToMemory write it), or "" where OpenSSH has no such key type.
 */
export function openSshPrivateKey(key: crypto.KeyObject, comment = ""): string {
    const type = sshKeyType(key);
    const publicBlob = sshPublicBlob(key);
    if (!type || !publicBlob) return "";
    let fields: Buffer;
    switch (algorithmOf(key)) {
        case "RSA":
            fields = Buffer.concat(["n", "e", "d", "qi", "p", "q"].map((f) => mpint(jwkBytes(key, f as keyof crypto.JsonWebKey))));
            break;
        case "ECDSA":
            fields = Buffer.concat([sshString(CURVES[curveOf(key)].openssh!), sshString(ecPoint(key)), mpint(jwkBytes(key, "d"))]);
            break;
        case "ED25519": {
            const pub = jwkBytes(key, "x");
            fields = Buffer.concat([sshString(pub), sshString(Buffer.concat([jwkBytes(key, "d"), pub]))]);
            break;
        }
    }
    const check = crypto.randomBytes(4).readUInt32BE();
    let block = Buffer.concat([uint32(check), uint32(check), sshString(type), fields, sshString(comment)]);
    const padding: number[] = [];
    for (let i = 1; (block.length + padding.length) % 8 !== 0; i++) padding.push(i);
    block = Buffer.concat([block, Buffer.from(padding)]);
    const body = Buffer.concat([Buffer.from("openssh-key-v1\0", "latin1"), sshString("none"), sshString("none"), sshString(""), uint32(1), sshString(publicBlob), sshString(block)]);
    return pem("OPENSSH PRIVATE KEY", body);
}
