// ConfigMap bodies for the benches; each carries its own data string, as a parsed HTTP body would.

import { randomBytes } from 'node:crypto';

/** A ConfigMap with `dataBytes` of hex data; pass `name` or `generateName`. */
export function configMapJson(metadata: { name?: string; generateName?: string }, dataBytes: number): string {
  const data = randomBytes(Math.ceil(dataBytes / 2)).toString('hex').slice(0, dataBytes);
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { ...metadata, labels: { app: 'kubemock-bench' } },
    data: { payload: data },
  });
}
