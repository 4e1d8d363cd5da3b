// Prints a JSON object as the Go value it decodes to, the way go-spew's `%#v` prints it with the
// settings kube-controller-manager hashes with (apimachinery's dump.ForHash: types shown, methods
// disabled, map keys sorted). The pod-template-hash of a Deployment's ReplicaSets is a hash of this
// text, so names only match a real cluster's when every byte does. The Go layout of the types comes
// from tools/template-hash (go-layout.ts).

export type GoKind = 'bool' | 'int' | 'uint' | 'string' | 'ptr' | 'slice' | 'map' | 'struct' | 'quantity' | 'time' | 'intorstring';

export interface GoType {
  kind: GoKind;
  elem?: string;
  key?: string;
  /** [Go field name, JSON name ('' for an inline embedded struct), type]. */
  fields?: Array<[string, string, string]>;
}

/** Go types by the name go-spew prints for them. */
export type GoLayout = Record<string, GoType>;

type Json = any;

const typed = (name: string, show: boolean) => (show ? `(${name})` : '');

export class GoSpew {
  constructor(private readonly layout: GoLayout) {}

  /** `value` printed as a value of Go type `type`, with its type in front as at the top level. */
  print(type: string, value: Json): string {
    const out: string[] = [];
    this.write(out, type, value, true);
    return out.join('');
  }

  private write(out: string[], name: string, value: Json, showType: boolean): void {
    const type = this.layout[name];
    if (!type) throw new Error(`go-spew: no Go layout for ${name}`);
    if (type.kind === 'ptr') return this.writePointer(out, name, type, value, showType);
    out.push(typed(name, showType));
    switch (type.kind) {
      case 'bool':
        out.push(value === true ? 'true' : 'false');
        return;
      case 'int':
      case 'uint':
        out.push(typeof value === 'number' ? String(Math.trunc(value)) : '0');
        return;
      case 'string':
        out.push(typeof value === 'string' ? value : '');
        return;
      case 'slice':
        if (!Array.isArray(value)) {
          out.push('<nil>');
          return;
        }
        out.push('[');
        value.forEach((item, index) => {
          if (index > 0) out.push(' ');
          this.write(out, type.elem!, item, false);
        });
        out.push(']');
        return;
      case 'map': {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          out.push('<nil>');
          return;
        }
        out.push('map[');
        const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        keys.forEach((key, index) => {
          if (index > 0) out.push(' ');
          this.write(out, type.key!, key, false);
          out.push(':');
          this.write(out, type.elem!, value[key], false);
        });
        out.push(']');
        return;
      }
      case 'struct': {
        const object = value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
        out.push('{');
        type.fields!.forEach(([goName, jsonName, fieldType], index) => {
          if (index > 0) out.push(' ');
          out.push(goName, ':');
          this.write(out, fieldType, jsonName === '' ? object : object[jsonName], true);
        });
        out.push('}');
        return;
      }
      case 'quantity':
        out.push(quantityFields(value));
        return;
      case 'time':
        out.push(timeFields(value));
        return;
      case 'intorstring':
        out.push(intOrStringFields(value));
        return;
    }
  }

  private writePointer(out: string[], name: string, type: GoType, value: Json, showType: boolean): void {
    if (value === null || value === undefined) {
      out.push(showType ? `(${name})<nil>` : '<nil>');
      return;
    }
    out.push(showType ? `(${name})` : '<*>');
    this.write(out, type.elem!, value, false);
  }
}

function intOrStringFields(value: Json): string {
  if (typeof value === 'string') return `{Type:(intstr.Type)1 IntVal:(int32)0 StrVal:(string)${value}}`;
  const int = typeof value === 'number' ? Math.trunc(value) : 0;
  return `{Type:(intstr.Type)0 IntVal:(int32)${int} StrVal:(string)}`;
}

/**
 * metav1.Time holds a time.Time; only the zero time (`null`, as in every pod template's
 * creationTimestamp) prints as a real cluster prints it: a parsed time carries the process's local
 * time zone, whose internals go-spew prints too. Other times print their instant with no zone.
 */
function timeFields(value: Json): string {
  const at = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(at)) return '{Time:(time.Time){wall:(uint64)0 ext:(int64)0 loc:(*time.Location)<nil>}}';
  // time.Time without a monotonic reading: wall holds the nanoseconds, ext the seconds since year 1.
  const secondsFromYearOne = BigInt(Math.floor(at / 1000)) + 62135596800n;
  const nanos = (at % 1000) * 1_000_000;
  return `{Time:(time.Time){wall:(uint64)${nanos} ext:(int64)${secondsFromYearOne} loc:(*time.Location)<nil>}}`;
}

// ---------- resource.Quantity as ParseQuantity leaves it ----------

interface GoQuantity {
  /** int64Amount, when `dec` is absent. */
  value: bigint;
  scale: number;
  /** inf.Dec: unscaled value and scale, for values int64Amount cannot hold. */
  dec?: { unscaled: bigint; scale: number };
  /** The text kept when it is already canonical. */
  cached: string;
  /** Empty for a null quantity. */
  format: 'DecimalSI' | 'BinarySI' | 'DecimalExponent' | '';
}

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const int64Max = (1n << 63n) - 1n;
/** Digits an int64 always holds (maxInt64Factors). */
const int64Digits = 18;
const nanoScale = -9;

interface QuantityParts {
  positive: boolean;
  /** The number as written, sign and leading zeros included, without its suffix. */
  text: string;
  num: string;
  denom: string;
  suffix: string;
}

/** parseQuantityString: sign, integer digits without leading zeros, fraction digits, suffix. */
function quantityParts(str: string): QuantityParts | undefined {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (pos < end && (str[0] === '-' || str[0] === '+')) {
    positive = str[0] !== '-';
    pos++;
  }
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, text: '0', num: '0', denom: '', suffix: '' };
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  const numStart = pos;
  while (pos < end && isDigit(str[pos])) pos++;
  let num = str.slice(numStart, pos);
  if (pos >= end) return { positive, text: str, num, denom: '', suffix: '' };
  if (num === '') num = '0';
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    const denomStart = pos;
    while (pos < end && isDigit(str[pos])) pos++;
    denom = str.slice(denomStart, pos);
    if (pos >= end) return { positive, text: str, num, denom, suffix: '' };
  }
  const text = str.slice(0, pos);
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos])) pos++;
  if (pos >= end) return { positive, text, num, denom, suffix: str.slice(suffixStart) };
  if (str[pos] === '-' || str[pos] === '+') pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) return undefined;
  return { positive, text, num, denom, suffix: str.slice(suffixStart) };
}

function suffixMeaning(suffix: string): { base: 2 | 10; exponent: number; format: GoQuantity['format'] } | undefined {
  if (suffix in decimalSuffixes) return { base: 10, exponent: decimalSuffixes[suffix], format: 'DecimalSI' };
  if (suffix in binarySuffixes) return { base: 2, exponent: binarySuffixes[suffix], format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.slice(1))) {
    return { base: 10, exponent: Number(suffix.slice(1)), format: 'DecimalExponent' };
  }
  return undefined;
}

/** resource.ParseQuantity's result, field by field; undefined when Go would refuse the text. */
export function goQuantity(str: string): GoQuantity | undefined {
  if (str === '') return undefined;
  if (str === '0') return { value: 0n, scale: 0, cached: '0', format: 'DecimalSI' };
  const parts = quantityParts(str);
  if (!parts) return undefined;
  const meaning = suffixMeaning(parts.suffix);
  if (!meaning) return undefined;
  let { format } = meaning;
  const { base, exponent } = meaning;
  const { positive, num, denom } = parts;

  let precision = 0;
  let scale = 0;
  let mantissa = 1n;
  if (format === 'BinarySI') {
    if (exponent >= 0 && denom.length === 0) {
      mantissa = 1n << BigInt(exponent);
      // int32(float32(exponent)*3/10), in float32 as Go computes it.
      precision = 15 - num.length - Math.trunc(Math.fround(Math.fround(exponent * 3) / 10)) - 1;
    } else {
      precision = -1;
    }
  } else {
    scale = exponent;
    precision = int64Digits - (num.length + denom.length);
  }

  if (precision >= 0) {
    scale -= denom.length;
    if (scale >= nanoScale) {
      const shifted = num + denom;
      const digits = BigInt(shifted);
      const product = digits * mantissa;
      if (digits <= int64Max && product <= int64Max) {
        const value = positive ? product : -product;
        const canonical =
          format === 'BinarySI'
            ? exponent % 10 === 0 && (digits & 7n) !== 0n
            : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
        return { value, scale, cached: canonical ? str : '', format };
      }
    }
  }

  // The inf.Dec path: exact decimal, rounded up to nano units.
  const [intText, fracText = ''] = parts.text.replace(/^[+-]/, '').split('.');
  let unscaled = BigInt((intText || '0') + fracText);
  let decScale = fracText.length;
  if (base === 10) decScale -= exponent;
  else unscaled *= 1n << BigInt(exponent);
  if (unscaled !== 0n) {
    const target = -nanoScale;
    if (decScale > target) {
      const divisor = 10n ** BigInt(decScale - target);
      unscaled = (unscaled + divisor - 1n) / divisor;
    } else if (decScale < target) {
      unscaled *= 10n ** BigInt(target - decScale);
    }
    decScale = target;
  }
  if (format === 'BinarySI') {
    const exceeds = decScale >= 0 ? unscaled > int64Max * 10n ** BigInt(decScale) : unscaled * 10n ** BigInt(-decScale) > int64Max;
    if (exceeds) {
      unscaled = int64Max;
      decScale = 0;
    }
    const belowOne = decScale >= 0 ? unscaled < 10n ** BigInt(decScale) : false;
    if (unscaled > 0n && belowOne) format = 'DecimalSI';
  }
  if (!positive) unscaled = -unscaled;
  return { value: 0n, scale: 0, dec: { unscaled, scale: decScale }, cached: '', format };
}

/** A big.Int's magnitude as its little-endian 64-bit words (big.nat). */
function natWords(magnitude: bigint): string {
  if (magnitude === 0n) return '<nil>';
  const words: string[] = [];
  for (let rest = magnitude; rest > 0n; rest >>= 64n) words.push((rest & 0xffffffffffffffffn).toString());
  return `[${words.join(' ')}]`;
}

function quantityFields(value: Json): string {
  const q = typeof value === 'string' ? goQuantity(value) : typeof value === 'number' ? goQuantity(String(value)) : undefined;
  const parsed: GoQuantity = q ?? { value: 0n, scale: 0, cached: '', format: '' };
  const dec = parsed.dec
    ? `(*inf.Dec){unscaled:(big.Int){neg:(bool)${parsed.dec.unscaled < 0n} abs:(big.nat)${natWords(parsed.dec.unscaled < 0n ? -parsed.dec.unscaled : parsed.dec.unscaled)}} scale:(inf.Scale)${parsed.dec.scale}}`
    : '(*inf.Dec)<nil>';
  return (
    `{i:(resource.int64Amount){value:(int64)${parsed.value} scale:(resource.Scale)${parsed.scale}} ` +
    `d:(resource.infDecAmount){Dec:${dec}} s:(string)${parsed.cached} Format:(resource.Format)${parsed.format}}`
  );
}
