// resource.Quantity values for the CEL quantity library: parsed exactly into a fraction of bigints so
// that comparisons and sums are exact, as apimachinery's inf.Dec arithmetic is.

const binarySuffixes: Record<string, bigint> = { Ki: 2n ** 10n, Mi: 2n ** 20n, Gi: 2n ** 30n, Ti: 2n ** 40n, Pi: 2n ** 50n, Ei: 2n ** 60n };
const decimalExponents: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const quantityPattern = /^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  while (b) [a, b] = [b, a % b];
  return a;
}

export class Quantity {
  /** The value is numerator / denominator, denominator > 0, reduced. */
  private constructor(
    readonly numerator: bigint,
    readonly denominator: bigint,
    readonly text: string,
  ) {}

  static parse(text: string): Quantity | undefined {
    const m = quantityPattern.exec(text.trim() === text ? text : '');
    if (!m) return undefined;
    const [, sign, digits, suffix = ''] = m;
    const [whole, fraction = ''] = digits.split('.');
    let numerator = BigInt((whole || '0') + fraction) * (sign === '-' ? -1n : 1n);
    let denominator = 10n ** BigInt(fraction.length);
    if (binarySuffixes[suffix]) numerator *= binarySuffixes[suffix];
    else {
      const exponent = /^[eE]/.test(suffix) ? Number(suffix.slice(1)) : decimalExponents[suffix];
      if (Math.abs(exponent) > 1000) return undefined;
      if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
      else denominator *= 10n ** BigInt(-exponent);
    }
    return Quantity.of(numerator, denominator, text);
  }

  static of(numerator: bigint, denominator: bigint, text?: string): Quantity {
    const divisor = gcd(numerator, denominator) || 1n;
    const n = numerator / divisor;
    const d = denominator / divisor;
    return new Quantity(n, d, text ?? Quantity.format(n, d));
  }

  private static format(n: bigint, d: bigint): string {
    if (d === 1n) return n.toString();
    // A value with a fraction prints in milli, micro or nano units, the way Quantity's canonical form does.
    for (const [unit, scale] of [['m', 1000n], ['u', 1_000_000n], ['n', 1_000_000_000n]] as const) {
      if ((n * scale) % d === 0n) return `${(n * scale) / d}${unit}`;
    }
    return `${(n * 1_000_000_000n) / d}n`;
  }

  compare(other: Quantity): number {
    const left = this.numerator * other.denominator;
    const right = other.numerator * this.denominator;
    return left < right ? -1 : left > right ? 1 : 0;
  }

  add(other: Quantity): Quantity {
    return Quantity.of(this.numerator * other.denominator + other.numerator * this.denominator, this.denominator * other.denominator);
  }

  negate(): Quantity {
    return Quantity.of(-this.numerator, this.denominator);
  }

  sign(): number {
    return this.numerator < 0n ? -1 : this.numerator > 0n ? 1 : 0;
  }

  isInteger(): boolean {
    return this.denominator === 1n && this.numerator >= -(2n ** 63n) && this.numerator < 2n ** 63n;
  }

  toNumber(): number {
    return Number(this.numerator) / Number(this.denominator);
  }

  toString(): string {
    return this.text;
  }
}
