// Seeds a cluster over its own API: creates (or server-side applies) manifests in an order that
// lets namespaced objects follow their namespace, and reports a refused object by name and Status.

import type { Registry } from '../registry/registry.js';
import { groupVersion, type ResourceDefinition } from '../registry/types.js';
import type { KubeObject } from '../store/types.js';
import { ApiClient, type ApiResponse } from './api-client.js';
import { inSeedingOrder, readManifests, type ManifestSource } from './manifests.js';

export interface ApplyOptions {
  /** The field manager the applied fields belong to. */
  fieldManager?: string;
  /** Take over fields other managers own instead of failing with a conflict. */
  force?: boolean;
}

export interface ObjectTarget {
  def: ResourceDefinition;
  namespace: string;
  name: string;
}

/** The served resource of a kind (in a given apiVersion, or the one version serving it), and where the object lives. */
export function resolveTarget(registry: Registry, ref: { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string }; name?: string; namespace?: string }): ObjectTarget {
  const { kind, apiVersion } = ref;
  if (!kind) throw new Error('an object reference needs a kind');
  const candidates = registry.all().filter((def) => def.kind === kind && (apiVersion === undefined || groupVersion(def) === apiVersion));
  const def = candidates.find((d) => !d.storedAs) ?? candidates[0];
  if (!def) throw new Error(`no served resource has kind ${kind}${apiVersion ? ` in ${apiVersion}` : ''} (is its CustomResourceDefinition seeded?)`);
  const meta = ref.metadata ?? ref;
  return { def, namespace: def.namespaced ? (meta.namespace ?? 'default') : '', name: meta.name ?? '' };
}

export function collectionPath(def: ResourceDefinition, namespace: string): string {
  const root = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
  return `${root}${def.namespaced ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${def.plural}`;
}

export const seedFieldManager = 'kubemock-seed';

export class SeedWriter {
  private readonly client: ApiClient;

  constructor(
    url: string,
    token: string,
    caCert: string | undefined,
    private readonly registry: Registry,
    readonly userAgent: string,
  ) {
    this.client = new ApiClient(url, token, caCert, userAgent);
  }

  /** Creates every object; returns them as stored. */
  async seed(source: ManifestSource): Promise<KubeObject[]> {
    const created: KubeObject[] = [];
    for (const object of inSeedingOrder(await readManifests(source))) {
      const { def, namespace } = resolveTarget(this.registry, object);
      const response = await this.client.request('POST', collectionPath(def, namespace), this.placed(object, def, namespace));
      created.push(answer(response, 'seeding', object));
    }
    return created;
  }

  /** Server-side applies every object under a field manager; returns them as stored. */
  async apply(source: ManifestSource, options: ApplyOptions = {}): Promise<KubeObject[]> {
    const applied: KubeObject[] = [];
    const query = new URLSearchParams({ fieldManager: options.fieldManager ?? this.userAgent });
    if (options.force) query.set('force', 'true');
    for (const object of inSeedingOrder(await readManifests(source))) {
      const { def, namespace, name } = resolveTarget(this.registry, object);
      if (!name) throw new Error(`apply needs metadata.name (${object.kind})`);
      const path = `${collectionPath(def, namespace)}/${encodeURIComponent(name)}?${query}`;
      const response = await this.client.request('PATCH', path, this.placed(object, def, namespace), 'application/apply-patch+yaml');
      applied.push(answer(response, 'applying', object));
    }
    return applied;
  }

  close(): void {
    this.client.close();
  }

  private placed(object: KubeObject, def: ResourceDefinition, namespace: string): KubeObject {
    return { ...object, metadata: { ...object.metadata, namespace: def.namespaced ? namespace : undefined } };
  }
}

function answer(response: ApiResponse, doing: string, object: KubeObject): KubeObject {
  const where = [object.metadata.namespace, object.metadata.name ?? object.metadata.generateName].filter(Boolean).join('/');
  let parsed: KubeObject & { message?: string; reason?: string };
  try {
    parsed = JSON.parse(response.body);
  } catch {
    throw new Error(`${doing} ${object.kind} ${where} failed: ${response.status} ${response.body}`);
  }
  if (response.status >= 300) throw new Error(`${doing} ${object.kind} ${where} failed: ${response.status} ${parsed.reason ?? ''}: ${parsed.message ?? response.body}`);
  return parsed;
}
