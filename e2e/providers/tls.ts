// The tls resources the program uses, as pulumi-tls (terraform-provider-tls's plugin framework
// resources) defines them: PrivateKey and SelfSignedCert.
import * as crypto from "crypto";
import type { CheckFailure } from "@pulumi/pulumi/provider";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import * as keys from "./keys";
import { ResourceDefinition, Props } from "./resource";
import { ALLOWED_USES, EXT_KEY_USAGES, KEY_USAGES, Subject, ipAddressOctets, selfSignedCertificate } from "./x509";

const known = (value: unknown): boolean => value !== undefined && value !== null && value !== unknownValue;

/** RSA keys are generated asynchronously: a 4096-bit one takes a while, and the gRPC server keeps answering meanwhile. */
function newKey(algorithm: keys.Algorithm, rsaBits: number, curve: keys.EcdsaCurve): Promise<crypto.KeyObject> {
    if (algorithm !== "RSA") return Promise.resolve(keys.generatePrivateKey(algorithm, rsaBits, curve));
    return new Promise((resolve, reject) =>
        crypto.generateKeyPair("rsa", { modulusLength: rsaBits, publicExponent: 65537 }, (err, _publicKey, privateKey) => (err ? reject(err) : resolve(privateKey))),
    );
}

export const privateKey: ResourceDefinition = {
    token: "tls:index/privateKey:PrivateKey",
    inputs: {
        algorithm: { type: "string", required: true },
        rsaBits: { type: "integer", default: 2048 },
        ecdsaCurve: { type: "string", default: "P224" },
    },
    outputs: {
        privateKeyPem: "string",
        privateKeyPemPkcs8: "string",
        privateKeyOpenssh: "string",
        publicKeyPem: "string",
        publicKeyOpenssh: "string",
        publicKeyFingerprintMd5: "string",
        publicKeyFingerprintSha256: "string",
    },
    secretOutputs: ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"],

    validate(inputs) {
        const failures: CheckFailure[] = [];
        if (known(inputs.algorithm) && !keys.ALGORITHMS.includes(inputs.algorithm as keys.Algorithm)) {
            failures.push({ property: "algorithm", reason: `algorithm must be one of ${keys.ALGORITHMS.join(", ")}, got ${JSON.stringify(inputs.algorithm)}` });
        }
        if (known(inputs.ecdsaCurve) && !keys.ECDSA_CURVES.includes(inputs.ecdsaCurve as keys.EcdsaCurve)) {
            failures.push({ property: "ecdsaCurve", reason: `ecdsaCurve must be one of ${keys.ECDSA_CURVES.join(", ")}, got ${JSON.stringify(inputs.ecdsaCurve)}` });
        }
        return failures;
    },

    async create(inputs) {
        const key = await newKey(inputs.algorithm as keys.Algorithm, inputs.rsaBits as number, inputs.ecdsaCurve as keys.EcdsaCurve);
        const ssh = keys.openSshPublic(key);
        return {
            id: keys.keyId(key),
            outs: {
                privateKeyPem: keys.privateKeyPem(key),
                privateKeyPemPkcs8: keys.privateKeyPemPkcs8(key),
                privateKeyOpenssh: keys.openSshPrivateKey(key),
                publicKeyPem: keys.publicKeyPem(key),
                publicKeyOpenssh: ssh.authorizedKey,
                publicKeyFingerprintMd5: ssh.fingerprintMd5,
                publicKeyFingerprintSha256: ssh.fingerprintSha256,
            },
        };
    },
};

const SUBJECT_FIELDS = ["commonName", "country", "emailAddress", "locality", "organization", "organizationalUnit", "postalCode", "province", "serialNumber", "streetAddresses"];

/** Go's time.Time.MarshalText (RFC 3339 with the fraction's trailing zeros dropped), in UTC. */
export function rfc3339(date: Date): string {
    return date.toISOString().replace(/\.?0*Z$/, "Z");
}

const HOUR = 3600_000;

/** Upstream's ready_for_renewal: expired, or within earlyRenewalHours of the end. */
function readyForRenewal(validityEndTime: unknown, earlyRenewalHours: unknown, now = Date.now()): boolean {
    if (typeof validityEndTime !== "string") return false;
    const end = Date.parse(validityEndTime);
    return Number.isFinite(end) && end - ((earlyRenewalHours as number) ?? 0) * HOUR <= now;
}

/** upstream's requireReplaceIfStateContainsPEMString. */
const PEM_STRING = /^-----BEGIN [A-Za-z ]+-----\n(.|\s)+\n-----END [A-Za-z ]+-----\n?$/;

export const selfSignedCert: ResourceDefinition = {
    token: "tls:index/selfSignedCert:SelfSignedCert",
    inputs: {
        privateKeyPem: { type: "string", required: true, replaces: (before) => typeof before !== "string" || PEM_STRING.test(before) },
        validityPeriodHours: { type: "integer", required: true },
        allowedUses: { type: "array", required: true },
        subject: { type: "object" },
        dnsNames: { type: "array" },
        ipAddresses: { type: "array" },
        uris: { type: "array" },
        // The one input upstream updates in place.
        earlyRenewalHours: { type: "integer", default: 0, replaces: false },
        isCaCertificate: { type: "boolean", default: false },
        setSubjectKeyId: { type: "boolean", default: false },
        setAuthorityKeyId: { type: "boolean", default: false },
    },
    outputs: { certPem: "string", keyAlgorithm: "string", validityStartTime: "string", validityEndTime: "string", readyForRenewal: "boolean" },
    // privateKeyPem is an input echoed as an output; upstream marks it Sensitive.
    secretOutputs: ["privateKeyPem"],

    validate(inputs) {
        const failures: CheckFailure[] = [];
        for (const field of ["validityPeriodHours", "earlyRenewalHours"]) {
            if (known(inputs[field]) && (inputs[field] as number) < 0) failures.push({ property: field, reason: `${field} must be at least 0` });
        }
        if (Array.isArray(inputs.allowedUses)) {
            for (const use of inputs.allowedUses) {
                if (known(use) && !ALLOWED_USES.includes(use as string)) {
                    failures.push({ property: "allowedUses", reason: `${JSON.stringify(use)} is not an accepted value: ${ALLOWED_USES.join(", ")}` });
                }
            }
        }
        if (Array.isArray(inputs.ipAddresses)) {
            for (const ip of inputs.ipAddresses) {
                if (known(ip) && !ipAddressOctets(String(ip))) failures.push({ property: "ipAddresses", reason: `Invalid IP address: failed to parse ${JSON.stringify(ip)}` });
            }
        }
        if (Array.isArray(inputs.uris)) {
            for (const uri of inputs.uris) if (uri === "") failures.push({ property: "uris", reason: "a URI must not be empty" });
        }
        if (known(inputs.subject) && typeof inputs.subject === "object") {
            for (const field of Object.keys(inputs.subject as object)) {
                if (!SUBJECT_FIELDS.includes(field)) failures.push({ property: `subject.${field}`, reason: `${field} is not a subject field (${SUBJECT_FIELDS.join(", ")})` });
            }
        }
        if (known(inputs.privateKeyPem) && typeof inputs.privateKeyPem === "string") {
            try {
                keys.parsePrivateKeyPem(inputs.privateKeyPem);
            } catch (err) {
                failures.push({ property: "privateKeyPem", reason: `Failed to parse private key PEM: ${(err as Error).message}` });
            }
        }
        return failures;
    },

    async create(inputs) {
        const { key, algorithm } = keys.parsePrivateKeyPem(inputs.privateKeyPem as string);
        const subject = ((inputs.subject as Subject | undefined) ?? {}) as Subject;
        const uses = (inputs.allowedUses as string[]) ?? [];
        const isCa = inputs.isCaCertificate === true;
        const hasSubject = Object.values(subject).some((v) => (Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null && v !== ""));
        if (isCa && !hasSubject) throw new Error("Invalid Certificate Subject: Must contain at least one Distinguished Name when creating Certificate Authority (CA)");
        const subjectKeyId = isCa || inputs.setSubjectKeyId === true ? keys.subjectKeyId(key) : undefined;
        if (inputs.setAuthorityKeyId === true && !subjectKeyId) throw new Error("Invalid Certificate Authority: Could not determine Authority Key Identifier");
        const notBefore = new Date();
        const notAfter = new Date(notBefore.getTime() + (inputs.validityPeriodHours as number) * HOUR);
        // A random positive serial below 2^128, as upstream.
        const serialNumber = BigInt(`0x${crypto.randomBytes(16).toString("hex")}`) || 1n;
        const der = selfSignedCertificate(
            {
                serialNumber,
                notBefore,
                notAfter,
                subject,
                keyUsage: uses.filter((u) => u in KEY_USAGES).map((u) => KEY_USAGES[u]),
                extKeyUsage: uses.filter((u) => u in EXT_KEY_USAGES).map((u) => EXT_KEY_USAGES[u]),
                isCa,
                subjectKeyId,
                authorityKeyId: inputs.setAuthorityKeyId === true ? subjectKeyId : undefined,
                dnsNames: (inputs.dnsNames as string[] | undefined) ?? [],
                ipAddresses: ((inputs.ipAddresses as string[] | undefined) ?? []).map((ip) => ipAddressOctets(ip)!),
                uris: (inputs.uris as string[] | undefined) ?? [],
            },
            key,
        );
        return {
            id: serialNumber.toString(10),
            outs: {
                certPem: keys.pem("CERTIFICATE", der),
                keyAlgorithm: algorithm,
                validityStartTime: rfc3339(notBefore),
                validityEndTime: rfc3339(notAfter),
                readyForRenewal: false,
            },
        };
    },

    replaceTriggers(olds: Props, news: Props) {
        return readyForRenewal(olds.validityEndTime, news.earlyRenewalHours) ? ["readyForRenewal"] : [];
    },

    refresh(state: Props) {
        return { ...state, readyForRenewal: readyForRenewal(state.validityEndTime, state.earlyRenewalHours) };
    },
};
