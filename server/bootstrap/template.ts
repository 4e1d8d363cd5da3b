// The objects every fresh cluster starts with that do not depend on the running server, written
// through the write path into a scratch store, then copied into each new or reset store with fresh
// uids and times. Writing ~150 objects through defaulting, validation and managedFields (and loading
// the schemas that takes) costs a first start well over a hundred milliseconds; copying them takes a
// few. So the build writes the template once (tools/start-objects) and a process reads that file,
// writing the template itself only when the registry serves other group-versions than the build's.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

/**
 * What differs between copies, in the order it occurs in a template object's JSON: the uid,
 * resourceVersion and time, or a value the template was written with a placeholder for.
 */
type Slot = string;

/** Values a copy fills in where the template was written with placeholders, by name. */
export type Fills = Record<string, string | number>;

export interface TemplateObject {
  resource: string;
  key: string;
  /** The serialized object cut where a slot goes: parts[i] precedes slots[i]. */
  parts: string[];
  slots: Slot[];
}

function cut(json: string, uid: string, resourceVersion: string, placeholders: Fills): Pick<TemplateObject, 'parts' | 'slots'> {
  const marks: Array<[string, Slot]> = [
    [JSON.stringify(uid), 'uid'],
    [`"resourceVersion":${JSON.stringify(resourceVersion)}`, 'resourceVersion'],
    [writtenAtJson, 'time'],
    ...Object.entries(placeholders).map(([name, value]): [string, Slot] => [JSON.stringify(value), name]),
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
  // A placeholder that also occurs inside another value would be cut wrongly: the build refuses it.
  const left = Object.values(placeholders).find((value) => parts.some((part) => part.includes(String(value))));
  if (left !== undefined) throw new Error(`template: placeholder ${left} is not a whole value of ${json}`);
  return { parts, slots };
}

/** A template as the build writes it: the served group-versions it was written for, and its objects. */
export interface TemplateFile {
  key: string;
  objects: TemplateObject[];
  /** Objects written with placeholders for what depends on the running server (port, CA, host). */
  serverObjects?: TemplateObject[];
}

export class ClusterTemplate {
  constructor(readonly objects: readonly TemplateObject[]) {}

  /** `fills` are the values of the `placeholders` the objects were written with, by name (a key holds a placeholder's text as is). */
  copyInto(target: GenericStore, now: Date, fills: Fills = {}, placeholders: Fills = {}): void {
    const time = JSON.stringify(timestamp(now));
    const filled = Object.fromEntries(Object.entries(fills).map(([name, value]) => [name, JSON.stringify(value)]));
    const keyFills = Object.entries(placeholders).map(([name, value]) => [String(value), String(fills[name])]);
    for (const object of this.objects) {
      const uid = JSON.stringify(randomUUID());
      const key = keyFills.reduce((k, [placeholder, value]) => k.replaceAll(placeholder, value), object.key);
      target.restore(object.resource, key, (resourceVersion) => {
        const values: Record<Slot, string> = { ...filled, uid, resourceVersion: `"resourceVersion":${JSON.stringify(resourceVersion)}`, time };
        let json = object.parts[0];
        for (let i = 0; i < object.slots.length; i++) json += values[object.slots[i]] + object.parts[i + 1];
        return json;
      });
    }
  }
}

/** Where the build leaves its template, beside this module. */
export const templateFileUrl = new URL('./start-objects.json', import.meta.url);

const templates = new Map<string, ClusterTemplate>();
let built: TemplateFile | null | undefined;

/** The build's template, read once; null when there is none (sources run without a build). */
function builtTemplate(): TemplateFile | null {
  if (built === undefined) {
    try {
      built = JSON.parse(readFileSync(templateFileUrl, 'utf8')) as TemplateFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      built = null;
    }
  }
  return built;
}

/** What the template holds follows the served group-versions (an APIService each). */
export function templateKey(registry: Registry): string {
  return registry
    .allGroupVersions()
    .map((e) => `${e.group}/${e.version}`)
    .join(',');
}

/**
 * Writes the template through the write path against this registry. `write` runs on a scratch store
 * and may create what it needs besides (namespaces); only `resources` are kept.
 */
export function writeTemplate(registry: Registry, resources: ReadonlySet<string>, write: (scratch: TemplateServices) => void, placeholders: Fills = {}): TemplateFile {
  const store = new MemoryStore({ historySize: 1, historyBytes: 1 });
  const clock = new ManualClock(writtenAt);
  const objects = new GenericStore(store, clock, (resource) => registry.findByResource(resource), builtinAdmissionChain());
  write({ clock, registry, store, objects });
  const kept = [...resources].flatMap((resource) => store.list(resource));
  kept.sort((a, b) => a.resourceVersion - b.resourceVersion);
  return {
    key: templateKey(registry),
    objects: kept.map((s) => ({ resource: s.resource, key: s.key, ...cut(s.json, s.object.metadata.uid ?? '', String(s.resourceVersion), placeholders) })),
  };
}

/** The template for this registry, made on first use: the build's when it fits, else written now. */
export function clusterTemplate(registry: Registry, resources: ReadonlySet<string>, write: (scratch: TemplateServices) => void): ClusterTemplate {
  const key = templateKey(registry);
  let template = templates.get(key);
  if (!template) {
    const file = builtTemplate();
    template = new ClusterTemplate((file?.key === key ? file : writeTemplate(registry, resources, write)).objects);
    templates.set(key, template);
  }
  return template;
}

const serverTemplates = new Map<string, ClusterTemplate | null>();

/** The build's template of the server-dependent objects for this registry; null when the build's does not fit (then they are written). */
export function serverTemplate(registry: Registry): ClusterTemplate | null {
  const key = templateKey(registry);
  let template = serverTemplates.get(key);
  if (template === undefined) {
    const file = builtTemplate();
    template = file?.key === key && file.serverObjects ? new ClusterTemplate(file.serverObjects) : null;
    serverTemplates.set(key, template);
  }
  return template;
}
