// A closed-loop load generator: a fixed number of in-flight requests, stopped by a request count or a
// deadline, whichever comes first.

import { performance } from 'node:perf_hooks';

export interface LoadOptions {
  concurrency: number;
  durationMs: number;
  maxRequests: number;
  /** One request; resolves true when the answer was the expected one. */
  request: () => Promise<boolean>;
}

export interface LoadResult {
  completed: number;
  failed: number;
  perSecond: number;
  /** Latency of each successful request, in completion order. */
  latenciesMs: Float64Array;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies = new Float64Array(options.maxRequests);
  let started = 0;
  let completed = 0;
  let failed = 0;
  const begin = performance.now();
  const deadline = begin + options.durationMs;
  const worker = async () => {
    while (started < options.maxRequests && performance.now() < deadline) {
      started++;
      const t0 = performance.now();
      const ok = await options.request().catch(() => false);
      if (ok) latencies[completed++] = performance.now() - t0;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsedMs = performance.now() - begin;
  return { completed, failed, perSecond: (completed / elapsedMs) * 1000, latenciesMs: latencies.subarray(0, completed) };
}
