// DELETE of one object and of a collection.

import type { KubeContext } from '../context.js';
import { errors, field, type FieldError, invalidOptions } from '../errors.js';
import { decodeKubernetesProtobuf, protobufMediaType } from '../protobuf/decode.js';
import { queryBool } from '../middleware/request-info.js';
import { parseDryRun, type DeleteOptions } from '../registry/generic-store.js';
import type { ResourceDefinition } from '../registry/types.js';
import type { Services } from '../services.js';
import { decodeJson, decodeYaml, mediaTypeOf, readRawBody } from './body.js';
import { JsonSyntaxError } from '../json-decode.js';
import { listSnapshotPage } from './list.js';
import { queryParam, queryParams } from './query.js';
import { respondList, respondObject } from './respond.js';
import { sendJson } from '../http.js';

const propagationPolicies = ['Foreground', 'Background', 'Orphan'];

interface DeleteOptionsBody {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  orphanDependents?: boolean;
  propagationPolicy?: string;
  dryRun?: string[];
}

async function readDeleteBody(ctx: KubeContext): Promise<DeleteOptionsBody> {
  const raw = await readRawBody(ctx);
  if (raw.length === 0) return {};
  const type = mediaTypeOf(ctx);
  let body: unknown;
  if (type === protobufMediaType) body = decodeKubernetesProtobuf(raw);
  else if (type === 'application/yaml') body = decodeYaml(raw.toString('utf8'));
  else {
    try {
      body = decodeJson(raw.toString('utf8'));
    } catch (err) {
      // kube-apiserver answers this with a 500; bad input is a 400 here.
      if (err instanceof JsonSyntaxError) throw errors.badRequest(`couldn't get version/kind; json parse error: ${err.message}`);
      throw err;
    }
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the body of a delete must be a DeleteOptions object');
  return body as DeleteOptionsBody;
}

export async function readDeleteOptions(ctx: KubeContext): Promise<DeleteOptions> {
  const body = await readDeleteBody(ctx);
  const graceQuery = queryParam(ctx, 'gracePeriodSeconds');
  const grace = body.gracePeriodSeconds ?? (graceQuery !== undefined && graceQuery !== '' ? Number(graceQuery) : undefined);
  if (grace !== undefined && !Number.isInteger(grace)) throw errors.badRequest(`invalid gracePeriodSeconds: ${String(grace)}`);
  const policy = body.propagationPolicy ?? queryParam(ctx, 'propagationPolicy');
  const orphanQuery = queryParam(ctx, 'orphanDependents');
  const orphan = body.orphanDependents ?? (orphanQuery === undefined ? undefined : queryBool(orphanQuery));
  const problems: FieldError[] = [];
  if (policy !== undefined && !propagationPolicies.includes(policy)) {
    problems.push(field.notSupported('propagationPolicy', policy, [...propagationPolicies, 'nil']));
  }
  if (policy !== undefined && orphan !== undefined) {
    problems.push(field.invalid('propagationPolicy', policy, 'orphanDependents and deletionPropagation cannot be both set'));
  }
  if (problems.length) throw invalidOptions('DeleteOptions', problems);
  const dryRun = body.dryRun ?? queryParams(ctx, 'dryRun');
  return {
    gracePeriodSeconds: grace === undefined ? undefined : Math.max(grace, 0),
    preconditions: body.preconditions,
    propagationPolicy: policy as DeleteOptions['propagationPolicy'],
    orphanDependents: orphan,
    dryRun: parseDryRun(dryRun, 'DeleteOptions'),
    user: ctx.state.user,
  };
}

export async function deleteObject(ctx: KubeContext, services: Services, def: ResourceDefinition, namespace: string, name: string): Promise<void> {
  const options = await readDeleteOptions(ctx);
  const { result, removed } = services.objects.delete(def, namespace, name, options);
  if (removed && !def.strategy.returnDeletedObject) {
    const details: Record<string, string> = { name };
    if (def.group) details.group = def.group;
    details.kind = def.plural;
    details.uid = result.object.metadata.uid ?? '';
    sendJson(ctx, 200, JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details }));
    return;
  }
  respondObject(ctx, def, result);
}

/** Deletes what a list with the same query would return (one page with limit) and answers with that list. */
export async function deleteCollection(ctx: KubeContext, services: Services, def: ResourceDefinition, namespace: string): Promise<void> {
  const options = await readDeleteOptions(ctx);
  const { items, meta } = listSnapshotPage(ctx, services, def, namespace);
  for (const item of items) {
    if (services.objects.find(def, namespace || item.namespace, item.name)) {
      services.objects.delete(def, item.namespace, item.name, { ...options, collection: true });
    }
  }
  respondList(ctx, def, items, meta);
}
