// resource.Quantity (k8s.io/apimachinery/pkg/api/resource): parsing, kube-apiserver's string form,
// comparison and arithmetic, exactly. A quantity is a decimal number (mantissa × 10^exponent, held
// as a bigint) with the format its suffix chose: DecimalSI (m, k, M...), BinarySI (Ki, Mi...) or
// DecimalExponent (e3).
//
// Every reader shares it: the write path, validation, the scheduler, CEL's quantity library.
//
// Its string form is the canonical one (`1000m` → `1`, `0.5` → `500m`, `1024Mi` → `1Gi`), except
// that a string the parser already deems canonical is kept as written (`001`, `+1`, `1E3`), as
// Go caches it. Values below 1n round up to 1n; BinarySI values are capped at 2^63-1.

export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

/**
 * A Quantity's fields as ParseQuantity leaves them in Go (go-spew prints them when hashing pod
 * templates): an int64Amount, or an inf.Dec for what int64Amount cannot hold, the cached string.
 */
export interface GoQuantityFields {
  value: bigint;
  scale: number;
  dec?: { unscaled: bigint; scale: number };
  cached: string;
  format: QuantityFormat;
}

/** A string that is not a quantity; the message is apimachinery's. */
export class QuantityError extends Error {}

const formatWrong = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const numericWrong = 'unable to parse numeric part of quantity';
const suffixWrong = "unable to parse quantity's suffix";

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalByExponent = new Map(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));
const binaryByExponent = new Map(Object.entries(binarySuffixes).map(([s, e]) => [e / 10, s]));

const maxInt64 = 2n ** 63n - 1n;
/** The smallest scale a quantity keeps (nano). */
const nano = -9;
const maxDigits = 1000;
const maxExponent = 1000;
const suffixChars = 'eEinumkKMGTP';

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** m × 10^e with m rounded away from zero to scale `scale` (10^scale units); and whether that was exact. */
function roundUpTo(mantissa: bigint, exponent: number, scale: number): { mantissa: bigint; exponent: number; exact: boolean } {
  if (exponent >= scale) return { mantissa, exponent, exact: true };
  const divisor = pow10(scale - exponent);
  const quotient = mantissa / divisor;
  const exact = quotient * divisor === mantissa;
  return { mantissa: exact ? quotient : quotient + (mantissa < 0n ? -1n : 1n), exponent: scale, exact };
}

interface Parts {
  positive: boolean;
  /** The number as written, sign included, without the suffix. */
  value: string;
  num: string;
  denom: string;
  suffix: string;
}

/** parseQuantityString: sign, integer digits (leading zeros dropped), fraction digits, suffix. */
function split(text: string): Parts {
  let pos = 0;
  let positive = true;
  const end = text.length;
  if (text[0] === '-' || text[0] === '+') {
    positive = text[0] === '+';
    pos++;
  }
  while (pos < end && text[pos] === '0') pos++;
  if (pos >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };
  const numStart = pos;
  while (pos < end && text[pos] >= '0' && text[pos] <= '9') pos++;
  let num = text.slice(numStart, pos);
  if (pos >= end) return { positive, value: text, num, denom: '', suffix: '' };
  if (num === '') num = '0';
  let denom = '';
  if (text[pos] === '.') {
    const denomStart = ++pos;
    while (pos < end && text[pos] >= '0' && text[pos] <= '9') pos++;
    denom = text.slice(denomStart, pos);
    if (pos >= end) return { positive, value: text, num, denom, suffix: '' };
  }
  const value = text.slice(0, pos);
  const suffixStart = pos;
  while (pos < end && suffixChars.includes(text[pos])) pos++;
  if (pos < end && (text[pos] === '-' || text[pos] === '+')) pos++;
  while (pos < end && text[pos] >= '0' && text[pos] <= '9') pos++;
  if (pos < end) throw new QuantityError(formatWrong);
  return { positive, value, num, denom, suffix: text.slice(suffixStart) };
}

function interpret(suffix: string): { base: 2 | 10; exponent: number; format: QuantityFormat } {
  if (Object.hasOwn(decimalSuffixes, suffix)) return { base: 10, exponent: decimalSuffixes[suffix], format: 'DecimalSI' };
  if (Object.hasOwn(binarySuffixes, suffix)) return { base: 2, exponent: binarySuffixes[suffix], format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.slice(1))) {
    const exponent = Number(suffix.slice(1));
    if (Number.isSafeInteger(exponent) && Math.abs(exponent) < 2 ** 31) return { base: 10, exponent, format: 'DecimalExponent' };
  }
  throw new QuantityError(suffixWrong);
}

export class Quantity {
  private constructor(
    /** The value is mantissa × 10^exponent. */
    private readonly mantissa: bigint,
    private readonly exponent: number,
    readonly format: QuantityFormat,
    /** The string as written, when the parser deemed it canonical. */
    private readonly written?: string,
    /** How Go holds the parsed value, when it differs from mantissa and exponent (an inf.Dec). */
    private readonly dec?: GoQuantityFields['dec'],
  ) {}

  static zero(format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(0n, 0, format);
  }

  /** A DecimalSI quantity of `nanos` nano-units. */
  static fromNanos(nanos: bigint): Quantity {
    return new Quantity(nanos, nano, 'DecimalSI');
  }

  /** ParseQuantity; throws QuantityError with apimachinery's message. */
  static parse(text: string): Quantity {
    if (text.length === 0) throw new QuantityError(formatWrong);
    if (text === '0') return new Quantity(0n, 0, 'DecimalSI', text);
    const parts = split(text);
    const { base, exponent, format } = interpret(parts.suffix);
    const digits = parts.num + parts.denom;
    // kubemock bounds what a client can make it compute; Go would work on such a number for ages.
    if (digits.length > maxDigits || Math.abs(exponent) > maxExponent) throw new QuantityError('quantity is too large');
    const sign = parts.positive ? 1n : -1n;

    // Go's int64 path: exact, and a string already in canonical form is kept as written.
    let precision = -1;
    if (format !== 'BinarySI') precision = 18 - (parts.num.length + parts.denom.length);
    else if (exponent >= 0 && parts.denom.length === 0) precision = 15 - parts.num.length - Math.trunc((exponent * 3) / 10) - 1;
    if (precision >= 0) {
      const scale = (base === 10 ? exponent : 0) - parts.denom.length;
      if (scale >= nano) {
        const value = BigInt(digits);
        const result = value * (base === 2 ? 2n ** BigInt(exponent) : 1n);
        if (result <= maxInt64) {
          const keep = base === 2 ? exponent % 10 === 0 && (value & 7n) !== 0n : scale % 3 === 0 && !digits.endsWith('000') && digits[0] !== '0';
          return new Quantity(sign * result, scale, format, keep ? text : undefined);
        }
      }
    }

    // The arbitrary-precision path: rounded up to 1n, BinarySI capped at the int64 maximum.
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(parts.value) && parts.value !== '0') throw new QuantityError(numericWrong);
    let mantissa = BigInt(digits || '0');
    let scale = -parts.denom.length;
    if (base === 10) scale += exponent;
    else mantissa *= 2n ** BigInt(exponent);
    let resultFormat = format;
    // inf.Dec keeps a zero at the scale it was written with, anything else at nano scale.
    let dec = { unscaled: 0n, scale: parts.denom.length - (base === 10 ? exponent : 0) };
    if (mantissa !== 0n) ({ mantissa, exponent: scale } = roundUpTo(mantissa, scale, nano));
    if (format === 'BinarySI') {
      if (scale >= 0 ? mantissa * pow10(scale) > maxInt64 : mantissa > maxInt64 * pow10(-scale)) {
        mantissa = maxInt64;
        scale = 0;
        dec = { unscaled: maxInt64, scale: 0 };
      }
      const belowOne = scale >= 0 ? mantissa * pow10(scale) < 1n : mantissa < pow10(-scale);
      if (belowOne && mantissa > 0n) resultFormat = 'DecimalSI';
    }
    if (mantissa !== 0n && dec.unscaled === 0n) dec = { unscaled: mantissa * pow10(scale - nano), scale: -nano };
    return new Quantity(sign * mantissa, scale, resultFormat, undefined, { unscaled: sign * dec.unscaled, scale: dec.scale });
  }

  /** The quantity a value spells, or undefined where ParseQuantity would refuse it. */
  static tryParse(value: unknown): Quantity | undefined {
    try {
      return Quantity.parse(String(value));
    } catch (err) {
      if (err instanceof QuantityError) return undefined;
      throw err;
    }
  }

  /** The fields Go's ParseQuantity would have left (for a parsed quantity; others as an int64Amount). */
  goFields(): GoQuantityFields {
    if (this.dec) return { value: 0n, scale: 0, dec: this.dec, cached: '', format: this.format };
    return { value: this.mantissa, scale: this.exponent, cached: this.written ?? '', format: this.format };
  }

  isZero(): boolean {
    return this.mantissa === 0n;
  }

  /** The exact value in nano-units (every quantity has a whole number of them). */
  get nanos(): bigint {
    return this.mantissa * pow10(this.exponent - nano);
  }

  /** The value in whole units, rounded up (Quantity.Value). */
  value(): bigint {
    return this.scaled(0);
  }

  /** The value in thousandths, rounded up (Quantity.MilliValue): how CPU is counted. */
  milliValue(): bigint {
    return this.scaled(-3);
  }

  /** The value in units of 10^scale, rounded up. */
  private scaled(scale: number): bigint {
    const rounded = roundUpTo(this.mantissa, this.exponent, scale);
    return rounded.mantissa * pow10(rounded.exponent - scale);
  }

  /** Whether the value is a whole number. */
  isInteger(): boolean {
    return this.exponent >= 0 || this.mantissa % pow10(-this.exponent) === 0n;
  }

  sign(): -1 | 0 | 1 {
    return this.mantissa === 0n ? 0 : this.mantissa < 0n ? -1 : 1;
  }

  /** Both values as mantissas at one exponent. */
  private aligned(other: Quantity): [bigint, bigint, number] {
    const exponent = Math.min(this.exponent, other.exponent);
    return [this.mantissa * pow10(this.exponent - exponent), other.mantissa * pow10(other.exponent - exponent), exponent];
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    const [a, b] = this.aligned(other);
    return a === b ? 0 : a < b ? -1 : 1;
  }

  /** The sum, in this quantity's format (the other's when this one is zero), as Quantity.Add keeps it. */
  add(other: Quantity): Quantity {
    const [a, b, exponent] = this.aligned(other);
    return new Quantity(a + b, exponent, this.isZero() ? other.format : this.format);
  }

  sub(other: Quantity): Quantity {
    return this.add(new Quantity(-other.mantissa, other.exponent, other.format));
  }

  /** RoundUp: rounded away from zero to 10^scale units; a string kept as written stays if nothing changed. */
  roundUp(scale: number): Quantity {
    const rounded = roundUpTo(this.mantissa, this.exponent, scale);
    if (rounded.exact) return this;
    return new Quantity(rounded.mantissa, rounded.exponent, this.format);
  }

  /** The string kube-apiserver writes for this quantity. */
  toString(): string {
    return this.written ?? this.canonical();
  }

  toJSON(): string {
    return this.toString();
  }

  /** CanonicalizeBytes. */
  private canonical(): string {
    if (this.mantissa === 0n) return '0';
    const negative = this.mantissa < 0n;
    let magnitude = negative ? -this.mantissa : this.mantissa;
    const sign = negative ? '-' : '';
    let format = this.format;
    let integer: bigint | undefined;
    if (format === 'BinarySI') {
      const belowKi = this.exponent >= 0 ? magnitude * pow10(this.exponent) < 1024n : magnitude < 1024n * pow10(-this.exponent);
      if (belowKi) format = 'DecimalSI';
      else {
        const rounded = roundUpTo(magnitude, this.exponent, 0);
        if (!rounded.exact) format = 'DecimalSI';
        else integer = rounded.mantissa;
      }
    }
    if (format === 'BinarySI' && integer !== undefined) {
      let power = 0;
      while (integer !== 0n && integer % 1024n === 0n) {
        integer /= 1024n;
        power++;
      }
      return `${sign}${integer}${binaryByExponent.get(power) ?? ''}`;
    }
    let exponent = this.exponent;
    while (magnitude % 10n === 0n) {
      magnitude /= 10n;
      exponent++;
    }
    while (((exponent % 3) + 3) % 3 !== 0) {
      magnitude *= 10n;
      exponent--;
    }
    // A decimal exponent outside the SI table loses its suffix, as apimachinery writes it (1000E → 1).
    const suffix = format === 'DecimalSI' ? (decimalByExponent.get(exponent) ?? '') : exponent === 0 ? '' : `e${exponent}`;
    return `${sign}${magnitude}${suffix}`;
  }
}

/**
 * A Quantity field as Go's String() prints it in a column or a message: `0` when absent (the zero
 * Quantity), and text that is no quantity as given.
 */
export function quantityString(value: unknown): string {
  if (value === undefined || value === null) return '0';
  return Quantity.tryParse(value)?.toString() ?? String(value);
}

/** A Quantity's value in the unit the scheduler counts a resource in: millicores for cpu, units otherwise. */
export function resourceAmount(resource: string, text: string | number | undefined): bigint {
  if (text === undefined) return 0n;
  const milli = resource === 'cpu';
  const key = String(text);
  const known = amounts[milli ? 1 : 0];
  let amount = known.get(key);
  if (amount === undefined) {
    const quantity = Quantity.parse(key);
    amount = milli ? quantity.milliValue() : quantity.value();
    if (known.size >= amountsHeld) known.clear();
    known.set(key, amount);
  }
  return amount;
}

/** Amounts already worked out, in units and in milli-units: schedulers and quotas read the same few values over and over. */
const amounts = [new Map<string, bigint>(), new Map<string, bigint>()];
const amountsHeld = 4096;
