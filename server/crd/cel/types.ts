// The CEL types of a structural schema as Kubernetes declares them for x-kubernetes-validations
// (apiserver/pkg/cel/common/schemas.go): kinds, fields, and the two sizes its cost model reads, the
// largest number of elements a value may have (maxLength, maxItems, maxProperties, else what fits
// in a request) and the smallest its JSON can be.

import { isJsonObject } from '../../json.js';
import type { JSONSchemaProps } from '../schema/types.js';

export type CelKind =
  | 'bool'
  | 'int'
  | 'uint'
  | 'double'
  | 'string'
  | 'bytes'
  | 'null'
  | 'duration'
  | 'timestamp'
  | 'list'
  | 'map'
  | 'object'
  | 'dyn'
  | 'optional'
  | 'type'
  /** Kubernetes' library types: Quantity, URL, Format (structs to CEL), net.IP and net.CIDR (opaque). */
  | 'library';

export interface CelType {
  kind: CelKind;
  /** A library type's name (Quantity, URL, Format, NamedFormat, net.IP, net.CIDR). */
  name?: string;
  /** Object fields by their CEL name. */
  fields?: Map<string, CelType>;
  /** List and map elements, an optional's value. */
  elem?: CelType;
  key?: CelType;
  /** The most elements (string bytes, list items, map entries) a value can have; 0 where nothing bounds or counts it. */
  maxElements: number;
  /** The fewest bytes the value takes in JSON. */
  minSize: number;
}

/** The largest request kube-apiserver takes, which bounds every unbounded value. */
export const maxRequestBytes = 3 * 1024 * 1024;

const simple = (kind: CelKind, minSize: number, maxElements = 0): CelType => ({ kind, minSize, maxElements });

export const celTypes = {
  bool: simple('bool', 4),
  int: simple('int', 1),
  uint: simple('uint', 1),
  double: simple('double', 1),
  string: simple('string', 2),
  bytes: simple('bytes', 2),
  null: simple('null', 4),
  duration: simple('duration', 3),
  timestamp: simple('timestamp', 12),
  dyn: simple('dyn', 1),
  type: simple('type', 1),
};

export const listOf = (elem: CelType, maxElements = 0): CelType => ({ kind: 'list', elem, maxElements, minSize: 2 });
export const mapOf = (key: CelType, elem: CelType, maxElements = 0): CelType => ({ kind: 'map', key, elem, maxElements, minSize: 2 });
export const optionalOf = (elem: CelType): CelType => ({ kind: 'optional', elem, maxElements: 0, minSize: 1 });
export const library = (name: string): CelType => ({ kind: 'library', name, maxElements: 0, minSize: 1 });

const reserved = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

/** A property name as CEL expressions spell it (`__dash__` for `-`...), undefined when it cannot be spelled. */
export function celFieldName(name: string): string | undefined {
  if (name === '' || /^[0-9]/.test(name)) return undefined;
  if (reserved.has(name)) return `__${name}__`;
  if (/[^a-zA-Z0-9_\-./]/.test(name)) return undefined;
  return name.replace(/__|[-./]/g, (s) => ({ __: '__underscores__', '-': '__dash__', '.': '__dot__', '/': '__slash__' })[s]!);
}

const nonNegative = (n: number) => Math.max(0, n);
const stringBytes = (s: string) => Buffer.byteLength(s);

/** What an unbounded string of a format can hold. */
function stringLimit(schema: JSONSchemaProps): number {
  if (schema['x-kubernetes-int-or-string']) return maxRequestBytes - 2;
  switch (schema.format) {
    case 'duration':
    case 'date-time':
      return 32;
    case 'date':
      return 12;
    default:
      return maxRequestBytes - 2;
  }
}

/** kind, apiVersion and metadata (name and generateName) as every resource root has them. */
function withTypeAndObjectMeta(schema: JSONSchemaProps): JSONSchemaProps {
  const props = schema.properties ?? {};
  const meta = props.metadata;
  if (props.kind?.type === 'string' && props.apiVersion?.type === 'string' && meta?.type === 'object' && meta.properties?.name?.type === 'string' && meta.properties?.generateName?.type === 'string') return schema;
  return {
    ...schema,
    properties: {
      ...props,
      kind: { type: 'string' },
      apiVersion: { type: 'string' },
      metadata: { type: 'object', properties: { name: { type: 'string' }, generateName: { type: 'string' } } },
    },
  };
}

/** The CEL type of a schema node; undefined where CEL has none (no type, boolean additionalProperties only). */
export function schemaCelType(schema: JSONSchemaProps | undefined, resourceRoot: boolean): CelType | undefined {
  if (!schema) return undefined;
  if (schema['x-kubernetes-int-or-string']) return { kind: 'dyn', minSize: 1, maxElements: maxRequestBytes - 2 };
  const s = resourceRoot ? withTypeAndObjectMeta(schema) : schema;
  switch (s.type) {
    case 'array': {
      const elem = schemaCelType(s.items, !!s.items?.['x-kubernetes-embedded-resource']);
      if (!elem) return undefined;
      return listOf(elem, s.maxItems !== undefined ? nonNegative(s.maxItems) : Math.floor((maxRequestBytes - 2) / (elem.minSize + 1)));
    }
    case 'object': {
      if (isJsonObject(s.additionalProperties)) {
        const values = s.additionalProperties as JSONSchemaProps;
        const elem = schemaCelType(values, !!values['x-kubernetes-embedded-resource']);
        if (!elem) return undefined;
        return mapOf(celTypes.string, elem, s.maxProperties !== undefined ? nonNegative(s.maxProperties) : Math.floor((maxRequestBytes - 2) / (elem.minSize + 6)));
      }
      const required = new Set(s.required ?? []);
      const fields = new Map<string, CelType>();
      let minSize = 2;
      for (const [name, prop] of Object.entries(s.properties ?? {})) {
        const type = schemaCelType(prop, !!prop['x-kubernetes-embedded-resource']);
        if (!type) continue;
        const celName = celFieldName(name);
        if (celName !== undefined) fields.set(celName, type);
        if (required.has(name) && prop.default === undefined) minSize += stringBytes(name) + type.minSize + 4;
      }
      return { kind: 'object', fields, minSize, maxElements: 0 };
    }
    case 'string': {
      switch (s.format) {
        case 'byte':
          return simple('bytes', 2, s.maxLength !== undefined ? nonNegative(s.maxLength) : stringLimit(s));
        case 'duration':
          return simple('duration', 3, stringLimit(s));
        case 'date':
          return simple('timestamp', 12, stringLimit(s));
        case 'date-time':
          return simple('timestamp', 21, stringLimit(s));
      }
      // maxLength counts runes, sizes count bytes: a rune takes up to 4.
      if (s.maxLength !== undefined) return simple('string', 2, nonNegative(s.maxLength) * 4);
      if (s.enum?.length) return simple('string', 2, Math.max(0, ...s.enum.map((v) => (typeof v === 'string' ? stringBytes(v) : 0))));
      return simple('string', 2, stringLimit(s));
    }
    case 'boolean':
      return celTypes.bool;
    case 'number':
      return celTypes.double;
    case 'integer':
      return celTypes.int;
  }
  return undefined;
}
