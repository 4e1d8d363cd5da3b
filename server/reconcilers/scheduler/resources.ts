// What a pod asks of a node (resource helpers' PodRequests): the larger of its containers' sum and
// what any init container needs while it runs, sidecars included, plus the pod overhead.

import { podTotal } from '../../pod-totals.js';
import { QuantityError, resourceAmount } from '../../quantity.js';

type Json = Record<string, any>;

/** Amounts by resource name: millicores for cpu, whole units for everything else. */
export type Amounts = Map<string, bigint>;

/** Requests the scoring plugins assume for a container that asks for nothing (100m cpu, 200Mi memory). */
const nonZeroCpu = 100n;
const nonZeroMemory = 200n * 1024n * 1024n;

function containerRequests(container: Json): Amounts {
  const out: Amounts = new Map();
  for (const [name, value] of Object.entries((container?.resources?.requests ?? {}) as Record<string, string>)) {
    try {
      out.set(name, resourceAmount(name, value));
    } catch (err) {
      if (!(err instanceof QuantityError)) throw err;
    }
  }
  return out;
}

function add(into: Amounts, from: Amounts): void {
  for (const [name, value] of from) into.set(name, (into.get(name) ?? 0n) + value);
}

function maxInto(into: Amounts, from: Amounts): void {
  for (const [name, value] of from) if (value > (into.get(name) ?? 0n)) into.set(name, value);
}

export function podRequests(spec: Json | undefined): Amounts {
  const total = podTotal(spec, { of: containerRequests, add, max: maxInto });
  add(total, containerRequests({ resources: { requests: spec?.overhead } }));
  return total;
}

/** cpu and memory as the scoring plugins count them: a container asking for none counts as asking for a little. */
export function nonZeroRequests(spec: Json | undefined): { cpu: bigint; memory: bigint } {
  let cpu = 0n;
  let memory = 0n;
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? []).filter((i: Json) => i?.restartPolicy === 'Always')]) {
    const requests = containerRequests(c);
    cpu += requests.has('cpu') ? requests.get('cpu')! : nonZeroCpu;
    memory += requests.has('memory') ? requests.get('memory')! : nonZeroMemory;
  }
  return { cpu, memory };
}

export function allocatableOf(node: Json): Amounts {
  const out: Amounts = new Map();
  for (const [name, value] of Object.entries((node.status?.allocatable ?? {}) as Record<string, string>)) {
    try {
      out.set(name, resourceAmount(name, value));
    } catch (err) {
      if (!(err instanceof QuantityError)) throw err;
    }
  }
  return out;
}
