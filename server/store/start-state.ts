// The start-up state a reset returns to: the objects stored at start, handed out each time under new
// uids as a fresh cluster would have them (ownerReferences follow). The serializations are cut at
// their uids once, so a reset only joins strings.

import { randomUUID } from 'node:crypto';
import { StoredObject, type StoreSnapshot } from './memory-store.js';

const uuidPattern = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

interface Template {
  resource: string;
  key: string;
  resourceVersion: number;
  /** The serialization around its uids: text, uid slot, text, ..., text. */
  texts: string[];
  slots: number[];
}

export class StartState {
  private readonly templates = new Map<string, Template[]>();
  private readonly uidCount: number;

  constructor(snapshot: StoreSnapshot) {
    const slots = new Map<string, number>();
    for (const objects of snapshot.values()) for (const stored of objects) if (stored.object.metadata.uid) slots.set(stored.object.metadata.uid, slots.size);
    this.uidCount = slots.size;
    for (const [resource, objects] of snapshot) {
      this.templates.set(
        resource,
        objects.map((stored) => {
          const template: Template = { resource, key: stored.key, resourceVersion: stored.resourceVersion, texts: [], slots: [] };
          let from = 0;
          for (const match of stored.json.matchAll(uuidPattern)) {
            const slot = slots.get(match[0]);
            if (slot === undefined) continue;
            template.texts.push(stored.json.slice(from, match.index));
            template.slots.push(slot);
            from = match.index + match[0].length;
          }
          template.texts.push(stored.json.slice(from));
          return template;
        }),
      );
    }
  }

  /** The start-up objects under new uids. */
  fresh(): StoreSnapshot {
    const uids = Array.from({ length: this.uidCount }, () => randomUUID());
    const snapshot = new Map<string, StoredObject[]>();
    for (const [resource, templates] of this.templates) {
      snapshot.set(
        resource,
        templates.map(({ key, resourceVersion, texts, slots }) => {
          let json = texts[0];
          for (let i = 0; i < slots.length; i++) json += uids[slots[i]] + texts[i + 1];
          return new StoredObject(resource, key, undefined, resourceVersion, json);
        }),
      );
    }
    return snapshot;
  }
}
