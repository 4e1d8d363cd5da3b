// events.k8s.io/v1 Events are core/v1 Events seen through another version: kube-apiserver stores
// both in one place, so an event recorded through either API shows up in both.

import type { KubeObject } from '../../store/types.js';
import type { StorageVersion } from '../types.js';
import { fieldPath } from './common.js';

type Json = Record<string, unknown>;

/** core/v1 Event's fields in its Go field order. */
const coreFieldOrder = ['involvedObject', 'reason', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'type', 'eventTime', 'series', 'action', 'related', 'reportingComponent', 'reportingInstance'];
/** Fields core/v1 Event always serializes, as their zero values: times as null, strings as "". */
const coreZeroValues = (): Json => ({ involvedObject: {}, source: {}, firstTimestamp: null, lastTimestamp: null, eventTime: null, reportingComponent: '', reportingInstance: '' });
/** Read only: what each always-written field is when unset. */
const coreZero = coreZeroValues();
const coreAlwaysWritten = Object.keys(coreZero);

/**
 * Whether an event already has its fields in order, every always-written one set and no null where
 * that field's zero value is not null, as the recorders write them: defaulting would change nothing.
 */
function inCoreOrder(event: Json): boolean {
  let at = 0;
  for (const key of Object.keys(event)) {
    if (key === 'kind' || key === 'apiVersion' || key === 'metadata') continue;
    const index = coreFieldOrder.indexOf(key, at);
    if (index < 0 || (event[key] === null && coreZero[key] !== null)) return false;
    at = index + 1;
  }
  return coreAlwaysWritten.every((key) => event[key] !== undefined);
}

/** core/v1 Event defaulting: the always-written fields, in the field order. What the recorders and toStorage write is so already. */
export function defaultCoreEvent(event: KubeObject): void {
  if (inCoreOrder(event)) return;
  const always = coreZeroValues();
  const fields: Json = {};
  for (const key of coreFieldOrder) fields[key] = event[key] ?? always[key];
  for (const key of coreFieldOrder) delete event[key];
  for (const key of coreFieldOrder) if (fields[key] !== undefined) event[key] = fields[key];
}

/** The fields of involvedObject (events.k8s.io/v1: regarding) that events can be selected by. */
const referenceFields = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];

/**
 * Field selectors on the stored (core/v1) event, by the label each version names them with:
 * events.k8s.io/v1 selects by regarding.* and reportingController and has no source one.
 */
export function eventFieldSelectors(version: 'v1' | 'events.k8s.io/v1'): Record<string, (o: any) => string> {
  const core = version === 'v1';
  const fields: Record<string, (o: any) => string> = {};
  for (const f of referenceFields) fields[`${core ? 'involvedObject' : 'regarding'}.${f}`] = fieldPath(`involvedObject.${f}`);
  fields.reason = fieldPath('reason');
  fields[core ? 'reportingComponent' : 'reportingController'] = fieldPath('reportingComponent');
  if (core) fields.source = fieldPath('source.component');
  fields.type = fieldPath('type');
  return fields;
}

/** events.k8s.io/v1 field ↔ core/v1 field. */
const renamed: Array<[string, string]> = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['reportingController', 'reportingComponent'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
];
const shared = ['eventTime', 'series', 'reportingInstance', 'action', 'reason', 'related', 'type'];
/** Each core/v1 field, in its order, with the events.k8s.io/v1 field it is read from. */
const coreFromV1: Array<[string, string]> = coreFieldOrder.map((core) => [core, renamed.find(([, c]) => c === core)?.[0] ?? core]);
/** Each core/v1 field with the events.k8s.io/v1 field it becomes. */
const v1FromCore: Array<[string, string]> = [...renamed.map(([v1, core]): [string, string] => [core, v1]), ...shared.map((f): [string, string] => [f, f])];

function copyFields(from: Json, pairs: Array<[string, string]>): Json {
  const out: Json = {};
  for (const [source, target] of pairs) if (from[source] !== undefined) out[target] = from[source];
  return out;
}

export const eventsV1Storage: StorageVersion = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  toStorage(event: KubeObject): KubeObject {
    // Written as core/v1 defaulting leaves it, so the Event's defaults find nothing to do.
    const always = coreZeroValues();
    const out: KubeObject = { kind: 'Event', apiVersion: 'v1', metadata: event.metadata };
    for (const [core, v1] of coreFromV1) {
      const value = event[v1] ?? always[core];
      if (value !== undefined) out[core] = value;
    }
    return out;
  },
  fromStorage(event: KubeObject): KubeObject {
    const fields = copyFields(event, v1FromCore);
    return { kind: 'Event', apiVersion: 'events.k8s.io/v1', metadata: event.metadata, ...fields };
  },
};
