// resource.Quantity from apimachinery: `100m`, `1.5Gi`, `2e3`, `64M`. Values are kept exactly as a
// count of nano-units (BigInt), which every suffix Kubernetes accepts can express; finer values round
// up to the next nano-unit, as Quantity rounds.

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };

const quantityPattern = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;
const nanoDigits = 9;
const nano = 10n ** BigInt(nanoDigits);

export class QuantityError extends Error {}

/** A parsed Quantity: its exact value in nano-units. */
export class Quantity {
  constructor(readonly nanos: bigint) {}

  /** The value in whole units, rounded up (Quantity.Value). */
  value(): bigint {
    return ceilDiv(this.nanos, nano);
  }

  /** The value in thousandths, rounded up (Quantity.MilliValue): how CPU is counted. */
  milliValue(): bigint {
    return ceilDiv(this.nanos, 10n ** 6n);
  }

  isZero(): boolean {
    return this.nanos === 0n;
  }
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

/** Parses a Quantity the way resource.ParseQuantity does; throws QuantityError on malformed text. */
export function parseQuantity(text: string): Quantity {
  const match = quantityPattern.exec(text.trim() === text ? text : '');
  if (!match || text === '') throw new QuantityError('quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'');
  const [, sign, number, suffix, exponent] = match;
  const [whole, fraction = ''] = number.split('.');
  // digits × 10^(scale) is the plain number; fold in the suffix, then express it in nano-units.
  let digits = BigInt((whole || '0') + fraction);
  let scale = -fraction.length;
  let multiplier = 1n;
  if (suffix && suffix in binarySuffixes) multiplier = binarySuffixes[suffix];
  else if (suffix !== undefined) scale += decimalSuffixes[suffix];
  if (exponent !== undefined) scale += Number(exponent);
  if (Math.abs(scale) > 40 || digits > 10n ** 40n) throw new QuantityError('quantity is too large');
  digits *= multiplier;
  const shift = scale + nanoDigits;
  let nanos: bigint;
  if (shift >= 0) nanos = digits * 10n ** BigInt(shift);
  else nanos = ceilDiv(digits, 10n ** BigInt(-shift));
  return new Quantity(sign === '-' ? -nanos : nanos);
}

/** A Quantity's value in the unit the scheduler counts a resource in: millicores for cpu, units otherwise. */
export function resourceAmount(resource: string, text: string | number | undefined): bigint {
  if (text === undefined) return 0n;
  const quantity = parseQuantity(String(text));
  return resource === 'cpu' ? quantity.milliValue() : quantity.value();
}
