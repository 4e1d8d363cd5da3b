// The cluster CA and the serving certificate: reused from --cert-dir when it holds them,
// generated otherwise (and kept there when a --cert-dir is given).

import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateCertificates } from './certificates.js';
import type { Clock } from './clock.js';

export interface ServingCertificates {
  caCert: string;
  cert: string;
  key: string;
}

const files = { caCert: 'ca.crt', caKey: 'ca.key', cert: 'apiserver.crt', key: 'apiserver.key' };

/** Names every kubemock serving certificate covers, besides the listen host and --tls-san values. */
export const defaultSubjectAltNames = ['localhost', '127.0.0.1', '::1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', '10.96.0.1'];

type Generated = ServingCertificates & { caKey: string };

/**
 * Every server gets certificates of its own (a CA no other server uses); making them takes a few
 * milliseconds, a good part of a warm start. A process that starts a second server for the same
 * names is one that starts many (a cluster per test): from then on one set is made ahead in the
 * background, for the next server to take.
 */
const spares = new Map<string, Promise<Generated>>();
const namesSeen = new Set<string>();

function certificatesFor(sans: string[], clock: Clock): Promise<Generated> {
  const names = [...new Set(sans)];
  const key = names.join(',');
  const make = () => generateCertificates(names, clock.now());
  const taken = spares.get(key) ?? make();
  spares.delete(key);
  if (namesSeen.has(key)) {
    // Made once this server's are done, so as not to slow it.
    const spare = taken.then(make, make);
    spare.catch(() => {
      if (spares.get(key) === spare) spares.delete(key);
    });
    spares.set(key, spare);
  }
  namesSeen.add(key);
  return taken;
}

/** The serving certificates and the CA's key, which signs the certificates CSRs ask for. */
export async function loadOrCreateCertificates(options: { certDir?: string; sans: string[]; clock: Clock }): Promise<Generated> {
  const { certDir } = options;
  const paths = certDir ? Object.fromEntries(Object.entries(files).map(([k, f]) => [k, join(certDir, f)])) : undefined;
  if (paths && Object.values(paths).every((p) => existsSync(p))) {
    const [caCert, caKey, cert, key] = await Promise.all([readFile(paths.caCert, 'utf8'), readFile(paths.caKey, 'utf8'), readFile(paths.cert, 'utf8'), readFile(paths.key, 'utf8')]);
    return { caCert, caKey, cert, key };
  }
  const generated = await certificatesFor([...defaultSubjectAltNames, ...options.sans], options.clock);
  if (paths) {
    await mkdir(certDir!, { recursive: true });
    await Promise.all([
      writeFile(paths.caCert, generated.caCert),
      writeFile(paths.caKey, generated.caKey, { mode: 0o600 }),
      writeFile(paths.cert, generated.cert),
      writeFile(paths.key, generated.key, { mode: 0o600 }),
    ]);
  }
  return generated;
}
