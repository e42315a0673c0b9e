// A small ASN.1 DER writer: just the universal types an X.509 v3 certificate needs (X.690 §8, §10,
// §11). node:crypto parses certificates but cannot make one, and a dependency for this would be
// larger than the writer.

/** Tag numbers (X.690 §8.1.2): universal, plus the class/constructed bits for context tags. */
const TAG = {
    BOOLEAN: 0x01,
    INTEGER: 0x02,
    BIT_STRING: 0x03,
    OCTET_STRING: 0x04,
    NULL: 0x05,
    OID: 0x06,
    UTF8_STRING: 0x0c,
    PRINTABLE_STRING: 0x13,
    IA5_STRING: 0x16,
    UTC_TIME: 0x17,
    GENERALIZED_TIME: 0x18,
    SEQUENCE: 0x30,
    SET: 0x31,
    CONTEXT: 0x80,
    CONSTRUCTED: 0x20,
} as const;

function lengthOctets(length: number): Buffer {
    if (length < 0x80) return Buffer.from([length]);
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
    return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One element: identifier octet, definite length, contents. */
export function tlv(tag: number, contents: Buffer): Buffer {
    return Buffer.concat([Buffer.from([tag]), lengthOctets(contents.length), contents]);
}

export const sequence = (...elements: Buffer[]): Buffer => tlv(TAG.SEQUENCE, Buffer.concat(elements));

/** SET OF: DER orders the encoded elements as octet strings (X.690 §11.6). */
export const setOf = (...elements: Buffer[]): Buffer => tlv(TAG.SET, Buffer.concat([...elements].sort(Buffer.compare)));

export const boolean = (value: boolean): Buffer => tlv(TAG.BOOLEAN, Buffer.from([value ? 0xff : 0x00]));

export const nullValue = (): Buffer => tlv(TAG.NULL, Buffer.alloc(0));

/** A non-negative INTEGER in the fewest octets, with a leading zero when the top bit is set. */
export function unsignedInteger(value: bigint | number): Buffer {
    let n = BigInt(value);
    if (n < 0n) throw new RangeError("unsignedInteger: negative value");
    const bytes: number[] = [];
    do {
        bytes.unshift(Number(n & 0xffn));
        n >>= 8n;
    } while (n > 0n);
    if (bytes[0] & 0x80) bytes.unshift(0);
    return tlv(TAG.INTEGER, Buffer.from(bytes));
}

/** OBJECT IDENTIFIER from dotted form: first two arcs in one subidentifier, base-128 big-endian (§8.19). */
export function oid(dotted: string): Buffer {
    const arcs = dotted.split(".").map((arc) => BigInt(arc));
    if (arcs.length < 2) throw new RangeError(`oid: ${dotted} has fewer than two arcs`);
    const subidentifiers = [arcs[0] * 40n + arcs[1], ...arcs.slice(2)];
    const bytes: number[] = [];
    for (const sub of subidentifiers) {
        const chunk: number[] = [Number(sub & 0x7fn)];
        for (let rest = sub >> 7n; rest > 0n; rest >>= 7n) chunk.unshift(Number(rest & 0x7fn) | 0x80);
        bytes.push(...chunk);
    }
    return tlv(TAG.OID, Buffer.from(bytes));
}

export const octetString = (contents: Buffer): Buffer => tlv(TAG.OCTET_STRING, contents);

/** BIT STRING whose last `unusedBits` bits (of the last octet) are padding. */
export const bitString = (contents: Buffer, unusedBits = 0): Buffer => tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([unusedBits]), contents]));

/** A named bit list (X.690 §11.2.2): bit 0 is the top bit of the first octet; trailing zero bits are dropped. */
export function namedBits(bits: readonly number[]): Buffer {
    if (bits.length === 0) return bitString(Buffer.alloc(0));
    const highest = Math.max(...bits);
    const octets = Buffer.alloc(Math.floor(highest / 8) + 1);
    for (const bit of bits) octets[Math.floor(bit / 8)] |= 0x80 >> bit % 8;
    return bitString(octets, 7 - (highest % 8));
}

/** PrintableString's repertoire (X.680 §41.4). */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

export const isPrintable = (text: string): boolean => PRINTABLE.test(text);
export const printableString = (text: string): Buffer => tlv(TAG.PRINTABLE_STRING, Buffer.from(text, "latin1"));
export const utf8String = (text: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(text, "utf8"));
export const ia5String = (text: string): Buffer => tlv(TAG.IA5_STRING, Buffer.from(text, "latin1"));

/** A directory string as Go's encoding/asn1 writes a plain string: PrintableString when it can, else UTF8String. */
export const directoryString = (text: string): Buffer => (isPrintable(text) ? printableString(text) : utf8String(text));

const two = (n: number) => String(n).padStart(2, "0");

/** X.509 Time (RFC 5280 §4.1.2.5): UTCTime through 2049, GeneralizedTime from 2050, whole seconds, Zulu. */
export function time(date: Date): Buffer {
    const year = date.getUTCFullYear();
    const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
    if (year >= 1950 && year < 2050) return tlv(TAG.UTC_TIME, Buffer.from(`${two(year % 100)}${rest}`, "latin1"));
    return tlv(TAG.GENERALIZED_TIME, Buffer.from(`${String(year).padStart(4, "0")}${rest}`, "latin1"));
}

/** [n] EXPLICIT: a constructed context tag around a whole element. */
export const explicit = (n: number, element: Buffer): Buffer => tlv(TAG.CONTEXT | TAG.CONSTRUCTED | n, element);

/** [n] IMPLICIT on a primitive type: the context tag replaces the element's own (contents given raw). */
export const implicitPrimitive = (n: number, contents: Buffer): Buffer => tlv(TAG.CONTEXT | n, contents);
