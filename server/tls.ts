// The cluster CA and the serving certificate: reused from --cert-dir when it holds them,
// generated otherwise (and kept there when a --cert-dir is given).

import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from './clock.js';

export interface ServingCertificates {
  caCert: string;
  cert: string;
  key: string;
}

const files = { caCert: 'ca.crt', caKey: 'ca.key', cert: 'apiserver.crt', key: 'apiserver.key' };

/** Names every kubemock serving certificate covers, besides the listen host and --tls-san values. */
export const defaultSubjectAltNames = ['localhost', '127.0.0.1', '::1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', '10.96.0.1'];

export async function loadOrCreateCertificates(options: { certDir?: string; sans: string[]; clock: Clock }): Promise<ServingCertificates> {
  const { certDir } = options;
  const paths = certDir ? Object.fromEntries(Object.entries(files).map(([k, f]) => [k, join(certDir, f)])) : undefined;
  if (paths && Object.values(paths).every((p) => existsSync(p))) {
    const [caCert, cert, key] = await Promise.all([readFile(paths.caCert, 'utf8'), readFile(paths.cert, 'utf8'), readFile(paths.key, 'utf8')]);
    return { caCert, cert, key };
  }
  const { generateCertificates } = await import('./certificates.js');
  const generated = await generateCertificates([...defaultSubjectAltNames, ...options.sans], options.clock.now());
  if (paths) {
    await mkdir(certDir!, { recursive: true });
    await Promise.all([
      writeFile(paths.caCert, generated.caCert),
      writeFile(paths.caKey, generated.caKey, { mode: 0o600 }),
      writeFile(paths.cert, generated.cert),
      writeFile(paths.key, generated.key, { mode: 0o600 }),
    ]);
  }
  return { caCert: generated.caCert, cert: generated.cert, key: generated.key };
}
