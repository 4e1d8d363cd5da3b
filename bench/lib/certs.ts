// One CA and serving certificate per bench run, shared by kubemock (--cert-dir) and the bare-Node
// baseline, so both pay for exactly the same TLS key type and chain.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../server/clock.js';
import { loadOrCreateCertificates, type ServingCertificates } from '../../server/tls.js';

export interface BenchCertificates extends ServingCertificates {
  /** Holds the files kubemock's --cert-dir reads. */
  dir: string;
  remove(): Promise<void>;
}

export async function benchCertificates(): Promise<BenchCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'kubemock-bench-'));
  const certificates = await loadOrCreateCertificates({ certDir: dir, sans: ['127.0.0.1'], clock: systemClock });
  return { ...certificates, dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
