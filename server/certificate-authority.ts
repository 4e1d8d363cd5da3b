// Certificates issued from PKCS#10 requests with the cluster CA, as kube-controller-manager's
// signer (pkg/controller/certificates/authority) issues them through Go's x509.CreateCertificate:
// the request's subject re-encoded in Go's attribute order, its DNS, email, IP and URI names, the
// usages asked for, no other extension, a random 128-bit serial, NotBefore backdated and NotAfter
// from the TTL, cut at the CA's own expiry. Built and signed synchronously (node:crypto), so a
// controller issues a certificate within one reconcile. The ASN.1 libraries load on first use
// (server/libraries.ts).

import { createPrivateKey, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { asn1Libraries as asn1 } from './libraries.js';
import { decodePem, parseCertificateRequest } from './x509.js';

type X509Schema = typeof import('@peculiar/asn1-x509');
type CsrSchema = typeof import('@peculiar/asn1-csr');

const oids = {
  country: '2.5.4.6',
  province: '2.5.4.8',
  locality: '2.5.4.7',
  street: '2.5.4.9',
  postalCode: '2.5.4.17',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  commonName: '2.5.4.3',
  serialNumber: '2.5.4.5',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
};

/** pkix.Name.ToRDNSequence: the attributes Go keeps, in the order it writes them. */
const subjectOrder = [oids.country, oids.province, oids.locality, oids.street, oids.postalCode, oids.organization, oids.organizationalUnit, oids.commonName, oids.serialNumber];
/** Go keeps only the last CommonName and SerialNumber; the others are lists. */
const singleValued = new Set([oids.commonName, oids.serialNumber]);

/** The certificates API's key usages, as x509.KeyUsage bits. */
const keyUsageBits: Record<string, number> = {
  signing: 1 << 0,
  'digital signature': 1 << 0,
  'content commitment': 1 << 1,
  'key encipherment': 1 << 2,
  'data encipherment': 1 << 3,
  'key agreement': 1 << 4,
  'cert sign': 1 << 5,
  'crl sign': 1 << 6,
  'encipher only': 1 << 7,
  'decipher only': 1 << 8,
};

/** Extended key usages in the order of Go's x509.ExtKeyUsage values, by which the signer sorts them. */
const extKeyUsages: [usages: string[], oid: string][] = [
  [['any'], '2.5.29.37.0'],
  [['server auth'], '1.3.6.1.5.5.7.3.1'],
  [['client auth'], '1.3.6.1.5.5.7.3.2'],
  [['code signing'], '1.3.6.1.5.5.7.3.3'],
  [['email protection', 's/mime'], '1.3.6.1.5.5.7.3.4'],
  [['ipsec end system'], '1.3.6.1.5.5.7.3.5'],
  [['ipsec tunnel'], '1.3.6.1.5.5.7.3.6'],
  [['ipsec user'], '1.3.6.1.5.5.7.3.7'],
  [['timestamping'], '1.3.6.1.5.5.7.3.8'],
  [['ocsp signing'], '1.3.6.1.5.5.7.3.9'],
  [['microsoft sgc'], '1.3.6.1.4.1.311.10.3.3'],
  [['netscape sgc'], '2.16.840.1.113730.4.1'],
];

/** A request as Go's x509.ParseCertificateRequest reads it: the parts a signer looks at. */
export interface ParsedRequest {
  organizations: string[];
  commonName: string;
  dnsNames: string[];
  emailAddresses: string[];
  ipAddresses: Buffer[];
  uris: string[];
}

export interface SigningPolicy {
  /** How long the certificate is good for. */
  ttlMs: number;
  /** The certificates API usages (`client auth`, `digital signature`, ...). */
  usages: string[];
  /** How far NotBefore is set back, for clocks a little behind. */
  backdateMs: number;
  /** A TTL under this counts as short: NotAfter is not set back with NotBefore. */
  shortMs: number;
  now: Date;
}

interface Request {
  info: InstanceType<CsrSchema['CertificationRequestInfo']>;
  names: InstanceType<X509Schema['GeneralName']>[];
  parsed: ParsedRequest;
}

const printable = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

function readRequest(pem: Buffer): Request {
  const { schema, x509, csr } = asn1();
  const decoded = decodePem(pem);
  if (!decoded || decoded.block.type !== 'CERTIFICATE REQUEST') throw new Error('PEM block type must be CERTIFICATE REQUEST');
  let request: InstanceType<CsrSchema['CertificationRequest']>;
  try {
    request = schema.AsnConvert.parse(decoded.block.bytes, csr.CertificationRequest);
  } catch {
    throw new Error('x509: malformed certificate request');
  }
  const info = request.certificationRequestInfo;
  const values = (oid: string) => info.subject.flatMap((rdn) => rdn.filter((atv) => atv.type === oid).map((atv) => atv.value.toString()));
  const names: InstanceType<X509Schema['GeneralName']>[] = [];
  for (const attribute of info.attributes) {
    if (attribute.type !== oids.extensionRequest) continue;
    for (const value of attribute.values) {
      for (const extension of schema.AsnConvert.parse(value, x509.Extensions)) {
        if (extension.extnID === oids.subjectAltName) names.push(...schema.AsnConvert.parse(extension.extnValue, x509.SubjectAlternativeName));
      }
    }
  }
  const parsed: ParsedRequest = {
    organizations: values(oids.organization),
    commonName: values(oids.commonName).at(-1) ?? '',
    dnsNames: names.flatMap((n) => (n.dNSName !== undefined ? [n.dNSName] : [])),
    emailAddresses: names.flatMap((n) => (n.rfc822Name !== undefined ? [n.rfc822Name] : [])),
    ipAddresses: names.flatMap((n) => (n.iPAddress !== undefined ? [Buffer.from(n.iPAddress as unknown as ArrayBuffer)] : [])),
    uris: names.flatMap((n) => (n.uniformResourceIdentifier !== undefined ? [n.uniformResourceIdentifier] : [])),
  };
  return { info, names, parsed };
}

/** The subject, DNS, email, IP and URI names of a PEM certificate request (the caller has validated it). */
export function readCertificateRequest(pem: Buffer): ParsedRequest {
  return readRequest(pem).parsed;
}

/** A non-negative INTEGER's minimal DER content. */
function positiveInteger(bytes: Buffer): ArrayBuffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  const out = trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : Buffer.from(trimmed);
  return out.buffer.slice(out.byteOffset, out.byteOffset + out.length) as ArrayBuffer;
}

function arrayBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
}

export class CertificateAuthority {
  private readonly certificate: X509Certificate;
  private readonly key: KeyObject;
  private readonly notAfter: Date;

  constructor(certificatePem: string, keyPem: string) {
    this.certificate = new X509Certificate(certificatePem);
    this.key = createPrivateKey(keyPem);
    this.notAfter = new Date(this.certificate.validTo);
  }

  /** Signs the request as the policy says; throws the signer's message when it cannot. */
  sign(requestPem: Buffer, policy: SigningPolicy): string {
    const { schema, x509 } = asn1();
    const problem = parseCertificateRequest(requestPem).signatureProblem();
    if (problem) throw new Error(`unable to verify certificate request signature: ${problem}`);
    const request = readRequest(requestPem);

    const unrecognized = policy.usages.filter((u) => keyUsageBits[u] === undefined && !extKeyUsages.some(([names]) => names.includes(u)));
    if (unrecognized.length) throw new Error(`unrecognized usage values: [${unrecognized.map((u) => JSON.stringify(u)).join(' ')}]`);
    const now = Math.floor(policy.now.getTime() / 1000) * 1000;
    const notBefore = new Date(now - policy.backdateMs);
    let notAfter = new Date(policy.ttlMs < policy.shortMs ? now + policy.ttlMs : now + policy.ttlMs - policy.backdateMs);
    if (notAfter >= this.notAfter) notAfter = this.notAfter;
    if (notBefore >= this.notAfter) throw new Error(`the signer has expired: NotAfter=${this.notAfter.toISOString()}`);
    if (now >= this.notAfter.getTime()) throw new Error(`refusing to sign a certificate that expired in the past: NotAfter=${this.notAfter.toISOString()}`);

    const subject = new x509.Name(
      subjectOrder.flatMap((oid) => {
        const all = request.info.subject.flatMap((rdn) => rdn.filter((atv) => atv.type === oid).map((atv) => atv.value.toString()));
        const kept = singleValued.has(oid) ? all.slice(-1).filter(Boolean) : all;
        if (!kept.length) return [];
        // One set per attribute type, as pkix.Name writes several organizations, in DER's SET OF order.
        const atvs = kept
          .map((value) => new x509.AttributeTypeAndValue({ type: oid, value: new x509.AttributeValue(printable.test(value) ? { printableString: value } : { utf8String: value }) }))
          .map((atv) => ({ atv, der: Buffer.from(schema.AsnConvert.serialize(atv)) }))
          .sort((a, b) => Buffer.compare(a.der, b.der))
          .map(({ atv }) => atv);
        return [new x509.RelativeDistinguishedName(atvs)];
      }),
    );

    const ca = schema.AsnConvert.parse(this.certificate.raw, x509.Certificate);
    const extensions: InstanceType<X509Schema['Extension']>[] = [];
    const extension = (extnID: string, critical: boolean, value: unknown) => extensions.push(new x509.Extension({ extnID, critical, extnValue: new schema.OctetString(schema.AsnConvert.serialize(value)) }));
    const bits = policy.usages.reduce((sum, u) => sum | (keyUsageBits[u] ?? 0), 0);
    if (bits) extension(oids.keyUsage, true, new x509.KeyUsage(bits));
    const ekus = extKeyUsages.filter(([names]) => names.some((n) => policy.usages.includes(n))).map(([, oid]) => oid);
    if (ekus.length) extension(oids.extKeyUsage, false, new x509.ExtendedKeyUsage(ekus));
    extension(oids.basicConstraints, true, new x509.BasicConstraints({ cA: false }));
    const caKeyId = ca.tbsCertificate.extensions?.find((e) => e.extnID === oids.subjectKeyIdentifier);
    if (caKeyId) {
      const keyIdentifier = schema.AsnConvert.parse(caKeyId.extnValue, x509.SubjectKeyIdentifier);
      extension(oids.authorityKeyIdentifier, false, new x509.AuthorityKeyIdentifier({ keyIdentifier }));
    }
    // marshalSANs writes the names grouped by kind: DNS, email, IP, URI.
    const byKind = (pick: (n: InstanceType<X509Schema['GeneralName']>) => unknown) => request.names.filter((n) => pick(n) !== undefined);
    const names = [...byKind((n) => n.dNSName), ...byKind((n) => n.rfc822Name), ...byKind((n) => n.iPAddress), ...byKind((n) => n.uniformResourceIdentifier)];
    if (names.length) extension(oids.subjectAltName, subject.length === 0, new x509.SubjectAlternativeName(names));

    const signatureAlgorithm = this.signatureAlgorithm();
    const tbs = new x509.TBSCertificate({
      version: x509.Version.v3,
      serialNumber: positiveInteger(randomBytes(16)),
      signature: signatureAlgorithm.identifier,
      issuer: ca.tbsCertificate.subject,
      validity: new x509.Validity({ notBefore, notAfter }),
      subject,
      subjectPublicKeyInfo: request.info.subjectPKInfo,
      extensions: new x509.Extensions(extensions),
    });
    const tbsDer = Buffer.from(schema.AsnConvert.serialize(tbs));
    const signature = sign(signatureAlgorithm.hash, tbsDer, { key: this.key, dsaEncoding: 'der' });
    const certificate = new x509.Certificate({ tbsCertificate: tbs, signatureAlgorithm: signatureAlgorithm.identifier, signatureValue: arrayBuffer(signature) });
    const der = Buffer.from(schema.AsnConvert.serialize(certificate));
    const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
    return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
  }

  /** The algorithm Go signs with for the CA's key: SHA-256 for RSA and P-256, SHA-384 and SHA-512 for the larger curves. */
  private signatureAlgorithm(): { identifier: InstanceType<X509Schema['AlgorithmIdentifier']>; hash: string | null } {
    const { x509, schema } = asn1();
    const type = this.key.asymmetricKeyType;
    if (type === 'rsa') return { identifier: new x509.AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.11', parameters: schema.AsnConvert.serialize(schema.AsnNullConverter.toASN(null)) }), hash: 'sha256' };
    if (type === 'ed25519') return { identifier: new x509.AlgorithmIdentifier({ algorithm: '1.3.101.112' }), hash: null };
    if (type === 'ec') {
      const curve = this.key.asymmetricKeyDetails?.namedCurve;
      const [oid, hash] = curve === 'secp384r1' ? ['1.2.840.10045.4.3.3', 'sha384'] : curve === 'secp521r1' ? ['1.2.840.10045.4.3.4', 'sha512'] : ['1.2.840.10045.4.3.2', 'sha256'];
      return { identifier: new x509.AlgorithmIdentifier({ algorithm: oid }), hash };
    }
    throw new Error(`x509: unsupported CA key type ${type}`);
  }
}
