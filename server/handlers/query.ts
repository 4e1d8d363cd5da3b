// Query parameters shared by list, watch and the write verbs, validated with kube-apiserver's messages.

import type { KubeContext } from '../context.js';
import { errors, field, type FieldError, invalidOptions } from '../errors.js';
import { queryBool } from '../middleware/request-info.js';
import type { ResourceDefinition } from '../registry/types.js';
import { parseFieldSelector } from '../selectors/fields.js';
import { parseLabelSelector } from '../selectors/labels.js';
import type { KubeObject } from '../store/types.js';

export function queryParam(ctx: KubeContext, name: string): string | undefined {
  const value = ctx.query[name];
  return Array.isArray(value) ? value[0] : value;
}

export function queryParams(ctx: KubeContext, name: string): string[] {
  const value = ctx.query[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export interface ListQuery {
  resourceVersion?: string;
  resourceVersionMatch?: string;
  limit?: number;
  continueToken?: string;
  labelSelector?: string;
  fieldSelector?: string;
  sendInitialEvents?: boolean;
  allowWatchBookmarks: boolean;
  timeoutSeconds?: number;
}

function integer(ctx: KubeContext, name: string): number | undefined {
  const raw = queryParam(ctx, name);
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw errors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(raw)}: invalid syntax`);
  return Number(raw);
}

export function readListQuery(ctx: KubeContext, watch: boolean): ListQuery {
  const sendInitialEvents = queryParam(ctx, 'sendInitialEvents');
  const query: ListQuery = {
    resourceVersion: queryParam(ctx, 'resourceVersion') || undefined,
    resourceVersionMatch: queryParam(ctx, 'resourceVersionMatch') || undefined,
    limit: integer(ctx, 'limit'),
    continueToken: queryParam(ctx, 'continue') || undefined,
    labelSelector: queryParam(ctx, 'labelSelector'),
    fieldSelector: queryParam(ctx, 'fieldSelector'),
    sendInitialEvents: sendInitialEvents === undefined ? undefined : queryBool(sendInitialEvents),
    allowWatchBookmarks: queryBool(queryParam(ctx, 'allowWatchBookmarks')),
    timeoutSeconds: integer(ctx, 'timeoutSeconds'),
  };
  validateListQuery(query, watch);
  return query;
}

/** meta/internalversion/validation.ValidateListOptions. */
function validateListQuery(query: ListQuery, watch: boolean): void {
  const problems: FieldError[] = [];
  const rvm = query.resourceVersionMatch;
  if (query.sendInitialEvents !== undefined && !watch) {
    problems.push(field.forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  }
  if (watch) {
    if (query.sendInitialEvents !== undefined) {
      if (rvm !== 'NotOlderThan') problems.push(field.forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
    } else if (rvm) {
      problems.push(field.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    }
    if (rvm && rvm !== 'NotOlderThan') {
      problems.push(field.notSupported('resourceVersionMatch', rvm, ['NotOlderThan']));
    }
    if (rvm && query.continueToken) problems.push(field.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
  } else if (rvm) {
    if (!query.resourceVersion) problems.push(field.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (query.continueToken) problems.push(field.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    if (rvm !== 'Exact' && rvm !== 'NotOlderThan') problems.push(field.notSupported('resourceVersionMatch', rvm, ['Exact', 'NotOlderThan', '']));
    if (rvm === 'Exact' && query.resourceVersion === '0') {
      problems.push(field.forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
    }
  }
  if (problems.length) throw invalidOptions('ListOptions', problems);
}

/** A resourceVersion from a query; the mock answers unparseable ones with 400 rather than the real 500. */
export function parseResourceVersion(value: string, prefix = ''): number {
  if (!/^\d+$/.test(value)) {
    throw errors.badRequest(`${prefix}resourceVersion: Invalid value: ${JSON.stringify(value)}: strconv.ParseUint: parsing ${JSON.stringify(value)}: invalid syntax`);
  }
  return Number(value);
}

/** 504 for a resourceVersion the server has not reached yet. */
export function tooLargeResourceVersion(requested: number, current: number): ReturnType<typeof errors.timeout> {
  const err = errors.timeout(`Too large resource version: ${requested}, current: ${current}`, 1);
  err.status.details!.causes = [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }];
  return err;
}

export type ObjectFilter = (object: KubeObject) => boolean;

export function selectorFilter(def: ResourceDefinition, query: Pick<ListQuery, 'labelSelector' | 'fieldSelector'>): ObjectFilter | undefined {
  const hasLabels = !!query.labelSelector?.trim();
  const hasFields = !!query.fieldSelector?.trim();
  if (!hasLabels && !hasFields) return undefined;
  const labels = parseLabelSelector(query.labelSelector);
  const fields = parseFieldSelector(query.fieldSelector, def.strategy.fieldSelectors);
  return (object) => labels(object.metadata.labels) && fields(object);
}
