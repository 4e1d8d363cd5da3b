// What both runners' tests share: a cluster that starts (and resets) with the Website CRD on a
// manual clock, the operator under test started against it, and Websites as YAML to seed.

import * as k8s from '@kubernetes/client-node';
import { fileURLToPath } from 'node:url';
import { startKubemock, type Kubemock, type ManualClock } from 'kubemock/testkit';
import { group, startWebsiteOperator, version } from '../operator.js';

export const readyDelay = '30s';

/** The CRD is a start-up object: every reset() brings it back, established. Website pods take 30 s of the clock to become ready. */
export function startCluster(): Promise<Kubemock<ManualClock>> {
  return startKubemock({
    clock: 'manual',
    objects: fileURLToPath(new URL('../crd.yaml', import.meta.url)),
    kubeletStages: [{ match: { labels: { 'app.kubernetes.io/name': 'website' } }, ready: { delayMs: 30_000 } }],
  });
}

export interface OperatorUnderTest {
  /** What the operator reported through onError. */
  errors: unknown[];
  stop(): Promise<void>;
}

export async function startOperator(cluster: Kubemock): Promise<OperatorUnderTest> {
  const errors: unknown[] = [];
  const operator = await startWebsiteOperator(cluster.kubeConfig(k8s.KubeConfig), { namespace: 'default', onError: (err) => errors.push(err), retryMs: 50 });
  return { errors, stop: () => operator.stop() };
}

export function websiteYaml(name: string, replicas: number): string {
  return `apiVersion: ${group}/${version}\nkind: Website\nmetadata:\n  name: ${name}\nspec:\n  image: nginx:1.27\n  replicas: ${replicas}\n`;
}

export const websiteRef = (name: string) => ({ apiVersion: `${group}/${version}`, kind: 'Website', name });

export interface WebsiteStatus {
  observedGeneration?: number;
  readyReplicas?: number;
  url?: string;
  conditions?: Array<{ type: string; status: string; reason?: string }>;
}
