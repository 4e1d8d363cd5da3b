// Order statistics over measured samples.

/** Nearest-rank percentile (p in 0..100) of samples sorted ascending. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function sortedSamples(samples: ArrayLike<number>): Float64Array {
  return Float64Array.from(samples).sort();
}

export function median(samples: ArrayLike<number>): number {
  return percentile(sortedSamples(samples), 50);
}
