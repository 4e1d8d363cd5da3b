// What kube-apiserver answers when a create or update body names another kind or version than the
// resource's: its decoder reads the body as the kind the body names, then converts that to the
// resource's internal type (rest.go's transformDecodeError words the failure).

import { errors } from '../errors.js';
import type { Registry } from '../registry/registry.js';
import { groupVersion, type ResourceDefinition } from '../registry/types.js';

/** The Go package an internal type lives in: `core` for the core group, else the group's first label. */
function internalPackage(group: string): string {
  if (group === '') return 'core';
  if (group === 'internal.apiserver.k8s.io') return 'apiserverinternal';
  return group.split('.')[0];
}

function splitApiVersion(apiVersion: string): [string, string] {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

/** Whether `group/version` serves `kind` (the part of Go's scheme kubemock knows). */
function isRegistered(registry: Registry, group: string, version: string, kind: string): boolean {
  return registry.groups().some((g) => g.name === group && g.versions.some((v) => v.version === version && v.resources.some((r) => r.kind === kind)));
}

/** Refuses a body whose apiVersion or kind is not the resource's, with kube-apiserver's words. */
export function checkBodyKind(registry: Registry, def: ResourceDefinition, body: unknown): void {
  if (def.unstructured || !body || typeof body !== 'object' || Array.isArray(body)) return;
  const { apiVersion, kind } = body as { apiVersion?: unknown; kind?: unknown };
  const expected = groupVersion(def);
  // Missing parts are defaulted from the resource's own group, version and kind.
  const [group, version] = typeof apiVersion === 'string' && apiVersion ? splitApiVersion(apiVersion) : [def.group, def.version];
  const named = typeof kind === 'string' && kind ? kind : def.kind;
  const bodyGroupVersion = group ? `${group}/${version}` : version;
  if (bodyGroupVersion === expected && named === def.kind) return;
  const cannot = `${named} in version "${version}" cannot be handled as a ${def.kind}`;
  if (!isRegistered(registry, group, version, named)) {
    throw errors.badRequest(`${cannot}: no kind "${named}" is registered for version "${bodyGroupVersion}" in scheme "pkg/runtime/scheme.go:100"`);
  }
  if (named !== def.kind || group !== def.group) {
    throw errors.badRequest(`${cannot}: converting (${version}.${named}) to (${internalPackage(def.group)}.${def.kind}): unknown conversion`);
  }
  throw errors.badRequest(`the API version in the data (${bodyGroupVersion}) does not match the expected API version (${expected})`);
}
