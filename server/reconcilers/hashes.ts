// The hashes kube-controller-manager names objects by: a Deployment's pod-template-hash
// (controller.ComputeHash: FNV-32a of the template as go-spew prints it, plus the collision count)
// and a ControllerRevision's name suffix (history.HashControllerRevision: FNV-32 of its data).
// Both are encoded with apimachinery's SafeEncodeString, so names match a real cluster's. The
// endpoints controller orders subsets and ports by md5 hashes of their Go values.

import { createHash } from 'node:crypto';
import { endpointPortType, endpointSubsetType, goLayout, podTemplateSpecType } from './go-layout.js';
import { GoSpew } from './go-spew.js';

const alphanums = 'bcdfghjklmnpqrstvwxz2456789';
const fnvOffset = 0x811c9dc5;
const fnvPrime = 0x01000193;

const spew = new GoSpew(goLayout);
const encoder = new TextEncoder();

/** rand.SafeEncodeString: each character mapped into the name alphabet. */
export function safeEncode(text: string): string {
  let out = '';
  for (const char of text) out += alphanums[char.codePointAt(0)! % alphanums.length];
  return out;
}

function fnv1a(hash: number, bytes: Uint8Array): number {
  for (const byte of bytes) hash = Math.imul(hash ^ byte, fnvPrime) >>> 0;
  return hash;
}

function fnv1(hash: number, bytes: Uint8Array): number {
  for (const byte of bytes) hash = (Math.imul(hash, fnvPrime) ^ byte) >>> 0;
  return hash;
}

/** The text kube-controller-manager hashes for a pod template (exported for its unit spec). */
export function printedPodTemplate(template: unknown): string {
  return spew.print(podTemplateSpecType, template);
}

/** The pod-template-hash label value of a Deployment's ReplicaSet for `template`. */
export function podTemplateHash(template: unknown, collisionCount?: number): string {
  let hash = fnv1a(fnvOffset, encoder.encode(printedPodTemplate(template)));
  if (collisionCount !== undefined) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    hash = fnv1a(hash, bytes);
  }
  return safeEncode(String(hash));
}

/** The suffix of a ControllerRevision's name for its serialized data and collision count. */
export function controllerRevisionHash(data: string, collisionCount?: number): string {
  let hash = fnv1(fnvOffset, encoder.encode(data));
  if (collisionCount !== undefined) hash = fnv1(hash, encoder.encode(String(collisionCount)));
  return safeEncode(String(hash));
}

/** The md5 hex of an EndpointSubset or EndpointPort as go-spew prints it (endpoints.SortSubsets). */
export function endpointsOrderHash(kind: 'subset' | 'port', value: unknown): string {
  return createHash('md5')
    .update(spew.print(kind === 'subset' ? endpointSubsetType : endpointPortType, value))
    .digest('hex');
}
