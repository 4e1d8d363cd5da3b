// The CEL environment of x-kubernetes-validations: @marcbachmann/cel-js (CEL with macros, optional
// types and most of the strings extension) plus what Kubernetes 1.32 adds: the rest of the strings
// extension (version 2: format in format.ts, quote), sets, and Kubernetes' own lists, regex, url,
// quantity (server/quantity.ts), ip/cidr and format libraries. Two environments exist, differing in how oldSelf is declared
// (a plain value, or an optional one for rules with optionalOldSelf). Admission policies compile on
// the same libraries (server/admission/policy-expressions.ts).

import { isIP } from 'node:net';
import type { Environment } from '@marcbachmann/cel-js';
import { celLibrary } from '../../libraries.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from '../../registry/validation.js';
import { formatCheckers } from '../schema/formats.js';
import { goRegExp, GoRegExpError } from '../schema/regex.js';
import { Quantity, QuantityError } from '../../quantity.js';
import { isJsonObject } from '../../json.js';
import { FormatError, formatString } from './format.js';

/** A URL as Go's url.ParseRequestURI reads it: absolute, or an absolute path with no scheme or host. */
class CelUrl {
  constructor(readonly url: URL, readonly raw: string, readonly pathOnly: boolean) {}
}

class CelIp {
  constructor(readonly address: string, readonly family: 4 | 6) {}
}

class CelCidr {
  constructor(readonly ip: CelIp, readonly prefix: number) {}
}

class NamedFormat {
  constructor(readonly check: (value: string) => string[]) {}
}

class FormatLibrary {}

/** The receivers of namespaced functions: strings.quote, sets.contains, ip.isCanonical. */
class StringsLibrary {}
class SetsLibrary {}
class IpLibrary {}

function evaluationError(message: string): Error {
  return new Error(message);
}

/** A URL as url.ParseRequestURI takes it: absolute, or an absolute path (no scheme, no host). */
function parseUrl(s: string): CelUrl | undefined {
  if (s.startsWith('/')) return URL.canParse(s, 'http://path.only') ? new CelUrl(new URL(s, 'http://path.only'), s, true) : undefined;
  return formatCheckers.uri(s) && URL.canParse(s) ? new CelUrl(new URL(s), s, false) : undefined;
}

/** Go's strconv.Quote, as strings.quote writes a string. */
function goQuote(s: string): string {
  const escapes: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\', '"': '\\"' };
  return `"${[...s].map((c) => escapes[c] ?? c).join('')}"`;
}

/** Whether a value is its type's zero value, for optional.ofNonZeroValue. */
function isZeroValue(value: unknown): boolean {
  if (value === null || value === false || value === '' || value === 0 || value === 0n) return true;
  if (Array.isArray(value) || value instanceof Uint8Array) return value.length === 0;
  if (typeof value === 'object' && value.constructor === Object) return Object.keys(value).length === 0;
  return String(value) === '0' && (value as object).constructor?.name === 'UnsignedInt';
}

/** CEL equality of two list elements, as sets compare them (numbers across int, uint and double). */
function celEqual(a: unknown, b: unknown): boolean {
  const numeric = (v: unknown) => typeof v === 'bigint' || typeof v === 'number' || (v as object)?.constructor?.name === 'UnsignedInt';
  if (numeric(a) && numeric(b)) return Number(String(a)) === Number(String(b));
  if (a instanceof Quantity && b instanceof Quantity) return compareQuantities(a, b) === 0;
  if (a instanceof CelIp && b instanceof CelIp) return sameIp(a, b);
  if (a instanceof CelCidr && b instanceof CelCidr) return a.prefix === b.prefix && sameIp(a.ip, b.ip);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => celEqual(x, b[i]));
  if (isJsonObject(a) && isJsonObject(b)) return Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => Object.hasOwn(b, k) && celEqual(a[k], b[k]));
  return a === b || (a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]));
}

/** Kubernetes' regex library (find, findAll) words a pattern Go refuses as an illegal regex. */
function illegalRegex<T>(find: () => T): T {
  try {
    return find();
  } catch (err) {
    if (err instanceof GoRegExpError) throw evaluationError(`Illegal regex: ${err.message}`);
    throw err;
  }
}

function parseQuantity(text: string): Quantity {
  try {
    return Quantity.parse(text);
  } catch (err) {
    if (err instanceof QuantityError) throw evaluationError(err.message);
    throw err;
  }
}

const nano = 1_000_000_000n;
const int64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const quantityOf = (nanos: bigint) => Quantity.fromNanos(nanos);
const compareQuantities = (a: Quantity, b: Quantity) => (a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0);
const isWhole = (q: Quantity) => q.nanos % nano === 0n && q.nanos / nano >= int64.min && q.nanos / nano <= int64.max;

/** IPv4 and IPv6 addresses as 16 bytes, for masks and containment. */
function ipBytes(ip: CelIp): number[] {
  if (ip.family === 4) return [...Array(10).fill(0), 0xff, 0xff, ...ip.address.split('.').map(Number)];
  const [head, tail = ''] = ip.address.includes('::') ? ip.address.split('::') : [ip.address, undefined as unknown as string];
  const parse = (part: string) => (part ? part.split(':') : []).flatMap((group) => {
    if (group.includes('.')) return group.split('.').map(Number).reduce<number[]>((acc, n, i, all) => (i % 2 ? acc : [...acc, (n << 8) | all[i + 1]]), []);
    return [parseInt(group, 16)];
  });
  const left = parse(head);
  const right = ip.address.includes('::') ? parse(tail) : [];
  const groups = [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

function parseIp(text: string): CelIp {
  const failed = (why: string) => evaluationError(`IP Address "${text}" parse error during conversion from string: ParseAddr("${text}"): ${why}`);
  if (/^\d+(\.\d+){3}$/.test(text) && text.split('.').some((octet) => octet.length > 1 && octet.startsWith('0'))) throw failed('IPv4 field has octet with leading zero');
  const family = isIP(text);
  if (family === 0 || text.includes('%')) throw failed('unable to parse IP');
  const ip = new CelIp(text, family as 4 | 6);
  if (family === 6 && ipBytes(ip).every((b, i) => (i < 10 ? b === 0 : i < 12 ? b === 0xff : true))) throw evaluationError(`IPv4-mapped IPv6 address "${text}" is not allowed`);
  return ip;
}

/** An address as Go's netip writes it: IPv6 in lower case, its longest run of zero groups as "::". */
function canonicalIp(ip: CelIp): string {
  if (ip.family === 4) return ip.address;
  const bytes = ipBytes(ip);
  return compressIpv6(Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16)));
}

const sameBytes = (a: number[], b: number[]) => a.every((x, i) => x === b[i]);
const sameIp = (a: CelIp, b: CelIp) => a.family === b.family && sameBytes(ipBytes(a), ipBytes(b));

function parseCidr(text: string): CelCidr {
  const [address, prefix, extra] = text.split('/');
  // kube-apiserver repeats the first words of this message.
  const failed = (why: string) => evaluationError(`network address parse error during conversion from string: network address parse error during conversion from string: netip.ParsePrefix("${text}"): ${why}`);
  if (extra !== undefined || prefix === undefined || !/^\d+$/.test(prefix)) throw failed("no '/'");
  const ip = parseIp(address);
  const bits = Number(prefix);
  if (bits > (ip.family === 4 ? 32 : 128)) throw failed('prefix length out of range');
  return new CelCidr(ip, bits);
}

function contains(cidr: CelCidr, ip: CelIp): boolean {
  if (cidr.ip.family !== ip.family) return false;
  const offset = cidr.ip.family === 4 ? 96 : 0;
  const a = ipBytes(cidr.ip);
  const b = ipBytes(ip);
  for (let bit = 0; bit < cidr.prefix; bit++) {
    const i = (offset + bit) >> 3;
    const mask = 0x80 >> ((offset + bit) & 7);
    if ((a[i] & mask) !== (b[i] & mask)) return false;
  }
  return true;
}

function maskedCidr(cidr: CelCidr): CelCidr {
  const bytes = ipBytes(cidr.ip);
  const offset = cidr.ip.family === 4 ? 96 : 0;
  for (let bit = offset + cidr.prefix; bit < 128; bit++) bytes[bit >> 3] &= ~(0x80 >> (bit & 7));
  const text =
    cidr.ip.family === 4
      ? bytes.slice(12).join('.')
      : compressIpv6(Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16)));
  return new CelCidr(new CelIp(text, cidr.ip.family), cidr.prefix);
}

function compressIpv6(groups: string[]): string {
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j;
  }
  if (best.start < 0) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}

const compare = (a: unknown, b: unknown): number => {
  if (a instanceof Quantity && b instanceof Quantity) return compareQuantities(a, b);
  return (a as any) < (b as any) ? -1 : (a as any) > (b as any) ? 1 : 0;
};

function formats(): Record<string, NamedFormat> {
  const prefix = (check: (v: string) => string[]) => (v: string) => check(v.endsWith('-') ? `${v}a` : v);
  const fromChecker = (name: string, message: string) => new NamedFormat((v) => (formatCheckers[name](v) ? [] : [message]));
  return {
    dns1123Label: new NamedFormat(isDNS1123Label),
    dns1123Subdomain: new NamedFormat(isDNS1123Subdomain),
    dns1035Label: new NamedFormat(isDNS1035Label),
    qualifiedName: new NamedFormat(isQualifiedName),
    dns1123LabelPrefix: new NamedFormat(prefix(isDNS1123Label)),
    dns1123SubdomainPrefix: new NamedFormat(prefix(isDNS1123Subdomain)),
    dns1035LabelPrefix: new NamedFormat(prefix(isDNS1035Label)),
    labelValue: new NamedFormat((v) => (v === '' || /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/.test(v) ? (v.length > 63 ? ['must be no more than 63 characters'] : []) : ["a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"])),
    uri: fromChecker('uri', 'invalid URI'),
    uuid: fromChecker('uuid', 'does not match the UUID format'),
    byte: fromChecker('byte', 'invalid base64'),
    date: fromChecker('date', 'invalid date'),
    datetime: fromChecker('datetime', 'invalid datetime'),
  };
}

function register(env: Environment): Environment {
  const { Optional } = celLibrary();
  const namedFormats = formats();
  env
    .registerType('Quantity', Quantity)
    .registerType('URL', CelUrl)
    .registerType('net.IP', CelIp)
    .registerType('net.CIDR', CelCidr)
    .registerType('NamedFormat', NamedFormat)
    .registerType('FormatLibrary', FormatLibrary)
    .registerConstant('format', 'FormatLibrary', new FormatLibrary())
    .registerType('StringsLibrary', StringsLibrary)
    .registerConstant('strings', 'StringsLibrary', new StringsLibrary())
    .registerType('SetsLibrary', SetsLibrary)
    .registerConstant('sets', 'SetsLibrary', new SetsLibrary())
    .registerType('IpLibrary', IpLibrary)
    .registerConstant('ip', 'IpLibrary', new IpLibrary())
    // Equality of the library types (!= comes with it), and so membership in lists of them.
    .registerOperator('Quantity == Quantity', (a: Quantity, b: Quantity) => compareQuantities(a, b) === 0)
    .registerOperator('net.IP == net.IP', sameIp)
    .registerOperator('net.CIDR == net.CIDR', (a: CelCidr, b: CelCidr) => a.prefix === b.prefix && sameIp(a.ip, b.ip))
    .registerFunction('OptionalNamespace.ofNonZeroValue(A): optional<A>', (_: unknown, value: unknown) => (isZeroValue(value) ? Optional.none() : Optional.of(value)))
    // strings
    .registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
      if (i < 0n || i > BigInt(s.length)) throw evaluationError(`index out of range: ${i}`);
      return [...s][Number(i)] ?? '';
    })
    .registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) => s.split(a).join(b))
    .registerFunction('string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) => {
      if (n < 0n) return s.split(a).join(b);
      let out = s;
      let from = 0;
      for (let k = 0n; k < n; k++) {
        const at = out.indexOf(a, from);
        if (at < 0) break;
        out = out.slice(0, at) + b + out.slice(at + a.length);
        from = at + b.length;
      }
      return out;
    })
    .registerFunction('string.format(list): string', (s: string, args: unknown[]) => {
      try {
        return formatString(s, args);
      } catch (err) {
        if (err instanceof FormatError) throw evaluationError(err.message);
        throw err;
      }
    })
    .registerFunction('StringsLibrary.quote(string): string', (_: StringsLibrary, s: string) => goQuote(s))
    // sets
    .registerFunction('SetsLibrary.contains(list, list): bool', (_: SetsLibrary, a: unknown[], b: unknown[]) => b.every((x) => a.some((y) => celEqual(x, y))))
    .registerFunction('SetsLibrary.equivalent(list, list): bool', (_: SetsLibrary, a: unknown[], b: unknown[]) => b.every((x) => a.some((y) => celEqual(x, y))) && a.every((x) => b.some((y) => celEqual(x, y))))
    .registerFunction('SetsLibrary.intersects(list, list): bool', (_: SetsLibrary, a: unknown[], b: unknown[]) => b.some((x) => a.some((y) => celEqual(x, y))))
    // lists
    .registerFunction('list.isSorted(): bool', (l: unknown[]) => l.every((x, i) => i === 0 || compare(l[i - 1], x) <= 0))
    .registerFunction('list.sum(): dyn', (l: any[]) => (l.length === 0 ? 0n : l.reduce((a, b) => (a instanceof Quantity ? quantityOf(a.nanos + b.nanos) : a + b))))
    .registerFunction('list.min(): dyn', (l: unknown[]) => {
      if (l.length === 0) throw evaluationError('min(list) argument must not be empty');
      return l.reduce((a, b) => (compare(b, a) < 0 ? b : a));
    })
    .registerFunction('list.max(): dyn', (l: unknown[]) => {
      if (l.length === 0) throw evaluationError('max(list) argument must not be empty');
      return l.reduce((a, b) => (compare(b, a) > 0 ? b : a));
    })
    .registerFunction('list.indexOf(dyn): int', (l: unknown[], x: unknown) => BigInt(l.findIndex((y) => compare(x, y) === 0 && typeof x === typeof y)))
    .registerFunction('list.lastIndexOf(dyn): int', (l: unknown[], x: unknown) => {
      for (let i = l.length - 1; i >= 0; i--) if (compare(x, l[i]) === 0 && typeof x === typeof l[i]) return BigInt(i);
      return -1n;
    })
    // regex
    .registerFunction('matches(string, string): bool', (s: string, re: string) => goRegExp(re).test(s))
    .registerFunction('string.find(string): string', (s: string, re: string) => illegalRegex(() => goRegExp(re).find(s) ?? ''))
    .registerFunction('string.findAll(string): list<string>', (s: string, re: string) => illegalRegex(() => goRegExp(re).findAll(s, -1)))
    .registerFunction('string.findAll(string, int): list<string>', (s: string, re: string, n: bigint) => illegalRegex(() => goRegExp(re).findAll(s, n < 0n ? -1 : Number(n))))
    // url
    .registerFunction('url(string): URL', (s: string) => {
      const url = parseUrl(s);
      if (!url) throw evaluationError(`URL parse error during conversion from string: parse "${s}": invalid URI for request`);
      return url;
    })
    .registerFunction('isURL(string): bool', (s: string) => parseUrl(s) !== undefined)
    .registerFunction('URL.getScheme(): string', (u: CelUrl) => (u.pathOnly ? '' : u.url.protocol.replace(/:$/, '')))
    .registerFunction('URL.getHost(): string', (u: CelUrl) => (u.pathOnly ? '' : u.url.host))
    .registerFunction('URL.getHostname(): string', (u: CelUrl) => (u.pathOnly ? '' : u.url.hostname.replace(/^\[(.*)\]$/, '$1')))
    .registerFunction('URL.getPort(): string', (u: CelUrl) => (u.pathOnly ? '' : u.url.port))
    .registerFunction('URL.getEscapedPath(): string', (u: CelUrl) => u.url.pathname)
    .registerFunction('URL.getQuery(): map<string, list<string>>', (u: CelUrl) => {
      const out: Record<string, string[]> = {};
      for (const [k, v] of u.url.searchParams) (out[k] ??= []).push(v);
      return out;
    })
    // quantity
    .registerFunction('quantity(string): Quantity', parseQuantity)
    .registerFunction('isQuantity(string): bool', (s: string) => {
      try {
        Quantity.parse(s);
        return true;
      } catch {
        return false;
      }
    })
    .registerFunction('Quantity.isInteger(): bool', isWhole)
    .registerFunction('Quantity.asInteger(): int', (q: Quantity) => {
      if (!isWhole(q)) throw evaluationError('cannot convert value to integer');
      return q.nanos / nano;
    })
    .registerFunction('Quantity.asApproximateFloat(): double', (q: Quantity) => Number(q.nanos) / 1e9)
    .registerFunction('Quantity.isGreaterThan(Quantity): bool', (a: Quantity, b: Quantity) => compareQuantities(a, b) > 0)
    .registerFunction('Quantity.isLessThan(Quantity): bool', (a: Quantity, b: Quantity) => compareQuantities(a, b) < 0)
    .registerFunction('Quantity.compareTo(Quantity): int', (a: Quantity, b: Quantity) => BigInt(compareQuantities(a, b)))
    .registerFunction('Quantity.add(Quantity): Quantity', (a: Quantity, b: Quantity) => quantityOf(a.nanos + b.nanos))
    .registerFunction('Quantity.add(int): Quantity', (a: Quantity, b: bigint) => quantityOf(a.nanos + b * nano))
    .registerFunction('Quantity.sub(Quantity): Quantity', (a: Quantity, b: Quantity) => quantityOf(a.nanos - b.nanos))
    .registerFunction('Quantity.sub(int): Quantity', (a: Quantity, b: bigint) => quantityOf(a.nanos - b * nano))
    // ip and cidr
    .registerFunction('ip(string): net.IP', parseIp)
    .registerFunction('isIP(string): bool', (s: string) => {
      try {
        parseIp(s);
        return true;
      } catch {
        return false;
      }
    })
    .registerFunction('IpLibrary.isCanonical(string): bool', (_: IpLibrary, s: string) => {
      const ip = parseIp(s);
      return canonicalIp(ip) === s;
    })
    .registerFunction('net.IP.family(): int', (ip: CelIp) => BigInt(ip.family))
    .registerFunction('net.IP.isUnspecified(): bool', (ip: CelIp) => ipBytes(ip).slice(ip.family === 4 ? 12 : 0).every((b) => b === 0))
    .registerFunction('net.IP.isLoopback(): bool', (ip: CelIp) => (ip.family === 4 ? ip.address.startsWith('127.') : ipBytes(ip).every((b, i) => b === (i === 15 ? 1 : 0))))
    .registerFunction('net.IP.isLinkLocalMulticast(): bool', (ip: CelIp) => (ip.family === 4 ? ip.address.startsWith('224.0.0.') : ((b) => b[0] === 0xff && (b[1] & 0x0f) === 0x02)(ipBytes(ip))))
    .registerFunction('net.IP.isLinkLocalUnicast(): bool', (ip: CelIp) => (ip.family === 4 ? ip.address.startsWith('169.254.') : ((b) => b[0] === 0xfe && (b[1] & 0xc0) === 0x80)(ipBytes(ip))))
    .registerFunction('net.IP.isGlobalUnicast(): bool', (ip: CelIp) => {
      const b = ipBytes(ip);
      if (ip.family === 4) return !(b[12] === 0 || b[12] === 127 || b[12] >= 224 || (b[12] === 169 && b[13] === 254)) && !(b.slice(12).every((x) => x === 255));
      return !(b[0] === 0xff || (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) || b.every((x, i) => x === (i === 15 ? 1 : 0)) || b.every((x) => x === 0));
    })
    .registerFunction('string(net.IP): string', (ip: CelIp) => ip.address)
    .registerFunction('cidr(string): net.CIDR', parseCidr)
    .registerFunction('isCIDR(string): bool', (s: string) => {
      try {
        parseCidr(s);
        return true;
      } catch {
        return false;
      }
    })
    .registerFunction('net.CIDR.containsIP(net.IP): bool', contains)
    .registerFunction('net.CIDR.containsIP(string): bool', (c: CelCidr, s: string) => contains(c, parseIp(s)))
    .registerFunction('net.CIDR.containsCIDR(net.CIDR): bool', (a: CelCidr, b: CelCidr) => b.prefix >= a.prefix && contains(a, b.ip))
    .registerFunction('net.CIDR.containsCIDR(string): bool', (a: CelCidr, s: string) => ((b) => b.prefix >= a.prefix && contains(a, b.ip))(parseCidr(s)))
    .registerFunction('net.CIDR.ip(): net.IP', (c: CelCidr) => c.ip)
    .registerFunction('net.CIDR.masked(): net.CIDR', maskedCidr)
    .registerFunction('net.CIDR.prefixLength(): int', (c: CelCidr) => BigInt(c.prefix))
    .registerFunction('string(net.CIDR): string', (c: CelCidr) => `${c.ip.address}/${c.prefix}`)
    // format
    .registerFunction('FormatLibrary.named(string): optional<NamedFormat>', (_: FormatLibrary, name: string) => (Object.hasOwn(namedFormats, name) ? Optional.of(namedFormats[name]) : Optional.none()))
    .registerFunction('NamedFormat.validate(string): optional<list<string>>', (f: NamedFormat, value: string) => {
      const problems = f.check(value);
      return problems.length ? Optional.of(problems) : Optional.none();
    });
  for (const [name, named] of Object.entries(namedFormats)) env.registerFunction(`FormatLibrary.${name}(): NamedFormat`, () => named);
  return env;
}

const limits = { maxAstNodes: 10_000, maxDepth: 250, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 };

/** A new environment with the Kubernetes libraries; CRD rules allow mixed list and map literals, admission policies do not. */
export function kubernetesCelEnvironment(options: { homogeneousAggregateLiterals: boolean; unlistedVariablesAreDyn?: boolean }): Environment {
  return register(new (celLibrary().Environment)({ enableOptionalTypes: true, limits, ...options }));
}

let environments: { plain: Environment; optionalOldSelf: Environment } | undefined;

/** The two environments, built once per process. */
export function celEnvironments(): { plain: Environment; optionalOldSelf: Environment } {
  if (!environments) {
    const base = () => kubernetesCelEnvironment({ homogeneousAggregateLiterals: false });
    environments = {
      plain: base().registerVariable('self', 'dyn').registerVariable('oldSelf', 'dyn'),
      optionalOldSelf: base().registerVariable('self', 'dyn').registerVariable('oldSelf', 'optional<dyn>'),
    };
  }
  return environments;
}

interface CelNode {
  op: string;
  args: any;
  handle(args: unknown[], ev: CelEvaluator, node: CelNode): unknown;
}

interface CelEvaluator {
  run(node: unknown, ctx: unknown): unknown;
}

/**
 * `s.matches(re)` on two strings, with `re` read as Go reads it. cel-js declares string.matches
 * itself (a JavaScript RegExp of the pattern as written) and an overload cannot be replaced, so
 * the call's node evaluates this instead; anything but two strings goes to cel-js's dispatch.
 */
function evaluateGoMatches(this: CelNode, ev: CelEvaluator, node: CelNode, ctx: unknown): unknown {
  const [, receiver, [pattern]] = node.args as [string, unknown, unknown[]];
  // Arguments before the receiver, as cel-js runs a call's operands.
  const re = ev.run(pattern, ctx);
  const s = ev.run(receiver, ctx);
  if (typeof s === 'string' && typeof re === 'string') return goRegExp(re).test(s);
  return node.handle([s, re], ev, node);
}

/** Makes every member call `matches` of a parsed expression read its pattern as Go does. */
export function useGoMatches(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(useGoMatches);
  if (!node || typeof node !== 'object' || typeof (node as CelNode).op !== 'string') return;
  const ast = node as CelNode;
  if (ast.op === 'value' || ast.op === 'id') return;
  if (ast.op === 'rcall' && ast.args[0] === 'matches' && ast.args[2].length === 1) {
    Object.defineProperty(ast, 'evaluate', { configurable: true, writable: true, value: evaluateGoMatches });
  }
  useGoMatches(ast.args);
}

/** cel-js's words for an evaluation error, in cel-go's where they differ. */
const celGoErrors: Array<[RegExp, string]> = [
  [/^No such key: index out of bounds, index (\d+) >= size \d+$/, 'index out of bounds: $1'],
  [/^No such key: /, 'no such key: '],
  [/^integer overflow: .*$/, 'integer overflow'],
];

/** cel-js's words for a compile error, in cel-go's where they differ. */
const celGoCompileErrors: Array<[RegExp, string]> = [
  [/^Unknown variable: (.*)$/, "undeclared reference to '$1' (in container '')"],
  [/^no such overload: (\S+) (==|!=|<|<=|>|>=|\+|-|\*|\/|%) (\S+)$/, "found no matching overload for '_$2_' applied to '($1, $3)'"],
];

/** A compile error's message as kube-apiserver words it. */
export function celCompileErrorText(message: string): string {
  const known = celGoCompileErrors.find(([pattern]) => pattern.test(message));
  return known ? message.replace(known[0], known[1]) : message;
}

/** An evaluation error's message as kube-apiserver words it. */
export function celErrorText(message: string): string {
  const known = celGoErrors.find(([pattern]) => pattern.test(message));
  return known ? message.replace(known[0], known[1]) : message;
}

/** A CEL optional: of `value` when present, else none (oldSelf of an optionalOldSelf rule on create). */
export function celOptional(present: boolean, value: unknown): unknown {
  const { Optional } = celLibrary();
  return present ? Optional.of(value) : Optional.none();
}
