// bcrypt ($2a$, as golang.org/x/crypto/bcrypt writes it, which upstream random uses for
// RandomPassword.bcryptHash): node:crypto has no Blowfish, so the EksBlowfish setup is written out
// here. Blowfish's initial P-array and S-boxes are the hexadecimal digits of pi's fractional part;
// rather than embedding 4 KiB of constants they are computed once (Machin's formula on BigInt).
import * as crypto from "crypto";

const P_WORDS = 18;
const S_WORDS = 4 * 256;

let piWords: Uint32Array | undefined;

/** The first `count` 32-bit words of pi's fractional part: 0x243f6a88, 0x85a308d3, ... */
export function piFractionWords(count = P_WORDS + S_WORDS): Uint32Array {
    if (piWords && piWords.length >= count) return piWords.subarray(0, count);
    const guard = 64n;
    const bits = BigInt(count) * 32n + guard;
    const one = 1n << bits;
    const arctanInverse = (x: bigint): bigint => {
        let sum = 0n;
        let power = one / x;
        const x2 = x * x;
        for (let n = 1n, sign = 1n; power !== 0n; n += 2n, sign = -sign) {
            sum += (sign * power) / n;
            power /= x2;
        }
        return sum;
    };
    const pi = 16n * arctanInverse(5n) - 4n * arctanInverse(239n);
    const fraction = (pi - 3n * one) >> guard;
    const words = new Uint32Array(count);
    for (let i = 0; i < count; i++) words[i] = Number((fraction >> (BigInt(count - 1 - i) * 32n)) & 0xffffffffn);
    piWords = words;
    return words;
}

class Blowfish {
    readonly p: Uint32Array;
    readonly s: Uint32Array; // four S-boxes of 256 words, one after another

    constructor() {
        const digits = piFractionWords();
        this.p = Uint32Array.from(digits.subarray(0, P_WORDS));
        this.s = Uint32Array.from(digits.subarray(P_WORDS, P_WORDS + S_WORDS));
    }

    private f(x: number): number {
        const s = this.s;
        return ((((s[x >>> 24] + s[256 + ((x >>> 16) & 0xff)]) >>> 0) ^ s[512 + ((x >>> 8) & 0xff)]) + s[768 + (x & 0xff)]) >>> 0;
    }

    /** Encrypts one block in place in `lr` (left, right). */
    encrypt(lr: Uint32Array): void {
        let l = lr[0];
        let r = lr[1];
        const p = this.p;
        l ^= p[0];
        for (let i = 1; i <= 16; i += 2) {
            r ^= this.f(l) ^ p[i];
            l ^= this.f(r) ^ p[i + 1];
        }
        r ^= p[17];
        lr[0] = r >>> 0;
        lr[1] = l >>> 0;
    }

    /** Blowfish key schedule with bcrypt's salt (ExpandKey in the bcrypt paper; salt all zero when absent). */
    expand(key: Buffer, salt?: Buffer): void {
        const keyCursor = { at: 0 };
        for (let i = 0; i < P_WORDS; i++) this.p[i] ^= nextWord(key, keyCursor);
        const saltCursor = { at: 0 };
        const block = new Uint32Array(2);
        const fill = (table: Uint32Array, length: number) => {
            for (let i = 0; i < length; i += 2) {
                if (salt) {
                    block[0] ^= nextWord(salt, saltCursor);
                    block[1] ^= nextWord(salt, saltCursor);
                }
                this.encrypt(block);
                table[i] = block[0];
                table[i + 1] = block[1];
            }
        };
        fill(this.p, P_WORDS);
        fill(this.s, S_WORDS);
    }
}

/** The next big-endian word of `data`, cycling over it. */
function nextWord(data: Buffer, cursor: { at: number }): number {
    let word = 0;
    for (let i = 0; i < 4; i++) {
        word = ((word << 8) | data[cursor.at]) >>> 0;
        cursor.at = (cursor.at + 1) % data.length;
    }
    return word;
}

const ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const STANDARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** bcrypt's base64: its own alphabet, no padding. */
const encode64 = (bytes: Buffer): string =>
    bytes
        .toString("base64")
        .replace(/=+$/, "")
        .replace(/[A-Za-z0-9+/]/g, (c) => ALPHABET[STANDARD.indexOf(c)]);
const decode64 = (text: string): Buffer => Buffer.from(text.replace(/[./A-Za-z0-9]/g, (c) => STANDARD[ALPHABET.indexOf(c)]), "base64");

const MAGIC = Buffer.from("OrpheanBeholderScryDoubt", "latin1");

function rawHash(password: Buffer, cost: number, salt: Buffer): string {
    const key = Buffer.concat([password, Buffer.from([0])]); // $2a$: the key includes the terminating NUL
    const cipher = new Blowfish();
    cipher.expand(key, salt);
    for (let round = 0; round < 2 ** cost; round++) {
        cipher.expand(key);
        cipher.expand(salt);
    }
    const text = new Uint32Array(6);
    for (let i = 0; i < 6; i++) text[i] = MAGIC.readUInt32BE(4 * i);
    const block = new Uint32Array(2);
    for (let i = 0; i < 6; i += 2) {
        block[0] = text[i];
        block[1] = text[i + 1];
        for (let n = 0; n < 64; n++) cipher.encrypt(block);
        text[i] = block[0];
        text[i + 1] = block[1];
    }
    const out = Buffer.alloc(24);
    text.forEach((word, i) => out.writeUInt32BE(word, 4 * i));
    return encode64(out.subarray(0, 23)); // 23 of the 24 bytes, as every bcrypt does
}

/** Go's bcrypt.GenerateFromPassword: "$2a$" cost "$" 22 characters of salt, 31 of hash. Upstream hashes the first 72 bytes. */
export function bcryptHash(password: string, cost = 10, salt: Buffer = crypto.randomBytes(16)): string {
    if (cost < 4 || cost > 31) throw new RangeError(`bcrypt cost ${cost} outside 4..31`);
    const bytes = Buffer.from(password, "utf8").subarray(0, 72);
    return `$2a$${String(cost).padStart(2, "0")}$${encode64(salt)}${rawHash(bytes, cost, salt)}`;
}

/** Go's bcrypt.CompareHashAndPassword, true when `hash` is bcrypt of (the first 72 bytes of) `password`. */
export function bcryptVerify(password: string, hash: string): boolean {
    const match = /^\$2[abxy]?\$(\d\d)\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/.exec(hash);
    if (!match) return false;
    const salt = decode64(match[2]);
    const expected = rawHash(Buffer.from(password, "utf8").subarray(0, 72), Number(match[1]), salt);
    return crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(match[3]));
}
