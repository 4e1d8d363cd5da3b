// The operations of each served resource, laid out as kube-apiserver publishes them: collection and
// item paths (namespaced and across namespaces), the deprecated watch paths, subresources, and on
// every operation the extensions clients match on. kubectl decides whether the server validates
// fields by finding the PATCH operation of a kind and looking for `fieldValidation` among its own
// parameters, so every write operation lists the write options.

import type { OpenAPIV3 } from 'openapi-types';
import type { Connector, ResourceDefinition, SubresourceDefinition } from '../server/registry/types.js';
import { builtinSchemaNames as knownSchemaNames } from './kubernetes.js';
import { type GroupVersionKind, schemaRefPrefix } from './schema.js';

export type KubernetesAction = 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection' | 'watch' | 'watchlist' | 'connect';

export interface OperationExtensions {
  'x-kubernetes-action': KubernetesAction;
  'x-kubernetes-group-version-kind': GroupVersionKind;
}

export type PathItem = OpenAPIV3.PathItemObject<OperationExtensions>;
type Operation = OpenAPIV3.OperationObject<OperationExtensions>;
type Parameter = OpenAPIV3.ParameterObject;

function queryParameter(name: string, type: 'boolean' | 'integer' | 'string', description: string): Parameter {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const parameters = {
  pretty: queryParameter('pretty', 'string', "Indent the response when 'true'."),
  dryRun: queryParameter('dryRun', 'string', 'With All, run every stage of the request but persist nothing.'),
  fieldManager: queryParameter('fieldManager', 'string', 'The actor making the change, as recorded in managedFields.'),
  fieldValidation: queryParameter(
    'fieldValidation',
    'string',
    'What to do with unknown or duplicate fields in the body: Ignore them, Warn about them (the default), or reject the request (Strict).',
  ),
  force: queryParameter('force', 'boolean', 'Apply requests only: take over fields other managers own instead of failing with a conflict.'),
  labelSelector: queryParameter('labelSelector', 'string', 'Only objects whose labels match this selector.'),
  fieldSelector: queryParameter('fieldSelector', 'string', 'Only objects whose fields match this selector.'),
  limit: queryParameter('limit', 'integer', 'The most objects to return; the list metadata carries a continue token when more remain.'),
  continue: queryParameter('continue', 'string', 'The token of a previous page, to fetch the next one.'),
  resourceVersion: queryParameter('resourceVersion', 'string', 'Which version of the data the request may be served from.'),
  resourceVersionMatch: queryParameter('resourceVersionMatch', 'string', 'How resourceVersion is compared: Exact or NotOlderThan.'),
  timeoutSeconds: queryParameter('timeoutSeconds', 'integer', 'Ends a list or watch after this many seconds.'),
  watch: queryParameter('watch', 'boolean', 'Stream changes instead of returning a list.'),
  allowWatchBookmarks: queryParameter('allowWatchBookmarks', 'boolean', 'Let a watch send BOOKMARK events.'),
  sendInitialEvents: queryParameter('sendInitialEvents', 'boolean', 'Start a watch with synthetic ADDED events for the current objects.'),
  gracePeriodSeconds: queryParameter('gracePeriodSeconds', 'integer', 'Seconds before the object is deleted; 0 deletes at once.'),
  orphanDependents: queryParameter('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy.'),
  propagationPolicy: queryParameter('propagationPolicy', 'string', 'What happens to dependents: Orphan, Background or Foreground.'),
};

const pathParameter = (name: string, description: string): Parameter => ({ name, in: 'path', description, required: true, schema: { type: 'string', uniqueItems: true } });

/** What selects the objects of a list, a watch or a deletecollection. */
const selectionParameters = [
  parameters.continue,
  parameters.fieldSelector,
  parameters.labelSelector,
  parameters.limit,
  parameters.resourceVersion,
  parameters.resourceVersionMatch,
  parameters.sendInitialEvents,
  parameters.timeoutSeconds,
];
const listParameters = [parameters.allowWatchBookmarks, ...selectionParameters, parameters.watch];
const writeParameters = [parameters.dryRun, parameters.fieldManager, parameters.fieldValidation];
const patchParameters = [...writeParameters, parameters.force];
const deleteParameters = [parameters.dryRun, parameters.gracePeriodSeconds, parameters.orphanDependents, parameters.propagationPolicy];
const deleteCollectionParameters = [...deleteParameters, ...selectionParameters];

const refTo = (schemaName: string): OpenAPIV3.ReferenceObject => ({ $ref: `${schemaRefPrefix}${schemaName}` });

const statusTexts: Record<string, string> = { '200': 'OK', '201': 'Created', '202': 'Accepted' };

function responses(schemaName: string, codes: string[], mediaTypes = ['application/json', 'application/yaml']): OpenAPIV3.ResponsesObject {
  const out: OpenAPIV3.ResponsesObject = {};
  for (const code of codes) {
    out[code] = { description: statusTexts[code], content: Object.fromEntries(mediaTypes.map((type) => [type, { schema: refTo(schemaName) }])) };
  }
  out['401'] = { description: 'Unauthorized' };
  return out;
}

function requestBody(schemaName: string, mediaTypes = ['*/*']): OpenAPIV3.RequestBodyObject {
  return { content: Object.fromEntries(mediaTypes.map((type) => [type, { schema: refTo(schemaName) }])), required: true };
}

const patchTypes = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
/** Strategic merge patch needs Go struct tags, so custom resources do not take it. */
const customPatchTypes = patchTypes.filter((type) => type !== 'application/strategic-merge-patch+json');

const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** `rbac.authorization.k8s.io` → RbacAuthorization, `` → Core: the group as operationIds spell it. */
function groupWord(group: string): string {
  return group ? group.replace(/\.k8s\.io$/, '').split('.').map(capitalize).join('') : 'Core';
}

function groupVersionTag(def: { group: string; version: string }): string {
  const word = groupWord(def.group);
  return `${word.charAt(0).toLowerCase()}${word.slice(1)}_${def.version}`;
}

export interface PathSchemas {
  /** The schema name of a served kind, list kind or subresource kind. */
  schemaOf(gvk: { group: string; version: string; kind: string }): string;
  /** Whether the kind is built in (takes strategic merge patches). */
  builtin: boolean;
}

/** Every path of one resource, with its operations. */
export function resourcePaths(def: ResourceDefinition, schemas: PathSchemas): Record<string, PathItem> {
  const gvk: GroupVersionKind = { group: def.group, kind: def.kind, version: def.version };
  const kindSchema = schemas.schemaOf(gvk);
  const has = (verb: string) => (def.verbs as string[]).includes(verb);
  const operationPrefix = `${groupWord(def.group)}${capitalize(def.version)}`;
  const scope = def.namespaced ? 'Namespaced' : '';
  const tags = [groupVersionTag(def)];

  const operation = (action: KubernetesAction, operationId: string, description: string, rest: Omit<Operation, keyof OperationExtensions | 'operationId' | 'description' | 'tags'>, kind = gvk): Operation => ({
    description,
    operationId,
    ...rest,
    tags,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': kind,
  });

  const base = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
  const namespaceSegment = def.namespaced ? '/namespaces/{namespace}' : '';
  const collectionPath = `${base}${namespaceSegment}/${def.plural}`;
  const itemPath = `${collectionPath}/{name}`;
  const namespaceParameter = pathParameter('namespace', 'The namespace of the objects.');
  const nameParameter = pathParameter('name', `The name of the ${def.kind}.`);
  const scopeParameters = def.namespaced ? [namespaceParameter] : [];
  const paths: Record<string, PathItem> = {};

  const listOperation = (operationId: string) =>
    operation('list', operationId, `list ${def.kind} objects, or watch them`, {
      parameters: listParameters,
      responses: responses(schemas.schemaOf({ ...gvk, kind: def.listKind }), ['200']),
    });
  const watchOperation = (action: 'watch' | 'watchlist', operationId: string) =>
    operation(action, operationId, `watch ${def.kind} objects (deprecated: list with watch=true instead)`, {
      parameters: listParameters,
      responses: responses(knownSchemaNames.watchEvent, ['200'], ['application/json', 'application/json;stream=watch']),
    });

  const collection: PathItem = { parameters: [...scopeParameters, parameters.pretty] };
  if (has('list')) collection.get = listOperation(`list${operationPrefix}${scope}${def.kind}`);
  if (has('create')) {
    collection.post = operation('post', `create${operationPrefix}${scope}${def.kind}`, `create a ${def.kind}`, {
      parameters: writeParameters,
      requestBody: requestBody(kindSchema),
      responses: responses(kindSchema, ['200', '201', '202']),
    });
  }
  if (has('deletecollection')) {
    collection.delete = operation('deletecollection', `delete${operationPrefix}Collection${scope}${def.kind}`, `delete the ${def.kind} objects the selectors match`, {
      parameters: deleteCollectionParameters,
      requestBody: { ...requestBody(knownSchemaNames.deleteOptions), required: false },
      responses: responses(knownSchemaNames.status, ['200']),
    });
  }
  paths[collectionPath] = collection;

  const item: PathItem = { parameters: [nameParameter, ...scopeParameters, parameters.pretty] };
  if (has('get')) item.get = operation('get', `read${operationPrefix}${scope}${def.kind}`, `read one ${def.kind}`, { responses: responses(kindSchema, ['200']) });
  if (has('update')) {
    item.put = operation('put', `replace${operationPrefix}${scope}${def.kind}`, `replace one ${def.kind}`, {
      parameters: writeParameters,
      requestBody: requestBody(kindSchema),
      responses: responses(kindSchema, ['200', '201']),
    });
  }
  if (has('patch')) {
    item.patch = operation('patch', `patch${operationPrefix}${scope}${def.kind}`, `patch one ${def.kind}`, {
      parameters: patchParameters,
      requestBody: requestBody(knownSchemaNames.patch, schemas.builtin ? patchTypes : customPatchTypes),
      responses: responses(kindSchema, ['200', '201']),
    });
  }
  if (has('delete')) {
    item.delete = operation('delete', `delete${operationPrefix}${scope}${def.kind}`, `delete one ${def.kind}`, {
      parameters: deleteParameters,
      requestBody: { ...requestBody(knownSchemaNames.deleteOptions), required: false },
      responses: responses(def.strategy.returnDeletedObject ? kindSchema : knownSchemaNames.status, ['200', '202']),
    });
  }
  if (item.get || item.put || item.patch || item.delete) paths[itemPath] = item;

  if (def.namespaced && has('list')) {
    paths[`${base}/${def.plural}`] = { parameters: [parameters.pretty], get: listOperation(`list${operationPrefix}${def.kind}ForAllNamespaces`) };
  }
  if (has('watch')) {
    const watchBase = `${base}/watch${namespaceSegment}/${def.plural}`;
    paths[watchBase] = { parameters: [...scopeParameters, parameters.pretty], get: watchOperation('watchlist', `watch${operationPrefix}${scope}${def.kind}List`) };
    paths[`${watchBase}/{name}`] = { parameters: [nameParameter, ...scopeParameters, parameters.pretty], get: watchOperation('watch', `watch${operationPrefix}${scope}${def.kind}`) };
    if (def.namespaced) {
      paths[`${base}/watch/${def.plural}`] = { parameters: [parameters.pretty], get: watchOperation('watchlist', `watch${operationPrefix}${def.kind}ListForAllNamespaces`) };
    }
  }

  for (const sub of def.subresources) {
    const connector = def.strategy.connect?.[sub.name];
    if (!connector) paths[`${itemPath}/${sub.name}`] = subresourcePath(sub);
    else {
      paths[`${itemPath}/${sub.name}`] = connectPath(sub, connector, false);
      if (connector.takesPath) paths[`${itemPath}/${sub.name}/{path}`] = connectPath(sub, connector, true);
    }
  }
  return paths;

  /** The kind a subresource speaks; an empty group and version are the parent's. */
  function subresourceKind(sub: SubresourceDefinition): GroupVersionKind {
    const kind = sub.responseKind;
    if (!kind) return gvk;
    return kind.group || kind.version ? { group: kind.group, kind: kind.kind, version: kind.version } : { ...gvk, kind: kind.kind };
  }

  /** A CONNECT subresource: one operation per HTTP method it takes, answering whatever the backend sends. */
  function connectPath(sub: SubresourceDefinition, connector: Connector, withPath: boolean): PathItem {
    const kind = subresourceKind(sub);
    const query = connector.parameters.map(([name, type]) => queryParameter(name, type, `The ${name} option of ${kind.kind}.`));
    const all = [pathParameter('name', `The name of the ${kind.kind}.`), ...scopeParameters, ...(withPath ? [pathParameter('path', 'The path to pass on.')] : []), ...query];
    // Sorted by name, then by where they go, as kube-openapi lists a path's parameters.
    const path: PathItem = { parameters: all.sort((a, b) => (a.name === b.name ? a.in.localeCompare(b.in) : a.name < b.name ? -1 : 1)) };
    const item = path as Record<string, unknown>;
    for (const method of connector.methods) {
      const word = capitalize(method.toLowerCase());
      item[method.toLowerCase()] = operation(
        'connect',
        `connect${operationPrefix}${word}${scope}${def.kind}${capitalize(sub.name)}${withPath ? 'WithPath' : ''}`,
        `connect ${method} requests to ${sub.name} of ${def.kind}`,
        { responses: { '200': { description: 'OK', content: { '*/*': { schema: { type: 'string' } } } }, '401': { description: 'Unauthorized' } } },
        kind,
      );
    }
    return path;
  }

  function subresourcePath(sub: SubresourceDefinition): PathItem {
    const subKind = subresourceKind(sub);
    const subSchema = schemas.schemaOf(subKind);
    const suffix = `${operationPrefix}${scope}${def.kind}${capitalize(sub.name)}`;
    const what = `the ${sub.name} of one ${def.kind}`;
    const path: PathItem = { parameters: [nameParameter, ...scopeParameters, parameters.pretty] };
    if (sub.verbs.includes('create')) {
      path.post = operation(
        'post',
        `create${suffix}`,
        `create ${what}`,
        { parameters: writeParameters, requestBody: requestBody(subSchema), responses: responses(subSchema, ['200', '201', '202']) },
        subKind,
      );
    }
    if (sub.verbs.includes('get')) path.get = operation('get', `read${suffix}`, `read ${what}`, { responses: responses(subSchema, ['200']) }, subKind);
    if (sub.verbs.includes('update')) {
      path.put = operation(
        'put',
        `replace${suffix}`,
        `replace ${what}`,
        { parameters: writeParameters, requestBody: requestBody(subSchema), responses: responses(subSchema, ['200', '201']) },
        subKind,
      );
    }
    if (sub.verbs.includes('patch')) {
      path.patch = operation(
        'patch',
        `patch${suffix}`,
        `patch ${what}`,
        {
          parameters: patchParameters,
          requestBody: requestBody(knownSchemaNames.patch, schemas.builtin ? patchTypes : customPatchTypes),
          responses: responses(subSchema, ['200', '201']),
        },
        subKind,
      );
    }
    return path;
  }
}
