// X.509 v3 certificates (RFC 5280) laid out as Go's crypto/x509.CreateCertificate lays them out for
// upstream tls's SelfSignedCert: subject attributes in pkix.Name order, extensions in Go's order
// (keyUsage critical, extKeyUsage, basicConstraints critical, subjectKeyIdentifier,
// authorityKeyIdentifier, subjectAltName critical when the subject is empty), signed with SHA-256
// for RSA, the curve's hash for ECDSA, pure Ed25519.
import * as crypto from "crypto";
import * as der from "./der";
import { algorithmOf, publicKeyDer, signatureHash } from "./keys";

/** allowedUses values (upstream's snake_case names) → keyUsage bit (RFC 5280 §4.2.1.3). */
export const KEY_USAGES: Readonly<Record<string, number>> = {
    digital_signature: 0,
    content_commitment: 1,
    key_encipherment: 2,
    data_encipherment: 3,
    key_agreement: 4,
    cert_signing: 5,
    crl_signing: 6,
    encipher_only: 7,
    decipher_only: 8,
};

/** allowedUses values → extKeyUsage OID (RFC 5280 §4.2.1.12, and the vendor ones Go knows). */
export const EXT_KEY_USAGES: Readonly<Record<string, string>> = {
    any_extended: "2.5.29.37.0",
    server_auth: "1.3.6.1.5.5.7.3.1",
    client_auth: "1.3.6.1.5.5.7.3.2",
    code_signing: "1.3.6.1.5.5.7.3.3",
    email_protection: "1.3.6.1.5.5.7.3.4",
    ipsec_end_system: "1.3.6.1.5.5.7.3.5",
    ipsec_tunnel: "1.3.6.1.5.5.7.3.6",
    ipsec_user: "1.3.6.1.5.5.7.3.7",
    timestamping: "1.3.6.1.5.5.7.3.8",
    ocsp_signing: "1.3.6.1.5.5.7.3.9",
    microsoft_server_gated_crypto: "1.3.6.1.4.1.311.10.3.3",
    netscape_server_gated_crypto: "2.16.840.1.113730.4.1",
    microsoft_commercial_code_signing: "1.3.6.1.4.1.311.2.1.22",
    microsoft_kernel_code_signing: "1.3.6.1.4.1.311.61.1.1",
};

export const ALLOWED_USES: readonly string[] = [...Object.keys(KEY_USAGES), ...Object.keys(EXT_KEY_USAGES)].sort();

/** The subject fields of SelfSignedCert, by their Pulumi names. */
export interface Subject {
    readonly commonName?: string;
    readonly country?: string;
    readonly emailAddress?: string;
    readonly locality?: string;
    readonly organization?: string;
    readonly organizationalUnit?: string;
    readonly postalCode?: string;
    readonly province?: string;
    readonly serialNumber?: string;
    readonly streetAddresses?: readonly string[];
}

const OID = {
    country: "2.5.4.6",
    province: "2.5.4.8",
    locality: "2.5.4.7",
    streetAddress: "2.5.4.9",
    postalCode: "2.5.4.17",
    organization: "2.5.4.10",
    organizationalUnit: "2.5.4.11",
    commonName: "2.5.4.3",
    serialNumber: "2.5.4.5",
    emailAddress: "1.2.840.113549.1.9.1",
    keyUsage: "2.5.29.15",
    extKeyUsage: "2.5.29.37",
    basicConstraints: "2.5.29.19",
    subjectKeyId: "2.5.29.14",
    authorityKeyId: "2.5.29.35",
    subjectAltName: "2.5.29.17",
    sha256WithRSA: "1.2.840.113549.1.1.11",
    ecdsaWithSHA256: "1.2.840.10045.4.3.2",
    ecdsaWithSHA384: "1.2.840.10045.4.3.3",
    ecdsaWithSHA512: "1.2.840.10045.4.3.4",
    ed25519: "1.3.101.112",
} as const;

const attribute = (type: string, value: Buffer) => der.sequence(der.oid(type), value);

/** The Name as pkix.Name.ToRDNSequence orders it; several street addresses share one RDN. */
export function encodeName(subject: Subject): Buffer {
    const rdns: Buffer[] = [];
    const add = (type: string, values: readonly string[] | undefined) => {
        if (values && values.length > 0) rdns.push(der.setOf(...values.map((v) => attribute(type, der.directoryString(v)))));
    };
    const one = (value: string | undefined) => (value === undefined || value === "" ? undefined : [value]);
    add(OID.country, one(subject.country));
    add(OID.province, one(subject.province));
    add(OID.locality, one(subject.locality));
    add(OID.streetAddress, subject.streetAddresses);
    add(OID.postalCode, one(subject.postalCode));
    add(OID.organization, one(subject.organization));
    add(OID.organizationalUnit, one(subject.organizationalUnit));
    add(OID.commonName, one(subject.commonName));
    add(OID.serialNumber, one(subject.serialNumber));
    if (subject.emailAddress) rdns.push(der.setOf(attribute(OID.emailAddress, der.ia5String(subject.emailAddress))));
    return der.sequence(...rdns);
}

export interface CertificateTemplate {
    readonly serialNumber: bigint;
    readonly notBefore: Date;
    readonly notAfter: Date;
    readonly subject: Subject;
    /** keyUsage bits (KEY_USAGES values). */
    readonly keyUsage: readonly number[];
    /** extKeyUsage OIDs, in the order asked. */
    readonly extKeyUsage: readonly string[];
    readonly isCa: boolean;
    readonly subjectKeyId?: Buffer;
    readonly authorityKeyId?: Buffer;
    readonly dnsNames: readonly string[];
    /** 4 or 16 octets each. */
    readonly ipAddresses: readonly Buffer[];
    readonly uris: readonly string[];
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
    return der.sequence(der.oid(id), ...(critical ? [der.boolean(true)] : []), der.octetString(value));
}

function extensions(t: CertificateTemplate, subjectIsEmpty: boolean): Buffer[] {
    const result: Buffer[] = [];
    if (t.keyUsage.length > 0) result.push(extension(OID.keyUsage, true, der.namedBits(t.keyUsage)));
    if (t.extKeyUsage.length > 0) result.push(extension(OID.extKeyUsage, false, der.sequence(...t.extKeyUsage.map(der.oid))));
    // basicConstraints is always there (BasicConstraintsValid); cA only when true (DEFAULT FALSE), no pathLen.
    result.push(extension(OID.basicConstraints, true, der.sequence(...(t.isCa ? [der.boolean(true)] : []))));
    if (t.subjectKeyId) result.push(extension(OID.subjectKeyId, false, der.octetString(t.subjectKeyId)));
    if (t.authorityKeyId) result.push(extension(OID.authorityKeyId, false, der.sequence(der.implicitPrimitive(0, t.authorityKeyId))));
    if (t.dnsNames.length + t.ipAddresses.length + t.uris.length > 0) {
        const names = [
            ...t.dnsNames.map((name) => der.implicitPrimitive(2, Buffer.from(name, "latin1"))),
            ...t.ipAddresses.map((ip) => der.implicitPrimitive(7, ip)),
            ...t.uris.map((uri) => der.implicitPrimitive(6, Buffer.from(uri, "latin1"))),
        ];
        result.push(extension(OID.subjectAltName, subjectIsEmpty, der.sequence(...names)));
    }
    return result;
}

function signatureAlgorithm(key: crypto.KeyObject): Buffer {
    switch (algorithmOf(key)) {
        case "RSA":
            return der.sequence(der.oid(OID.sha256WithRSA), der.nullValue());
        case "ECDSA": {
            const hash = signatureHash(key);
            return der.sequence(der.oid(hash === "sha512" ? OID.ecdsaWithSHA512 : hash === "sha384" ? OID.ecdsaWithSHA384 : OID.ecdsaWithSHA256));
        }
        case "ED25519":
            return der.sequence(der.oid(OID.ed25519));
    }
}

/** A self-signed certificate (issuer = subject) for the key, in DER. */
export function selfSignedCertificate(template: CertificateTemplate, key: crypto.KeyObject): Buffer {
    const name = encodeName(template.subject);
    const subjectIsEmpty = name.length === 2;
    const algorithm = signatureAlgorithm(key);
    const tbs = der.sequence(
        der.explicit(0, der.unsignedInteger(2)), // v3
        der.unsignedInteger(template.serialNumber),
        algorithm,
        name, // issuer
        der.sequence(der.time(template.notBefore), der.time(template.notAfter)),
        name, // subject
        publicKeyDer(key),
        der.explicit(3, der.sequence(...extensions(template, subjectIsEmpty))),
    );
    const signature = crypto.sign(signatureHash(key), tbs, algorithmOf(key) === "ECDSA" ? { key, dsaEncoding: "der" } : key);
    return der.sequence(tbs, algorithm, der.bitString(signature));
}

/** An IPv4 or IPv6 address as the 4 or 16 octets of an iPAddress GeneralName, or undefined when it is not one. */
export function ipAddressOctets(text: string): Buffer | undefined {
    const v4 = (s: string): number[] | undefined => {
        const parts = s.split(".");
        if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
        return parts.map(Number);
    };
    const four = v4(text);
    if (four) return Buffer.from(four);
    if (!text.includes(":")) return undefined;
    let groups: string[];
    const halves = text.split("::");
    if (halves.length > 2) return undefined;
    const parse = (s: string) => (s === "" ? [] : s.split(":"));
    let head = parse(halves[0]);
    let tail = halves.length === 2 ? parse(halves[1]) : [];
    const last = (halves.length === 2 ? tail : head).at(-1);
    const embedded = last?.includes(".") ? v4(last) : undefined;
    if (last?.includes(".")) {
        if (!embedded) return undefined;
        const words = [((embedded[0] << 8) | embedded[1]).toString(16), ((embedded[2] << 8) | embedded[3]).toString(16)];
        if (halves.length === 2) tail = [...tail.slice(0, -1), ...words];
        else head = [...head.slice(0, -1), ...words];
    }
    if (halves.length === 2) {
        const missing = 8 - head.length - tail.length;
        if (missing < 1) return undefined;
        groups = [...head, ...Array(missing).fill("0"), ...tail];
    } else {
        groups = head;
    }
    if (groups.length !== 8 || !groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    const bytes = Buffer.alloc(16);
    groups.forEach((g, i) => bytes.writeUInt16BE(parseInt(g, 16), 2 * i));
    // Go writes an IPv4-mapped IPv6 address (::ffff:a.b.c.d) in 4 octets (net.IP.To4).
    if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.subarray(12);
    return bytes;
}
