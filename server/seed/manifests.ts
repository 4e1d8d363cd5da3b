// Reads manifests as kubectl does: multi-document YAML or JSON text, files, folders (their .yaml,
// .yml and .json files, by name), plain objects, and List kinds, which are flattened.

import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { yamlLibrary } from '../libraries.js';
import type { KubeObject } from '../store/types.js';

/**
 * Objects, or YAML/JSON text (several documents split by `---`), or a path to a file or folder
 * (a string without a line break that names an existing path, or a file: URL), or a list of these.
 */
export type ManifestSource = object | string | URL | ReadonlyArray<ManifestSource>;

const manifestExtensions = new Set(['.yaml', '.yml', '.json']);

function looksLikePath(text: string): boolean {
  return !text.includes('\n') && !/^\s*[{[]/.test(text) && !/:\s/.test(text) && text.trim() !== '';
}

function parseText(text: string, origin: string): KubeObject[] {
  const { parseAllDocuments } = yamlLibrary();
  const objects: KubeObject[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) throw new Error(`${origin}: ${document.errors[0].message}`);
    const value = document.toJS();
    if (value === null || value === undefined) continue;
    objects.push(...flatten(value, origin));
  }
  return objects;
}

function flatten(value: unknown, origin: string): KubeObject[] {
  if (Array.isArray(value)) return value.flatMap((item) => flatten(item, origin));
  if (typeof value !== 'object' || value === null) throw new Error(`${origin}: a manifest must be an object, got ${JSON.stringify(value)}`);
  const object = value as KubeObject;
  if (typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items)) return flatten(object.items, origin);
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') {
    throw new Error(`${origin}: every object needs apiVersion and kind (got ${JSON.stringify(value).slice(0, 120)})`);
  }
  return [{ ...object, metadata: { ...(object.metadata ?? {}) } }];
}

async function readPath(path: string): Promise<KubeObject[]> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new Error(`no manifest file or folder at ${path}`);
  }
  if (!info.isDirectory()) return parseText(await readFile(path, 'utf8'), path);
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const objects: KubeObject[] = [];
  for (const entry of entries) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) objects.push(...(await readPath(full)));
    else if (manifestExtensions.has(extname(entry.name).toLowerCase())) objects.push(...(await readPath(full)));
  }
  return objects;
}

export async function readManifests(source: ManifestSource): Promise<KubeObject[]> {
  if (source instanceof URL) return readPath(fileURLToPath(source));
  if (typeof source === 'string') return looksLikePath(source) ? readPath(source) : parseText(source, 'manifest text');
  if (Array.isArray(source)) {
    const objects: KubeObject[] = [];
    for (const item of source) objects.push(...(await readManifests(item)));
    return objects;
  }
  return flatten(source, 'manifest object');
}

/** Namespaces and CustomResourceDefinitions go first, so what lives in them can follow; the rest keeps its order. */
export function inSeedingOrder(objects: KubeObject[]): KubeObject[] {
  const rank = (object: KubeObject) => (object.kind === 'Namespace' ? 0 : object.kind === 'CustomResourceDefinition' ? 1 : 2);
  return objects.map((object, index) => ({ object, index })).sort((a, b) => rank(a.object) - rank(b.object) || a.index - b.index).map((entry) => entry.object);
}
