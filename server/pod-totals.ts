// What a pod asks for in all, as the resource helpers' PodRequests and PodLimits count it before the
// overhead: per resource, the larger of its containers and sidecars summed and what any init
// container needs while it runs beside the sidecars started before it. The scheduler, quota and
// LimitRanger each keep amounts their own way, so the walk takes how to read, add and compare them.

type Json = Record<string, any>;

export interface PodAmounts<T> {
  /** A container's amounts. */
  of(container: Json): Map<string, T>;
  add(into: Map<string, T>, from: Map<string, T>): void;
  max(into: Map<string, T>, from: Map<string, T>): void;
}

export function podTotal<T>(spec: Json | undefined, amounts: PodAmounts<T>): Map<string, T> {
  const total = new Map<string, T>();
  for (const c of Array.isArray(spec?.containers) ? spec.containers : []) amounts.add(total, amounts.of(c));
  const sidecars = new Map<string, T>();
  const initPeak = new Map<string, T>();
  for (const c of Array.isArray(spec?.initContainers) ? spec.initContainers : []) {
    const own = amounts.of(c);
    if (c?.restartPolicy === 'Always') {
      amounts.add(sidecars, own);
      amounts.max(initPeak, sidecars);
    } else {
      const running = new Map(sidecars);
      amounts.add(running, own);
      amounts.max(initPeak, running);
    }
  }
  amounts.add(total, sidecars);
  amounts.max(total, initPeak);
  return total;
}
