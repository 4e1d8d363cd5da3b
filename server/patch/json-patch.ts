// RFC 6902 JSON patch (application/json-patch+json) as kube-apiserver applies it, with
// evanphx/json-patch v4's semantics rather than the RFC's where they differ: `replace` of a missing
// key in an object adds it, `copy` from a missing key copies null, `test` of a missing key against
// null passes, negative array indexes count from the end, a path's first segment is dropped (so
// `data/a` names the top-level `a`). Any failure is the same generic 422.
//
// The patched document is also written as that library writes it (goText): the objects a patch
// walked through with their keys sorted (they went through a Go map), the rest as it was.

import { errors } from '../errors.js';
import { isJsonObject, jsonEqual, type JsonObject } from '../json.js';

type Container = JsonObject | unknown[];

class PatchFailure extends Error {}

const missing = Symbol('missing');

/** The operations kube-apiserver decodes strictly (handlers.jsonPatchOp) and their string fields. */
const operationFields = ['op', 'path', 'from', 'value'];
const stringFields = new Set(['op', 'path', 'from']);

/** Go's name for a JSON value's kind in unmarshal errors. */
function goKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value === 'object' ? 'object' : typeof value;
}

/**
 * Decodes the body as kube-apiserver's []jsonPatchOp under fieldValidation Strict or Warn: returns
 * the paths of unknown fields (`[0].extra`; repeated ones come from the JSON decoder), throws a 400
 * for what cannot be decoded at all.
 */
export function checkPatchOperations(body: unknown): string[] {
  const undecodable = (what: string) => errors.badRequest(`error decoding patch: json: cannot unmarshal ${what}`);
  if (body === null) return [];
  if (!Array.isArray(body)) throw undecodable(`${goKind(body)} into Go value of type []handlers.jsonPatchOp`);
  const problems: string[] = [];
  body.forEach((operation, i) => {
    if (operation === null) return;
    if (!isJsonObject(operation)) throw undecodable(`${goKind(operation)} into Go value of type handlers.jsonPatchOp`);
    for (const [key, value] of Object.entries(operation)) {
      if (!operationFields.includes(key)) problems.push(`[${i}].${key}`);
      else if (stringFields.has(key) && value !== null && typeof value !== 'string') {
        throw undecodable(`${goKind(value)} into Go struct field jsonPatchOp.${key} of type string`);
      }
    }
  });
  return problems;
}

/** The segments of a JSON pointer as the library splits it: everything after the first `/`-separated part. */
function segments(path: string): string[] | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  return split.slice(1).map((part) => part.replace(/~1|~0/g, (escape) => (escape === '~1' ? '/' : '~')));
}

/** strconv.Atoi: an optional sign and decimal digits. */
function index(key: string): number {
  if (!/^[+-]?\d+$/.test(key)) throw new PatchFailure(`invalid index ${key}`);
  return Number(key);
}

class Application {
  /** Containers the patch walked through: the library holds them as Go maps and writes them sorted. */
  readonly converted = new Set<object>();
  root: Container;

  constructor(document: JsonObject) {
    this.root = document;
    this.converted.add(document);
  }

  /** The container holding the last segment of `path`, and that segment. */
  private locate(path: unknown): [Container, string] {
    if (typeof path !== 'string') throw new PatchFailure('path must be a string');
    const parts = segments(path);
    if (!parts) throw new PatchFailure(`missing path ${path}`);
    let node: unknown = this.root;
    for (const part of parts.slice(0, -1)) {
      const next = this.read(node as Container, part);
      if (next === missing || next === null || typeof next !== 'object') throw new PatchFailure(`missing path ${path}`);
      this.converted.add(next);
      node = next;
    }
    return [node as Container, parts[parts.length - 1]];
  }

  /** A key's value (`missing` when an object lacks it); a bad array index fails. */
  private read(container: Container, key: string): unknown {
    if (!Array.isArray(container)) return Object.hasOwn(container, key) ? container[key] : missing;
    let at = index(key);
    if (at < 0) {
      if (at < -container.length) throw new PatchFailure('index out of range');
      at += container.length;
    }
    if (at >= container.length) throw new PatchFailure('index out of range');
    return container[at];
  }

  private add(container: Container, key: string, value: unknown): void {
    if (!Array.isArray(container)) {
      container[key] = value;
      return;
    }
    if (key === '-') {
      container.push(value);
      return;
    }
    let at = index(key);
    const size = container.length + 1;
    if (at >= size) throw new PatchFailure('index out of range');
    if (at < 0) {
      if (at < -size) throw new PatchFailure('index out of range');
      at += size;
    }
    container.splice(at, 0, value);
  }

  private remove(container: Container, key: string): void {
    if (!Array.isArray(container)) {
      if (!Object.hasOwn(container, key)) throw new PatchFailure(`missing key ${key}`);
      delete container[key];
      return;
    }
    let at = index(key);
    if (at >= container.length) throw new PatchFailure('index out of range');
    if (at < 0) {
      if (at < -container.length) throw new PatchFailure('index out of range');
      at += container.length;
    }
    container.splice(at, 1);
  }

  private set(container: Container, key: string, value: unknown): void {
    if (!Array.isArray(container)) {
      container[key] = value;
      return;
    }
    let at = index(key);
    if (at < 0) at += container.length;
    container[at] = value;
  }

  /** The library compares by walking both values, which turns every object inside into a Go map. */
  private convertAll(value: unknown): void {
    if (value === null || typeof value !== 'object') return;
    this.converted.add(value);
    for (const child of Object.values(value)) this.convertAll(child);
  }

  /** A copy as the library makes it: the value written out and read back, so walked objects come sorted. */
  private copyOf(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.copyOf(item));
    if (!isJsonObject(value)) return value;
    const keys = this.converted.has(value) ? Object.keys(value).sort() : Object.keys(value);
    return Object.fromEntries(keys.map((k) => [k, this.copyOf(value[k])]));
  }

  apply(operation: JsonObject): void {
    const value = Object.hasOwn(operation, 'value') ? operation.value : undefined;
    switch (operation.op) {
      case 'add': {
        const [container, key] = this.locate(operation.path);
        this.add(container, key, value ?? null);
        return;
      }
      case 'remove': {
        const [container, key] = this.locate(operation.path);
        this.remove(container, key);
        return;
      }
      case 'replace': {
        if (operation.path === '') {
          if (value === undefined) throw new PatchFailure('replace needs a value');
          // The library means to refuse a scalar here but returns no error: the document stays as it is.
          if (value === null || typeof value !== 'object') return;
          this.root = value as Container;
          this.converted.add(value);
          return;
        }
        const [container, key] = this.locate(operation.path);
        this.read(container, key);
        this.set(container, key, value ?? null);
        return;
      }
      case 'move': {
        const [from, fromKey] = this.locate(operation.from);
        const moved = this.read(from, fromKey);
        this.remove(from, fromKey);
        const [to, toKey] = this.locate(operation.path);
        this.add(to, toKey, moved === missing ? null : moved);
        return;
      }
      case 'copy': {
        const [from, fromKey] = this.locate(operation.from);
        const copied = this.read(from, fromKey);
        const [to, toKey] = this.locate(operation.path);
        this.add(to, toKey, copied === missing ? null : this.copyOf(copied));
        return;
      }
      case 'test': {
        if (!Object.hasOwn(operation, 'value')) throw new PatchFailure('test needs a value');
        let actual: unknown;
        if (operation.path === '') actual = this.root;
        else {
          const [container, key] = this.locate(operation.path);
          actual = this.read(container, key);
        }
        // A missing key, or one holding null, equals null.
        if (actual === missing || actual === null) {
          if (value === null) return;
          throw new PatchFailure('test failed');
        }
        this.convertAll(actual);
        if (!jsonEqual(actual, value)) throw new PatchFailure('test failed');
        return;
      }
      default:
        throw new PatchFailure(`unexpected kind ${String(operation.op)}`);
    }
  }
}

/** json.Marshal's string escaping: HTML characters and the JavaScript line separators too. */
function goString(value: string): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** JSON text with the keys of `sorted` objects in order, every other object as it is. */
export function goText(value: unknown, sorted: Set<object>): string {
  if (Array.isArray(value)) return `[${value.map((item) => goText(item, sorted)).join(',')}]`;
  if (isJsonObject(value)) {
    const keys = sorted.has(value) ? Object.keys(value).sort() : Object.keys(value);
    return `{${keys.map((k) => `${goString(k)}:${goText(value[k], sorted)}`).join(',')}}`;
  }
  return typeof value === 'string' ? goString(value) : JSON.stringify(value);
}

/** kube-apiserver's limit on the operations of one JSON patch. */
const maxOperations = 10_000;

export interface PatchedDocument {
  /** The patched document with its keys in the order of `text`. */
  object: unknown;
  /** The patched document as kube-apiserver has it before decoding it into the kind's type. */
  text: string;
}

export function applyJsonPatch(document: JsonObject, body: unknown): PatchedDocument {
  if (body !== null && !Array.isArray(body)) throw errors.badRequest(`json: cannot unmarshal ${goKind(body)} into Go value of type jsonpatch.Patch`);
  const operations = (body ?? []) as unknown[];
  for (const operation of operations) {
    if (operation !== null && !isJsonObject(operation)) throw errors.badRequest(`json: cannot unmarshal ${goKind(operation)} into Go value of type jsonpatch.Operation`);
  }
  if (operations.length > maxOperations) {
    throw errors.requestEntityTooLarge(`The allowed maximum operations in a JSON patch is ${maxOperations}, got ${operations.length}`);
  }
  const application = new Application(document);
  try {
    for (const operation of operations) application.apply((operation ?? {}) as JsonObject);
  } catch (err) {
    // kube-apiserver answers a patch that cannot be applied with the generic 422, without the details.
    if (err instanceof PatchFailure) throw errors.invalidRequest();
    throw err;
  }
  const text = goText(application.root, application.converted);
  return { object: JSON.parse(text), text };
}
