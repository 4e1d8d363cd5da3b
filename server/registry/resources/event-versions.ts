// events.k8s.io/v1 Events are core/v1 Events seen through another version: kube-apiserver stores
// both in one place, so an event recorded through either API shows up in both.

import type { KubeObject } from '../../store/types.js';
import type { StorageVersion } from '../types.js';

type Json = Record<string, unknown>;

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
    const fields = copyFields(event, [...renamed, ...shared.map((f): [string, string] => [f, f])]);
    return { kind: 'Event', apiVersion: 'v1', metadata: event.metadata, ...fields };
  },
  fromStorage(event: KubeObject): KubeObject {
    const fields = copyFields(event, [...renamed.map(([v1, core]): [string, string] => [core, v1]), ...shared.map((f): [string, string] => [f, f])]);
    return { kind: 'Event', apiVersion: 'events.k8s.io/v1', metadata: event.metadata, ...fields };
  },
};
