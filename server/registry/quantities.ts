// Quantities as kube-apiserver stores and returns them: wherever a built-in kind's schema says a
// field is a resource.Quantity, the value is decoded and written back in its string form; the
// values of resource lists (maps of quantities: requests, limits, capacity, hard...) are first
// rounded up to milli-units, as SetDefaults_ResourceList does for the groups whose defaulting has it.

import { builtinSchemaNames, resourceSchema, schemaNode } from '../../openapi/kubernetes.js';
import type { SchemaNode } from '../../openapi/schema.js';
import { errors } from '../errors.js';
import { isJsonObject } from '../json.js';
import { Quantity, QuantityError } from '../quantity.js';
import type { KubeObject } from '../store/types.js';
import type { ResourceDefinition } from './types.js';

/** Groups whose generated defaulting rounds resource lists (core/v1 and the groups embedding pod specs or volumes). */
const roundingGroups = new Set(['', 'apps', 'batch', 'extensions', 'storage.k8s.io']);

const holdsQuantity = new WeakMap<SchemaNode, boolean>();
/** The same answer by component name: a reference may resolve to a fresh node each time. */
const componentHoldsQuantity = new Map<string, boolean>();

const isQuantity = (node: SchemaNode) => node.component === builtinSchemaNames.quantity;

/** Whether values of this schema can contain a quantity (computed once per schema node). */
function mayHoldQuantity(node: SchemaNode): boolean {
  const known = node.component !== undefined ? componentHoldsQuantity.get(node.component) : holdsQuantity.get(node);
  if (known !== undefined) return known;
  const remember = (answer: boolean) => (node.component !== undefined ? componentHoldsQuantity.set(node.component, answer) : holdsQuantity.set(node, answer));
  // A schema that refers to itself (JSONSchemaProps) holds no quantity through the cycle.
  remember(false);
  const children = [...Object.keys(node.schema.properties ?? {}).map((k) => node.property(k)), node.items, node.values];
  const result = isQuantity(node) || children.some((child) => child !== undefined && mayHoldQuantity(child));
  remember(result);
  return result;
}

/** Canonical forms already worked out, with and without rounding: the same few values recur in every write. */
const canonicalForms = [new Map<string, string>(), new Map<string, string>()];
const canonicalFormsHeld = 4096;

function written(value: unknown, roundToMilli: boolean): unknown {
  if (typeof value !== 'string' && typeof value !== 'number') return value;
  const text = String(value);
  const known = canonicalForms[roundToMilli ? 1 : 0];
  let form = known.get(text);
  if (form === undefined) {
    const quantity = Quantity.parse(text.trim());
    form = (roundToMilli ? quantity.roundUp(-3) : quantity).toString();
    if (known.size >= canonicalFormsHeld) known.clear();
    known.set(text, form);
  }
  return form;
}

// Values already in canonical form (nearly all) are left in place, not written again.
function walk(value: unknown, node: SchemaNode, rounding: boolean): unknown {
  if (isQuantity(node)) return written(value, false);
  if (!mayHoldQuantity(node)) return value;
  if (Array.isArray(value)) {
    const items = node.items;
    if (items) {
      for (let i = 0; i < value.length; i++) {
        const next = walk(value[i], items, rounding);
        if (next !== value[i]) value[i] = next;
      }
    }
    return value;
  }
  if (!isJsonObject(value)) return value;
  if (node.isMap) {
    const values = node.values!;
    const resourceList = rounding && isQuantity(values);
    for (const key of Object.keys(value)) {
      const next = resourceList ? written(value[key], true) : walk(value[key], values, rounding);
      if (next !== value[key]) value[key] = next;
    }
    return value;
  }
  for (const key of Object.keys(value)) {
    const child = node.property(key);
    if (!child) continue;
    const next = walk(value[key], child, rounding);
    if (next !== value[key]) value[key] = next;
  }
  return value;
}

/** Writes every quantity of a built-in object in kube-apiserver's form; a value that is no quantity is a 400. */
export function canonicalQuantities(def: ResourceDefinition, object: KubeObject): void {
  if (!resourceSchema(def).goTypes) return;
  try {
    walk(object, schemaNode(def), roundingGroups.has(def.group));
  } catch (err) {
    if (!(err instanceof QuantityError)) throw err;
    throw errors.badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${err.message}`);
  }
}
