// Prints a JSON object as the Go value it decodes to, the way go-spew's `%#v` prints it with the
// settings kube-controller-manager hashes with (apimachinery's dump.ForHash: types shown, methods
// disabled, map keys sorted). The pod-template-hash of a Deployment's ReplicaSets is a hash of this
// text, so names only match a real cluster's when every byte does. The Go layout of the types comes
// from tools/template-hash (go-layout.ts).

import { type GoQuantityFields, Quantity, QuantityError } from '../quantity.js';

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

/** A big.Int's magnitude as its little-endian 64-bit words (big.nat). */
function natWords(magnitude: bigint): string {
  if (magnitude === 0n) return '<nil>';
  const words: string[] = [];
  for (let rest = magnitude; rest > 0n; rest >>= 64n) words.push((rest & 0xffffffffffffffffn).toString());
  return `[${words.join(' ')}]`;
}

function quantityFields(value: Json): string {
  let parsed: GoQuantityFields | { value: bigint; scale: number; dec?: undefined; cached: string; format: '' } = { value: 0n, scale: 0, cached: '', format: '' };
  try {
    if (typeof value === 'string' || typeof value === 'number') parsed = Quantity.parse(String(value)).goFields();
  } catch (err) {
    if (!(err instanceof QuantityError)) throw err;
  }
  const dec = parsed.dec
    ? `(*inf.Dec){unscaled:(big.Int){neg:(bool)${parsed.dec.unscaled < 0n} abs:(big.nat)${natWords(parsed.dec.unscaled < 0n ? -parsed.dec.unscaled : parsed.dec.unscaled)}} scale:(inf.Scale)${parsed.dec.scale}}`
    : '(*inf.Dec)<nil>';
  return (
    `{i:(resource.int64Amount){value:(int64)${parsed.value} scale:(resource.Scale)${parsed.scale}} ` +
    `d:(resource.infDecAmount){Dec:${dec}} s:(string)${parsed.cached} Format:(resource.Format)${parsed.format}}`
  );
}
