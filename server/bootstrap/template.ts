// The objects every fresh cluster starts with that do not depend on the running server, written once
// per process through the write path into a scratch store, then copied into each new or reset store
// with fresh uids and times. Writing ~150 objects through defaulting, validation and managedFields
// takes tens of milliseconds; copying them takes a few.

import { randomUUID } from 'node:crypto';
import { builtinAdmissionChain } from '../admission/index.js';
import { ManualClock, timestamp } from '../clock.js';
import { GenericStore } from '../registry/generic-store.js';
import type { Registry } from '../registry/registry.js';
import type { Services } from '../services.js';
import { MemoryStore } from '../store/memory-store.js';

/** The time the template is written at; every occurrence becomes the time of the copy. */
const writtenAt = new Date(0);
const writtenAtJson = JSON.stringify(timestamp(writtenAt));

export type TemplateServices = Pick<Services, 'clock' | 'registry' | 'store' | 'objects'>;

/** What differs between copies, in the order it occurs in a template object's JSON. */
type Slot = 'uid' | 'resourceVersion' | 'time';

interface TemplateObject {
  resource: string;
  key: string;
  /** The serialized object cut where a slot goes: parts[i] precedes slots[i]. */
  parts: string[];
  slots: Slot[];
}

function cut(json: string, uid: string, resourceVersion: string): Pick<TemplateObject, 'parts' | 'slots'> {
  const marks: Array<[string, Slot]> = [
    [JSON.stringify(uid), 'uid'],
    [`"resourceVersion":${JSON.stringify(resourceVersion)}`, 'resourceVersion'],
    [writtenAtJson, 'time'],
  ];
  const parts: string[] = [];
  const slots: Slot[] = [];
  let rest = json;
  for (;;) {
    let next: { at: number; mark: string; slot: Slot } | undefined;
    for (const [mark, slot] of marks) {
      const at = rest.indexOf(mark);
      if (at >= 0 && (!next || at < next.at)) next = { at, mark, slot };
    }
    if (!next) break;
    parts.push(rest.slice(0, next.at));
    slots.push(next.slot);
    rest = rest.slice(next.at + next.mark.length);
  }
  parts.push(rest);
  return { parts, slots };
}

export class ClusterTemplate {
  constructor(private readonly objects: readonly TemplateObject[]) {}

  copyInto(target: GenericStore, now: Date): void {
    const time = JSON.stringify(timestamp(now));
    for (const object of this.objects) {
      const uid = JSON.stringify(randomUUID());
      target.restore(object.resource, object.key, (resourceVersion) => {
        const values = { uid, resourceVersion: `"resourceVersion":${JSON.stringify(resourceVersion)}`, time };
        let json = object.parts[0];
        for (let i = 0; i < object.slots.length; i++) json += values[object.slots[i]] + object.parts[i + 1];
        return json;
      });
    }
  }
}

const templates = new Map<string, ClusterTemplate>();

/**
 * The template `write` produces against this registry, made on first use. `write` runs on a scratch
 * store and may create what it needs besides (namespaces); only `resources` are kept.
 */
export function clusterTemplate(registry: Registry, resources: ReadonlySet<string>, write: (scratch: TemplateServices) => void): ClusterTemplate {
  // What the template holds follows the served group-versions (an APIService each).
  const key = registry
    .allGroupVersions()
    .map((e) => `${e.group}/${e.version}`)
    .join(',');
  let template = templates.get(key);
  if (!template) {
    const store = new MemoryStore({ historySize: 1, historyBytes: 1 });
    const clock = new ManualClock(writtenAt);
    const objects = new GenericStore(store, clock, (resource) => registry.findByResource(resource), builtinAdmissionChain());
    const scratch = { clock, registry, store, objects };
    write(scratch);
    const kept = [...resources].flatMap((resource) => store.list(resource));
    kept.sort((a, b) => a.resourceVersion - b.resourceVersion);
    template = new ClusterTemplate(
      kept.map((s) => ({ resource: s.resource, key: s.key, ...cut(s.json, s.object.metadata.uid ?? '', String(s.resourceVersion)) })),
    );
    templates.set(key, template);
  }
  return template;
}
