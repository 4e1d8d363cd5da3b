// Helpers for comparing `kubectl get` output with what kubectl prints against a real cluster.

/** What kubectl's tabwriter makes of rows of cells: each column but the last padded to its widest cell plus three. */
export function aligned(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)) + 3);
  return rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]) : cell)).join('')).join('\n') + '\n';
}

/** A timestamp `offsetMs` after `t0`, in whole seconds as metav1.Time writes it. */
export function timeAt(t0: number, offsetMs: number): string {
  return new Date(t0 + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
