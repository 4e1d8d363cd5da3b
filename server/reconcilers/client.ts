// A controller's way to the cluster: reads straight from the store, writes through the generic store
// as its own user and field manager, the way a client of kube-apiserver would.

import { schemaNode } from '../../openapi/kubernetes.js';
import { errors } from '../errors.js';
import { jsonCopy } from '../json.js';
import type { DeleteOptions, DeleteResult, ObjectResult } from '../registry/generic-store.js';
import { groupVersion, type ResourceDefinition } from '../registry/types.js';
import { serverSideApply } from '../patch/apply.js';
import { timestamp } from '../clock.js';
import type { Services } from '../services.js';
import type { StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import type { Identity } from './controller.js';

/** The parts a status write sends. */
const statusParts = new Set(['kind', 'apiVersion', 'metadata', 'status']);

/**
 * A deep copy of a stored object (of its `only` parts) to change and write. managedFields are left
 * out, so they stay as stored (as for any client that sends none), and the write compares no copy of them.
 */
function writableCopy(object: KubeObject, only?: ReadonlySet<string>): KubeObject {
  const copy = {} as KubeObject;
  for (const key in object) {
    if (only && !only.has(key)) continue;
    if (key !== 'metadata') {
      copy[key] = jsonCopy(object[key]);
      continue;
    }
    const metadata: Record<string, unknown> = {};
    for (const field in object.metadata) if (field !== 'managedFields') metadata[field] = jsonCopy(object.metadata[field as keyof typeof object.metadata]);
    copy.metadata = metadata;
  }
  return copy;
}

export class ControllerClient {
  constructor(
    private readonly services: Pick<Services, 'registry' | 'objects' | 'clock'> & Partial<Pick<Services, 'credentials'>>,
    readonly identity: Identity,
  ) {}

  /** The definition behind a store resource key (`pods`, `apps/deployments`). */
  definition(resource: string): ResourceDefinition {
    const def = this.services.registry.findByResource(resource);
    if (!def) throw errors.notFound({ group: '', resource: 'resources' }, resource);
    return def;
  }

  get(resource: string, namespace: string, name: string): StoredObject | undefined {
    return this.services.objects.find(this.definition(resource), namespace, name);
  }

  /** Objects of a resource as stored now, in one namespace or all. */
  list(resource: string, namespace = ''): StoredObject[] {
    return this.services.objects.listNow(this.definition(resource), namespace);
  }

  private options(subresource?: string) {
    // The server's credentials answer reviews (a SubjectAccessReview, a TokenReview) as they do for any client.
    return { fieldManager: this.identity.fieldManager, user: this.identity.user, subresource, credentials: this.services.credentials };
  }

  create(resource: string, namespace: string, body: KubeObject): ObjectResult {
    return this.services.objects.create(this.definition(resource), namespace, body, this.options());
  }

  /** Writes a changed copy of `stored` (its main resource, or `subresource`); nothing is written when the change is empty. */
  update(stored: StoredObject, change: (object: KubeObject) => void, subresource?: string): ObjectResult {
    const copy = writableCopy(stored.object);
    change(copy);
    return this.services.objects.replace(this.definition(stored.resource), stored, copy, this.options(subresource));
  }

  /**
   * Writes `stored` with `parts` (whole top-level fields: a new spec, say) in place of its own. The
   * rest is handed over as stored, not copied, so a frequent small write (a node's Lease renewal)
   * allocates only what it changes: only for kinds whose write path changes no part it is handed
   * (no defaulting in place), as for Leases. managedFields are left out as in update().
   */
  replaceParts(stored: StoredObject, parts: Partial<KubeObject>): ObjectResult {
    const metadata: Record<string, unknown> = {};
    for (const field in stored.object.metadata) if (field !== 'managedFields') metadata[field] = stored.object.metadata[field as keyof KubeObject['metadata']];
    const body = { ...stored.object, ...parts, metadata } as KubeObject;
    return this.services.objects.replace(this.definition(stored.resource), stored, body, this.options());
  }

  /**
   * Writes a changed copy of `stored`'s status (and metadata); the rest is the server's to keep, so
   * it is neither copied nor sent, and neither are managedFields (left out, they stay as stored).
   */
  updateStatus(stored: StoredObject, change: (object: KubeObject) => void): ObjectResult {
    const copy = writableCopy(stored.object, statusParts);
    change(copy);
    for (const key of Object.keys(copy)) if (!statusParts.has(key)) delete copy[key];
    return this.services.objects.replace(this.definition(stored.resource), stored, copy, this.options('status'));
  }

  /**
   * Server-side apply of `applied` to `stored` (its main resource or `subresource`) as this
   * controller's field manager, forced, as controllers apply what they own.
   */
  apply(stored: StoredObject, applied: KubeObject, subresource?: string): ObjectResult {
    const def = this.definition(stored.resource);
    const { object, managedFields } = serverSideApply(JSON.parse(stored.json), applied, {
      manager: this.identity.fieldManager,
      force: true,
      apiVersion: groupVersion(def),
      time: timestamp(this.services.clock.now()),
      subresource,
      statusIsSubresource: def.subresources.some((s) => s.name === 'status'),
      schema: schemaNode(def),
    });
    return this.services.objects.replace(def, stored, object, { ...this.options(subresource), managedFields });
  }

  /** A POST to a subresource that changes its parent (pods/binding). */
  post(resource: string, namespace: string, name: string, subresource: string, body: KubeObject): ObjectResult {
    return this.services.objects.createSubresource(this.definition(resource), namespace, name, subresource, body, this.options());
  }

  delete(resource: string, namespace: string, name: string, options: DeleteOptions = {}): DeleteResult {
    return this.services.objects.delete(this.definition(resource), namespace, name, { ...this.options(), ...options });
  }
}
