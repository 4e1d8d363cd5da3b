// The scale subresource: an object's replicas seen as an autoscaling/v1 Scale, and Scale writes
// (PUT or patch) turned back into the object's replicas (spec.replicas, or where its strategy says).

import type { KubeContext } from '../context.js';
import { errors, field } from '../errors.js';
import type { ObjectResult, WriteOptions } from '../registry/generic-store.js';
import type { ResourceDefinition } from '../registry/types.js';
import { formatLabelSelector } from '../selectors/labels.js';
import type { Services } from '../services.js';
import type { StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import { readObjectBody } from './body.js';
import { presented, respondObject } from './respond.js';
import { readWriteOptions } from './write-options.js';

type Json = Record<string, any>;

const defaultPaths = { specReplicas: 'spec.replicas', statusReplicas: 'status.replicas' };

function readPath(object: Json, path: string): unknown {
  let value: unknown = object;
  for (const part of path.split('.')) value = (value as Json | undefined)?.[part];
  return value;
}

function writePath(object: Json, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = object;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {});
  node[parts[parts.length - 1]] = value;
}

/** The autoscaling/v1 Scale an object with replicas shows through /scale. */
export function scaleOf(def: ResourceDefinition, stored: ObjectResult): KubeObject {
  // Replicas as the object reads (a default its definition gained since counts).
  const object = presented(def, stored).object as Json;
  const selector = def.strategy.scaleSelector ? def.strategy.scaleSelector(object as KubeObject) : object.spec?.selector && formatLabelSelector(object.spec.selector);
  const paths = def.strategy.scalePaths ?? defaultPaths;
  const status: Json = { replicas: readPath(object, paths.statusReplicas) ?? 0 };
  if (selector) status.selector = selector;
  const meta = object.metadata;
  const metadata: Json = { name: meta.name };
  if (meta.namespace) metadata.namespace = meta.namespace;
  Object.assign(metadata, { uid: meta.uid, resourceVersion: meta.resourceVersion, creationTimestamp: meta.creationTimestamp });
  return { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata, spec: { replicas: readPath(object, paths.specReplicas) ?? 0 }, status };
}

export function respondScale(ctx: KubeContext, def: ResourceDefinition, stored: ObjectResult, status = 200): void {
  const scale = scaleOf(def, stored);
  // A Scale prints with the default columns, not its owner's, and reads as it is made.
  const scaleDefinition = { ...def, kind: 'Scale', storedAs: undefined, strategy: { ...def.strategy, table: undefined, tableRowConditions: undefined, readDefaults: undefined } };
  respondObject(ctx, scaleDefinition, { object: scale, json: JSON.stringify(scale) }, status);
}

/** Writes a Scale (from a PUT or a patch) back to its object's replicas. */
export function scaleTo(services: Services, def: ResourceDefinition, existing: StoredObject, scale: Json, options: WriteOptions): ObjectResult {
  const name = existing.name;
  const replicas = scale?.spec?.replicas ?? 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw errors.invalid({ group: 'autoscaling', kind: 'Scale' }, name, [field.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')]);
  }
  const updated: KubeObject = JSON.parse(existing.json);
  writePath(updated as Json, (def.strategy.scalePaths ?? defaultPaths).specReplicas, replicas);
  updated.metadata.resourceVersion = scale?.metadata?.resourceVersion || undefined;
  if (!updated.metadata.resourceVersion && !def.strategy.allowUnconditionalUpdate) updated.metadata.resourceVersion = existing.object.metadata.resourceVersion;
  return services.objects.replace(def, existing, updated, { ...options, subresource: 'scale' });
}

export async function writeScale(ctx: KubeContext, services: Services, def: ResourceDefinition, namespace: string, name: string): Promise<void> {
  const options = readWriteOptions(ctx, 'UpdateOptions');
  const body = (await readObjectBody(ctx, 'Scale')) as Json;
  respondScale(ctx, def, scaleTo(services, def, services.objects.get(def, namespace, name), body, options));
}
