// Generates the cluster CA and a serving certificate signed by it (ECDSA P-256), with node:crypto
// alone: the certificates are DER written here field by field (RFC 5280), since importing an X.509
// library takes longer than the rest of a start.

import { createHash, generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { promisify } from 'node:util';
import type { ServingCertificates } from './tls.js';

const dayMs = 24 * 60 * 60 * 1000;
const newKeyPair = promisify(generateKeyPair);

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One DER element: tag, length, contents. */
function der(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...items: Buffer[]) => der(0x30, ...items);
const set = (...items: Buffer[]) => der(0x31, ...items);
const octetString = (bytes: Buffer) => der(0x04, bytes);
const bitString = (bytes: Buffer, unusedBits = 0) => der(0x03, Buffer.from([unusedBits]), bytes);
const trueValue = der(0x01, Buffer.from([0xff]));

/** A non-negative INTEGER in DER's shortest form (no leading zero byte unless the next has its top bit set). */
function positiveInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const minimal = bytes.subarray(start);
  return der(0x02, minimal[0] & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

function objectIdentifier(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) base128.unshift(0x80 | (value & 0x7f));
    bytes.push(...base128);
  }
  return der(0x06, Buffer.from(bytes));
}

/** UTCTime through 2049, GeneralizedTime after, as RFC 5280 asks. */
function time(at: Date): Buffer {
  const text = at.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
  return at.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(text.slice(2), 'latin1')) : der(0x18, Buffer.from(text, 'latin1'));
}

const commonName = (name: string) => sequence(set(sequence(objectIdentifier('2.5.4.3'), der(0x0c, Buffer.from(name, 'utf8')))));
const ecdsaWithSha256 = sequence(objectIdentifier('1.2.840.10045.4.3.2'));

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return sequence(objectIdentifier(oid), ...(critical ? [trueValue] : []), octetString(value));
}

const keyUsageBits = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 };

/** The KeyUsage BIT STRING: named bits from the most significant one, trailing zero bits left out. */
function keyUsage(usages: Array<keyof typeof keyUsageBits>): Buffer {
  let byte = 0;
  for (const usage of usages) byte |= 0x80 >> keyUsageBits[usage];
  let unused = 0;
  while (!(byte & (1 << unused))) unused++;
  return bitString(Buffer.from([byte]), unused);
}

/** The 16 bytes of an IPv6 address (a trailing dotted IPv4 part and one `::` allowed). */
function ipv6Bytes(address: string): Buffer {
  const groups = (part: string) => (part === '' ? [] : part.split(':')).flatMap((group) => {
    if (!group.includes('.')) return [parseInt(group, 16)];
    const [a, b, c, d] = group.split('.').map(Number);
    return [(a << 8) | b, (c << 8) | d];
  });
  const [head, tail] = address.split('::');
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const all = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  const bytes = Buffer.alloc(16);
  all.forEach((group, i) => bytes.writeUInt16BE(group, i * 2));
  return bytes;
}

/**
 * Whether a name is an IPv6 address, as the URL parser reads one: node:net's isIPv6 first compiles
 * a regular expression that costs a start several milliseconds.
 */
function isIPv6Address(name: string): boolean {
  const address = /^([0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)(%[0-9A-Za-z.:-]+)?$/.exec(name)?.[1];
  if (address === undefined) return false;
  try {
    new URL(`http://[${address}]/`);
    return true;
  } catch {
    return false;
  }
}

function subjectAltNames(names: string[]): Buffer {
  return sequence(...names.map((name) => {
    if (isIPv4(name)) return der(0x87, Buffer.from(name.split('.').map(Number)));
    if (isIPv6Address(name)) return der(0x87, ipv6Bytes(name));
    return der(0x82, Buffer.from(name, 'latin1'));
  }));
}

/** The SubjectPublicKeyInfo DER of a public key and its key identifier (SHA-1 of the key's bits, RFC 5280 4.2.1.2). */
function publicKeyInfo(key: KeyObject): { spki: Buffer; keyId: Buffer } {
  const spki = key.export({ type: 'spki', format: 'der' });
  // A P-256 SubjectPublicKeyInfo ends in the BIT STRING of the 65-byte uncompressed point.
  return { spki, keyId: createHash('sha1').update(spki.subarray(spki.length - 65)).digest() };
}

interface CertificateFields {
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  extensions: Buffer[];
  signingKey: KeyObject;
}

function certificatePem(fields: CertificateFields): string {
  const serial = randomBytes(16);
  const tbs = sequence(
    der(0xa0, positiveInteger(Buffer.from([2]))),
    positiveInteger(serial),
    ecdsaWithSha256,
    commonName(fields.issuer),
    sequence(time(fields.notBefore), time(fields.notAfter)),
    commonName(fields.subject),
    fields.spki,
    der(0xa3, sequence(...fields.extensions)),
  );
  const certificate = sequence(tbs, ecdsaWithSha256, bitString(sign('sha256', tbs, fields.signingKey)));
  const base64 = certificate.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
}

const privateKeyPem = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }) as string;

export async function generateCertificates(sans: string[], now: Date): Promise<ServingCertificates & { caKey: string }> {
  const notBefore = new Date(now.getTime() - 60_000);
  const [caKeys, servingKeys] = await Promise.all([newKeyPair('ec', { namedCurve: 'P-256' }), newKeyPair('ec', { namedCurve: 'P-256' })]);
  const ca = publicKeyInfo(caKeys.publicKey);
  const caCert = certificatePem({
    subject: 'kubemock-ca',
    issuer: 'kubemock-ca',
    notBefore,
    notAfter: new Date(now.getTime() + 3650 * dayMs),
    spki: ca.spki,
    signingKey: caKeys.privateKey,
    extensions: [
      extension('2.5.29.19', true, sequence(trueValue)),
      extension('2.5.29.15', true, keyUsage(['digitalSignature', 'keyCertSign', 'cRLSign'])),
      extension('2.5.29.14', false, octetString(ca.keyId)),
    ],
  });
  const serving = publicKeyInfo(servingKeys.publicKey);
  const cert = certificatePem({
    subject: 'kube-apiserver',
    issuer: 'kubemock-ca',
    notBefore,
    notAfter: new Date(now.getTime() + 365 * dayMs),
    spki: serving.spki,
    signingKey: caKeys.privateKey,
    extensions: [
      extension('2.5.29.19', true, sequence()),
      extension('2.5.29.15', true, keyUsage(['digitalSignature', 'keyEncipherment'])),
      extension('2.5.29.37', false, sequence(objectIdentifier('1.3.6.1.5.5.7.3.1'))),
      extension('2.5.29.17', false, subjectAltNames([...new Set(sans)])),
      extension('2.5.29.35', false, sequence(der(0x80, ca.keyId))),
    ],
  });
  return { caCert, caKey: privateKeyPem(caKeys.privateKey), cert, key: privateKeyPem(servingKeys.privateKey) };
}
