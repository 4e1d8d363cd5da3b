// Decodes Kubernetes protobuf request bodies (application/vnd.kubernetes.protobuf) into the JSON
// object the same resource would be. The field layout of every message comes from schema.ts,
// generated from the Go API types by tools/proto-schema.

import { errors, type StatusError } from '../errors.js';
import { schema } from './schema.js';

/** How a field's value reads off the wire and what JSON it becomes. */
export type FieldKind =
  | 'str'
  | 'int'
  | 'bool'
  | 'bytes'
  | 'msg'
  | 'map'
  // Well-known types whose JSON is not their fields:
  | 'time'
  | 'microtime'
  | 'rawjson'
  | 'intorstring'
  | 'quantity';

export interface FieldSchema {
  /** JSON name; empty for an inlined struct. */
  n: string;
  k: FieldKind;
  /** A list. */
  r?: boolean;
  /** A non-pointer scalar tagged omitempty: always on the wire, left out of the JSON when zero. */
  z?: boolean;
  /** An embedded struct whose fields the JSON lifts into the parent. */
  i?: boolean;
  /** The message of a msg field, or of a map's values. */
  t?: string;
  /** A map's value kind; `list:` marks a named list sent as a message wrapping it in field 1. */
  v?: FieldKind | `list:${FieldKind}`;
}

/** The decoding table, each entry as JSON text: parsed the first time a body needs it. */
export interface ProtobufSchemaText {
  /** apiVersion → JSON of kind → message name. */
  roots: Record<string, string>;
  /** message name → JSON of field number → field. */
  messages: Record<string, string>;
}

function parsedEntries<T>(texts: Record<string, string>): (name: string) => T | undefined {
  const parsed = new Map<string, T>();
  return (name) => {
    if (!Object.hasOwn(texts, name)) return undefined;
    let entry = parsed.get(name);
    if (entry === undefined) parsed.set(name, (entry = JSON.parse(texts[name]) as T));
    return entry;
  };
}

const rootMessages = parsedEntries<Record<string, string>>(schema.roots);
const messageFields = parsedEntries<Record<number, FieldSchema>>(schema.messages);

export const protobufMediaType = 'application/vnd.kubernetes.protobuf';

const magic = Buffer.from('k8s\0', 'latin1');

const wireVarint = 0;
const wireFixed64 = 1;
const wireLengthDelimited = 2;
const wireFixed32 = 5;

function malformed(message: string): StatusError {
  return errors.badRequest(`invalid protobuf body: ${message}`);
}

/** Reads protobuf wire primitives from one message's bytes. */
class WireReader {
  private offset = 0;

  constructor(private readonly bytes: Buffer) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  varint(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.bytes[this.offset++];
      if (byte === undefined) throw malformed('truncated varint');
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
    throw malformed('varint longer than 10 bytes');
  }

  tag(): { fieldNumber: number; wireType: number } {
    const tag = this.varint();
    const fieldNumber = Number(tag >> 3n);
    if (fieldNumber === 0 || tag > 0xffffffffn) throw malformed(`bad field tag ${tag}`);
    return { fieldNumber, wireType: Number(tag & 7n) };
  }

  lengthDelimited(): Buffer {
    const length = this.varint();
    if (length > BigInt(this.bytes.length - this.offset)) throw malformed('length runs past the end of the message');
    const start = this.offset;
    this.offset += Number(length);
    return this.bytes.subarray(start, this.offset);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case wireVarint:
        this.varint();
        return;
      case wireFixed64:
        this.advance(8);
        return;
      case wireLengthDelimited:
        this.lengthDelimited();
        return;
      case wireFixed32:
        this.advance(4);
        return;
      default:
        throw malformed(`unsupported wire type ${wireType}`);
    }
  }

  private advance(count: number): void {
    if (this.offset + count > this.bytes.length) throw malformed('fixed-width value runs past the end of the message');
    this.offset += count;
  }
}

/** Every field of a message as raw wire values, in wire order: enough for the small well-known types. */
function readFields(bytes: Buffer): Map<number, Array<bigint | Buffer>> {
  const fields = new Map<number, Array<bigint | Buffer>>();
  const reader = new WireReader(bytes);
  while (!reader.done) {
    const { fieldNumber, wireType } = reader.tag();
    let value: bigint | Buffer;
    if (wireType === wireVarint) value = reader.varint();
    else if (wireType === wireLengthDelimited) value = reader.lengthDelimited();
    else {
      reader.skip(wireType);
      continue;
    }
    const values = fields.get(fieldNumber) ?? [];
    values.push(value);
    fields.set(fieldNumber, values);
  }
  return fields;
}

function lastInt(fields: Map<number, Array<bigint | Buffer>>, fieldNumber: number): number | undefined {
  const value = fields.get(fieldNumber)?.at(-1);
  if (value === undefined) return undefined;
  if (typeof value !== 'bigint') throw malformed(`field ${fieldNumber} should be a varint`);
  return Number(BigInt.asIntN(64, value));
}

function lastBytes(fields: Map<number, Array<bigint | Buffer>>, fieldNumber: number): Buffer | undefined {
  const value = fields.get(fieldNumber)?.at(-1);
  if (value === undefined) return undefined;
  if (typeof value === 'bigint') throw malformed(`field ${fieldNumber} should be length-delimited`);
  return value;
}

/** metav1.Time and MicroTime: {1: seconds, 2: nanos}; no fields at all is the zero time, JSON null. */
function decodeTime(bytes: Buffer, fractionDigits: 0 | 6): string | null {
  if (bytes.length === 0) return null;
  const fields = readFields(bytes);
  const seconds = lastInt(fields, 1) ?? 0;
  const nanos = lastInt(fields, 2) ?? 0;
  const date = new Date(seconds * 1000);
  // RFC 3339 has four-digit years, as Go's time formatting does.
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= 9999) || nanos < 0 || nanos > 999_999_999) throw malformed(`time out of range: ${seconds}s ${nanos}ns`);
  const wholeSeconds = date.toISOString().slice(0, 19);
  const fraction = fractionDigits ? `.${String(Math.floor(nanos / 1000)).padStart(6, '0')}` : '';
  return `${wholeSeconds}${fraction}Z`;
}

/** runtime.RawExtension and metav1.FieldsV1: {1: raw JSON}. */
function decodeRawJson(bytes: Buffer): unknown {
  const raw = lastBytes(readFields(bytes), 1);
  if (!raw || raw.length === 0) return null;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw malformed(`embedded JSON does not parse: ${(err as Error).message}`);
  }
}

/** intstr.IntOrString: {1: type (1 = string), 2: intVal, 3: strVal}. */
function decodeIntOrString(bytes: Buffer): number | string {
  const fields = readFields(bytes);
  if (lastInt(fields, 1) === 1) return lastBytes(fields, 3)?.toString('utf8') ?? '';
  return lastInt(fields, 2) ?? 0;
}

/** resource.Quantity: {1: the canonical string}. */
function decodeQuantity(bytes: Buffer): string {
  return lastBytes(readFields(bytes), 1)?.toString('utf8') ?? '0';
}

function expectWireType(actual: number, expected: number, where: string): void {
  if (actual !== expected) throw malformed(`${where} has wire type ${actual}, expected ${expected}`);
}

/** One value of a scalar kind read as a varint. */
function varintValue(kind: FieldKind, value: bigint): number | boolean {
  return kind === 'bool' ? value !== 0n : Number(BigInt.asIntN(64, value));
}

/** One value of a kind carried length-delimited. */
function lengthDelimitedValue(kind: FieldKind, bytes: Buffer, typeName: string | undefined, where: string): unknown {
  switch (kind) {
    case 'str':
      return bytes.toString('utf8');
    case 'bytes':
      return bytes.toString('base64');
    case 'msg':
      return decodeMessage(bytes, typeName ?? '');
    case 'time':
      return decodeTime(bytes, 0);
    case 'microtime':
      return decodeTime(bytes, 6);
    case 'rawjson':
      return decodeRawJson(bytes);
    case 'intorstring':
      return decodeIntOrString(bytes);
    case 'quantity':
      return decodeQuantity(bytes);
    default:
      throw malformed(`${where} should be a varint`);
  }
}

/** Reads one value of a field; a repeated varint field may arrive packed, giving several. */
function readValues(reader: WireReader, wireType: number, kind: FieldKind, typeName: string | undefined, repeated: boolean, where: string): unknown[] {
  const isVarintKind = kind === 'int' || kind === 'bool';
  if (isVarintKind && repeated && wireType === wireLengthDelimited) {
    const packed = new WireReader(reader.lengthDelimited());
    const values: unknown[] = [];
    while (!packed.done) values.push(varintValue(kind, packed.varint()));
    return values;
  }
  if (isVarintKind) {
    expectWireType(wireType, wireVarint, where);
    return [varintValue(kind, reader.varint())];
  }
  expectWireType(wireType, wireLengthDelimited, where);
  return [lengthDelimitedValue(kind, reader.lengthDelimited(), typeName, where)];
}

/** A map entry {1: key, 2: value}; a missing value is the value kind's zero. */
function decodeMapEntry(bytes: Buffer, field: FieldSchema, where: string): [string, unknown] {
  const valueKind = field.v ?? 'str';
  const listed = valueKind.startsWith('list:');
  const elementKind = (listed ? valueKind.slice('list:'.length) : valueKind) as FieldKind;
  const reader = new WireReader(bytes);
  let key = '';
  let value: unknown;
  while (!reader.done) {
    const { fieldNumber, wireType } = reader.tag();
    if (fieldNumber === 1) {
      expectWireType(wireType, wireLengthDelimited, `${where} key`);
      key = reader.lengthDelimited().toString('utf8');
    } else if (fieldNumber === 2 && listed) {
      expectWireType(wireType, wireLengthDelimited, `${where} value`);
      value = decodeWrappedList(reader.lengthDelimited(), elementKind, field.t, `${where} value`);
    } else if (fieldNumber === 2) {
      value = readValues(reader, wireType, elementKind, field.t, false, `${where} value`)[0];
    } else {
      reader.skip(wireType);
    }
  }
  if (value === undefined) value = listed ? [] : zeroValue(elementKind, field.t, where);
  return [key, value];
}

/** A named list as a map value: a message whose field 1 repeats the elements. */
function decodeWrappedList(bytes: Buffer, elementKind: FieldKind, typeName: string | undefined, where: string): unknown[] {
  const items: unknown[] = [];
  const reader = new WireReader(bytes);
  while (!reader.done) {
    const { fieldNumber, wireType } = reader.tag();
    if (fieldNumber === 1) items.push(...readValues(reader, wireType, elementKind, typeName, true, where));
    else reader.skip(wireType);
  }
  return items;
}

function zeroValue(kind: FieldKind, typeName: string | undefined, where: string): unknown {
  if (kind === 'int') return 0;
  if (kind === 'bool') return false;
  return lengthDelimitedValue(kind, Buffer.alloc(0), typeName, where);
}

function isZero(value: unknown): boolean {
  return value === '' || value === 0 || value === false;
}

function decodeMessage(bytes: Buffer, typeName: string): Record<string, unknown> {
  const fields = messageFields(typeName);
  if (!fields) throw malformed(`no schema for message ${typeName}`);
  const object: Record<string, unknown> = {};
  const reader = new WireReader(bytes);
  while (!reader.done) {
    const { fieldNumber, wireType } = reader.tag();
    const field = fields[fieldNumber];
    if (!field) {
      reader.skip(wireType);
      continue;
    }
    const where = `${typeName} field ${fieldNumber} (${field.n || 'inline'})`;
    if (field.k === 'map') {
      expectWireType(wireType, wireLengthDelimited, where);
      const [key, value] = decodeMapEntry(reader.lengthDelimited(), field, where);
      const map = (object[field.n] ??= {}) as Record<string, unknown>;
      map[key] = value;
      continue;
    }
    const values = readValues(reader, wireType, field.k, field.t, field.r ?? false, where);
    if (field.i) {
      Object.assign(object, values[0]);
    } else if (field.r) {
      ((object[field.n] ??= []) as unknown[]).push(...values);
    } else if (field.z && isZero(values[0])) {
      delete object[field.n];
    } else {
      object[field.n] = values[0];
    }
  }
  return object;
}

/** The envelope: runtime.Unknown {1: typeMeta {1: apiVersion, 2: kind}, 2: raw, 3: contentEncoding, 4: contentType}. */
function readEnvelope(bytes: Buffer): { apiVersion: string; kind: string; raw: Buffer } {
  const envelope = readFields(bytes);
  const typeMeta = readFields(lastBytes(envelope, 1) ?? Buffer.alloc(0));
  const text = (fields: Map<number, Array<bigint | Buffer>>, fieldNumber: number) => lastBytes(fields, fieldNumber)?.toString('utf8') ?? '';
  const contentEncoding = text(envelope, 3);
  const contentType = text(envelope, 4);
  if (contentEncoding) throw malformed(`unsupported content encoding "${contentEncoding}"`);
  if (contentType && contentType !== protobufMediaType) throw malformed(`unsupported embedded content type "${contentType}"`);
  return { apiVersion: text(typeMeta, 1), kind: text(typeMeta, 2), raw: lastBytes(envelope, 2) ?? Buffer.alloc(0) };
}

/** Decodes a whole request body: the `k8s\0` magic, then a runtime.Unknown envelope. */
export function decodeKubernetesProtobuf(bytes: Buffer): Record<string, unknown> {
  if (!bytes.subarray(0, magic.length).equals(magic)) throw malformed('missing the k8s\\0 prefix');
  const { apiVersion, kind, raw } = readEnvelope(bytes.subarray(magic.length));
  if (!kind) throw errors.badRequest("Object 'Kind' is missing in protobuf envelope");
  const typeName = rootMessages(apiVersion)?.[kind];
  if (!typeName) throw errors.badRequest(`no protobuf decoding for apiVersion "${apiVersion}", kind "${kind}"`);
  return { kind, apiVersion, ...decodeMessage(raw, typeName) };
}
