// string.format of CEL's strings extension (version 2, as Kubernetes 1.32 declares it): the clauses
// %s %d %f %e %x %X %o %b and %%, written as cel-go writes them. cel-go formats numbers with
// golang.org/x/text, so fixed-point numbers carry thousands separators and scientific ones read
// "1.500000 × 10⁰³"; values inside lists and maps are written as CEL literals.

import { celLibrary } from '../../libraries.js';

/** A format call that cannot be made; its message is cel-go's. */
export class FormatError extends Error {}

/** The name of a value's CEL type, as the formatting errors name it. */
function celTypeName(value: unknown): string {
  if (value === null) return 'null_type';
  switch (typeof value) {
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
  }
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'list';
  if (value instanceof celLibrary().Optional) return 'optional_type';
  const name = (value as object).constructor?.name;
  if (name === 'UnsignedInt') return 'uint';
  if (name === 'Duration') return 'google.protobuf.Duration';
  if (name === 'Date') return 'google.protobuf.Timestamp';
  if (name === 'Type') return 'type';
  if (name === 'Object' || name === undefined) return 'map';
  return name === 'Quantity' ? 'kubernetes.Quantity' : name;
}

const isInteger = (value: unknown) => typeof value === 'bigint' || celTypeName(value) === 'uint';
const integerOf = (value: unknown) => (typeof value === 'bigint' ? value : BigInt(String(value)));

/** Go's strconv.FormatFloat(x, 'g', -1, 64): the shortest digits, in exponent form below 1e-4 and from 1e6 on. */
export function shortestFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, exponentText] = x.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const digits = Math.abs(exponent) < 10 ? `0${Math.abs(exponent)}` : String(Math.abs(exponent));
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${digits}`;
  }
  const sign = x < 0 ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return `${sign}${digits}${'0'.repeat(exponent + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

/** x with `precision` decimals, rounded as Go rounds (an exact tie to even), without its sign. */
function decimals(x: number, precision: number): string {
  const rounded = x.toFixed(precision);
  const exact = x.toFixed(Math.min(100, precision + 40));
  const cut = exact.indexOf('.') + (precision === 0 ? 0 : precision + 1);
  if (!/^50*$/.test(exact.slice(cut + (precision === 0 ? 1 : 0)))) return rounded;
  const truncated = exact.slice(0, cut);
  return Number(truncated[truncated.length - 1]) % 2 === 0 ? truncated : rounded;
}

/** %f: fixed point with thousands separators, as golang.org/x/text writes it. */
function fixedPoint(x: number, precision: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '-∞';
  const [whole, fraction] = decimals(Math.abs(x), precision).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${x < 0 ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

const superscripts = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** %e: six decimals whatever the precision, the exponent in superscript digits, narrow spaces around × (golang.org/x/text). */
function scientific(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '-∞';
  const [mantissa, exponentText] = x.toExponential(6).split('e');
  const exponent = Number(exponentText);
  const digits = String(Math.abs(exponent)).padStart(2, '0');
  return `${mantissa}\u202f×\u202f10${exponent < 0 ? '⁻' : ''}${[...digits].map((d) => superscripts[Number(d)]).join('')}`;
}

function durationText(duration: { seconds: bigint; nanos: number }): string {
  const nanos = duration.seconds * 1_000_000_000n + BigInt(duration.nanos);
  const sign = nanos < 0n ? '-' : '';
  const abs = nanos < 0n ? -nanos : nanos;
  const fraction = (abs % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${sign}${abs / 1_000_000_000n}${fraction ? `.${fraction}` : ''}s`;
}

/** RFC 3339 with only the fractional digits needed, as Go's time.RFC3339Nano. */
function timestampText(date: Date): string {
  return date.toISOString().replace(/\.(\d+)Z$/, (_, digits: string) => (/^0+$/.test(digits) ? 'Z' : `.${digits.replace(/0+$/, '')}Z`));
}

const stringClauseTypes = 'strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps';

/** %s of one value; `nested` values (inside lists and maps) are written as literals. */
function stringClause(value: unknown, nested: boolean): string {
  const type = celTypeName(value);
  switch (type) {
    case 'null_type':
      return 'null';
    case 'string':
      return nested ? JSON.stringify(value) : (value as string);
    case 'bool':
      return String(value);
    case 'int':
    case 'uint':
      return String(value);
    case 'double':
      return nested ? fixedPoint(value as number, 6) : shortestFloat(value as number);
    case 'bytes': {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(value as Uint8Array);
      return nested ? `b${JSON.stringify(text)}` : text;
    }
    case 'list':
      return `[${(value as unknown[]).map((item) => stringClause(item, true)).join(', ')}]`;
    case 'map': {
      const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => [stringClause(k, true), stringClause(v, true)]);
      return `{${entries
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${k}:${v}`)
        .join(', ')}}`;
    }
    case 'type':
      return (value as { name: string }).name;
    case 'google.protobuf.Duration':
      return nested ? `duration("${durationText(value as { seconds: bigint; nanos: number })}")` : durationText(value as { seconds: bigint; nanos: number });
    case 'google.protobuf.Timestamp':
      return nested ? `timestamp("${timestampText(value as Date)}")` : timestampText(value as Date);
  }
  throw new FormatError(`error during formatting: string clause can only be used on ${stringClauseTypes}, was given ${type}`);
}

function bytesOf(value: unknown): Uint8Array | undefined {
  if (typeof value === 'string') return new TextEncoder().encode(value);
  return value instanceof Uint8Array ? value : undefined;
}

/** An integer in `radix`, its sign before the digits (Go's %x of -255 is -ff). */
function inRadix(value: bigint, radix: number): string {
  return value < 0n ? `-${(-value).toString(radix)}` : value.toString(radix);
}

const doubleNames: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

/** The double a %f or %e clause writes: a double, or a string naming one (cel-go's checker lets any string through). */
function asDouble(value: unknown, clauseName: string): number {
  const message = `error during formatting: ${clauseName} clause can only be used on doubles, was given ${celTypeName(value)}`;
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') throw new FormatError(message);
  if (!Object.hasOwn(doubleNames, value)) throw new Error(message);
  return doubleNames[value];
}

function clause(verb: string, precision: number | undefined, value: unknown): string {
  const type = celTypeName(value);
  switch (verb) {
    case 's':
      return stringClause(value, false);
    case 'd':
      if (!isInteger(value)) throw new FormatError(`error during formatting: decimal clause can only be used on integers, was given ${type}`);
      return String(value);
    case 'f':
      return fixedPoint(asDouble(value, 'fixed-point'), precision ?? 6);
    case 'e':
      return scientific(asDouble(value, 'scientific'));
    case 'x':
    case 'X': {
      const bytes = bytesOf(value);
      let text: string;
      if (bytes) text = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
      else if (isInteger(value)) text = inRadix(integerOf(value), 16);
      else throw new FormatError(`error during formatting: only integers, byte buffers, and strings can be formatted as hex, was given ${type}`);
      return verb === 'X' ? text.toUpperCase() : text;
    }
    case 'o':
      if (!isInteger(value)) throw new FormatError(`error during formatting: octal clause can only be used on integers, was given ${type}`);
      return inRadix(integerOf(value), 8);
    default:
      if (typeof value === 'boolean') return value ? '1' : '0';
      if (!isInteger(value)) throw new FormatError(`error during formatting: only integers and bools can be formatted as binary, was given ${type}`);
      return inRadix(integerOf(value), 2);
  }
}

/** `format` with its clauses filled from `args`, in order. */
export function formatString(format: string, args: unknown[]): string {
  let out = '';
  let next = 0;
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== '%') {
      out += format[i];
      continue;
    }
    i++;
    if (i >= format.length) throw new FormatError('unexpected end of string');
    if (format[i] === '%') {
      out += '%';
      continue;
    }
    let precision: number | undefined;
    if (format[i] === '.') {
      const digits = /^\d*/.exec(format.slice(i + 1))![0];
      if (!digits) throw new FormatError('could not parse formatting clause: error while parsing precision: error while converting precision to integer: strconv.Atoi: parsing "": invalid syntax');
      precision = Number(digits);
      i += digits.length + 1;
      if (i >= format.length) throw new FormatError('unexpected end of string');
    }
    const verb = format[i];
    if (!'sdfexXob'.includes(verb)) throw new FormatError(`could not parse formatting clause: unrecognized formatting clause "${verb}"`);
    if (next >= args.length) throw new FormatError(`index ${next} out of range`);
    out += clause(verb, precision, args[next++]);
  }
  if (next < args.length) throw new FormatError(`too many arguments supplied to string.format (expected ${next}, got ${args.length})`);
  return out;
}

