// Schemas as kube-apiserver publishes them (OpenAPI v3 component schemas) and a resolved view of
// them that the readers of a kind's schema walk: field validation and pruning, strategic merge
// patch, server-side apply, Go's encoding of built-in types, and quantity canonicalization.

import { isJsonObject } from '../server/json.js';

export interface GroupVersionKind {
  group: string;
  kind: string;
  version: string;
}

/** An OpenAPI v3 schema object, structural as Kubernetes uses it. */
export interface Schema {
  $ref?: string;
  type?: 'array' | 'boolean' | 'integer' | 'number' | 'object' | 'string';
  format?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  [extension: `x-${string}`]: unknown;
}

export const schemaRefPrefix = '#/components/schemas/';

export function schemaRef(name: string): Schema {
  return { $ref: `${schemaRefPrefix}${name}` };
}

/** The component a schema refers to: `$ref`, or `allOf: [{$ref}]`, the form v3 uses when a reference has siblings. */
export function referencedComponent(schema: Schema): string | undefined {
  const ref = schema.$ref ?? (schema.allOf?.length === 1 ? schema.allOf[0].$ref : undefined);
  return ref?.startsWith(schemaRefPrefix) ? ref.slice(schemaRefPrefix.length) : undefined;
}

/**
 * How Go writes one field of a struct: `omitEmpty` leaves it out when empty ("", 0, false, [] or
 * {}), `pointer` only when unset, `always` writes it, as `zero` when unset (`struct` fills in a
 * struct's own fields).
 */
export type GoField =
  | { name: string; mode: 'omitEmpty' | 'pointer' }
  | { name: string; mode: 'always'; zero: unknown };

/** The zero of a struct-valued field, filled in from the struct's own fields. */
export const structZero: unique symbol = Symbol('struct zero');

/** Reads the generated field list (see tools/openapi-schema): `name`, `name*` or `name!<zero JSON>`. */
export function parseGoFields(text: string): GoField[] {
  if (!text) return [];
  return text.split(',').map((entry) => {
    const always = entry.indexOf('!');
    if (always >= 0) {
      const zero = entry.slice(always + 1);
      return { name: entry.slice(0, always), mode: 'always', zero: zero === '{}' ? structZero : JSON.parse(zero) };
    }
    if (entry.endsWith('*')) return { name: entry.slice(0, -1), mode: 'pointer' };
    return { name: entry, mode: 'omitEmpty' };
  });
}

/** Where component names resolve: a catalog of named schemas, optionally beside another one. */
export class SchemaComponents {
  private readonly nodes = new Map<string, SchemaNode | undefined>();
  private readonly fields = new Map<string, GoField[] | undefined>();

  constructor(
    private readonly own: (name: string) => Schema | undefined,
    private readonly ownGoFields: (name: string) => string | undefined = () => undefined,
    private readonly fallback?: SchemaComponents,
  ) {}

  /** The component schema of that name, as published. */
  schema(name: string): Schema | undefined {
    return this.own(name) ?? this.fallback?.schema(name);
  }

  /** The resolved view of a component. */
  node(name: string): SchemaNode | undefined {
    if (!this.nodes.has(name)) {
      const schema = this.schema(name);
      this.nodes.set(name, schema && new SchemaNode(schema, name, this));
    }
    return this.nodes.get(name);
  }

  /** How Go writes a built-in struct's fields, in order; undefined for other components. */
  goFields(name: string): GoField[] | undefined {
    if (!this.fields.has(name)) {
      const text = this.own(name) ? this.ownGoFields(name) : undefined;
      this.fields.set(name, text !== undefined ? parseGoFields(text) : this.fallback?.goFields(name));
    }
    return this.fields.get(name);
  }

  /** The view of a schema found inside a component (a property, items): references resolved, siblings kept. */
  resolve(schema: Schema): SchemaNode {
    const component = referencedComponent(schema);
    if (component === undefined) return new SchemaNode(schema, undefined, this);
    const target = this.node(component);
    const { $ref: _ref, allOf: _allOf, ...siblings } = schema;
    if (!target) return new SchemaNode(siblings, undefined, this);
    if (Object.keys(siblings).length === 0) return target;
    return new SchemaNode({ ...target.schema, ...siblings }, component, this);
  }
}

/**
 * A schema with its references resolved, walked lazily and once: the nodes of a component and of
 * its properties are kept, so every reader of a kind shares one graph.
 */
export class SchemaNode {
  private propertyNodes?: Map<string, SchemaNode | undefined>;
  private itemNode?: SchemaNode | null;
  private valueNode?: SchemaNode | null;

  constructor(
    /** The schema, a referenced component's keywords merged under the referring schema's own. */
    readonly schema: Schema,
    /** The component it is (io.k8s.api.core.v1.PodSpec), if any. */
    readonly component: string | undefined,
    readonly components: SchemaComponents,
  ) {}

  /** The schema of a declared property. */
  property(name: string): SchemaNode | undefined {
    const properties = this.schema.properties;
    if (!properties || !Object.hasOwn(properties, name)) return undefined;
    this.propertyNodes ??= new Map();
    if (!this.propertyNodes.has(name)) this.propertyNodes.set(name, this.components.resolve(properties[name]));
    return this.propertyNodes.get(name);
  }

  /** The schema of a list's items. */
  get items(): SchemaNode | undefined {
    if (this.itemNode === undefined) this.itemNode = this.schema.items ? this.components.resolve(this.schema.items) : null;
    return this.itemNode ?? undefined;
  }

  /** The schema of a map's values (additionalProperties). */
  get values(): SchemaNode | undefined {
    if (this.valueNode === undefined) {
      const additional = this.schema.additionalProperties;
      this.valueNode = isJsonObject(additional) ? this.components.resolve(additional) : null;
    }
    return this.valueNode ?? undefined;
  }

  /** The schema of the value under `key` of an object: a property, or a map's value. */
  child(key: string): SchemaNode | undefined {
    return this.property(key) ?? (this.schema.properties ? undefined : this.values);
  }

  /** A string-keyed map (additionalProperties), as opposed to a struct. */
  get isMap(): boolean {
    return !this.schema.properties && this.values !== undefined;
  }

  /** How a list merges under server-side apply; lists without a type are atomic. */
  get listType(): 'atomic' | 'set' | 'map' {
    return this.schema['x-kubernetes-list-type'] ?? 'atomic';
  }

  /** The keys identifying the items of a `map` list. */
  get listMapKeys(): string[] | undefined {
    return this.listType === 'map' ? this.schema['x-kubernetes-list-map-keys'] : undefined;
  }

  /** A map or struct replaced whole by server-side apply. */
  get atomicObject(): boolean {
    return this.schema['x-kubernetes-map-type'] === 'atomic';
  }

  /** Fields this object keeps though its schema does not declare them. */
  get preservesUnknownFields(): boolean {
    return this.schema['x-kubernetes-preserve-unknown-fields'] === true;
  }

  /** How Go writes the fields of this struct, for built-in types. */
  get goFields(): GoField[] | undefined {
    return this.component === undefined ? undefined : this.components.goFields(this.component);
  }
}

export type SchemaVisitor = (value: unknown, node: SchemaNode, path: string, replace: (next: unknown) => void) => void;

/**
 * Calls `visit` for `value` and every value inside it that the schema describes (parents first),
 * with its node, its path (`spec.containers[0].resources.limits[cpu]`) and a way to replace it.
 * Values the schema does not describe are not visited.
 */
export function visitSchema(node: SchemaNode, value: unknown, visit: SchemaVisitor): void {
  const walk = (given: unknown, at: SchemaNode, path: string, replace: (next: unknown) => void): void => {
    let current = given;
    visit(current, at, path, (next) => {
      replace(next);
      current = next;
    });
    if (Array.isArray(current)) {
      const items = at.items;
      if (!items) return;
      const list = current;
      list.forEach((item, i) => walk(item, items, `${path}[${i}]`, (next) => (list[i] = next)));
    } else if (isJsonObject(current)) {
      const object = current;
      for (const key of Object.keys(object)) {
        const child = at.child(key);
        if (!child) continue;
        const childPath = at.isMap ? `${path}[${key}]` : path ? `${path}.${key}` : key;
        walk(object[key], child, childPath, (next) => (object[key] = next));
      }
    }
  };
  walk(value, node, '', () => {
    throw new Error('the root value cannot be replaced');
  });
}
