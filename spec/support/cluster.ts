// Starts a real listening kubemock for a spec file and builds clients that reach it.

import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer, type ServerOptions } from '../../server/server.js';

export interface TestCluster {
  server: RunningServer;
  kubeconfig: k8s.KubeConfig;
  kubeconfigPath: string;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  objects: k8s.KubernetesObjectApi;
  /** Runs kubectl against this server; resolves with stdout, stderr and the exit code. */
  kubectl(args: string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }>;
  /** kubectl that must succeed: its stdout, or the spec fails with kubectl's stderr. */
  kubectlOk(args: string[], input?: string): Promise<string>;
  /** `kubectl … -o json` that must succeed, parsed. */
  kubectlJson(args: string[]): Promise<any>;
  /** A raw HTTP(S) request with the kubeconfig's credentials. */
  request(path: string, init?: { method?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawResponse>;
  stop(): Promise<void>;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any;
}

export async function startCluster(options: ServerOptions = {}): Promise<TestCluster> {
  // Specs that ask for unserved APIs on purpose would fill the output with the one-time warnings.
  const server = await startServer({ port: 0, warn: () => undefined, ...options });
  const dir = mkdtempSync(join(tmpdir(), 'kubemock-spec-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, server.kubeconfig);
  const kubeconfig = new k8s.KubeConfig();
  kubeconfig.loadFromString(server.kubeconfig);
  const { request } = await import('./raw-request.js');
  return {
    server,
    kubeconfig,
    kubeconfigPath,
    core: kubeconfig.makeApiClient(k8s.CoreV1Api),
    apps: kubeconfig.makeApiClient(k8s.AppsV1Api),
    objects: k8s.KubernetesObjectApi.makeApiClient(kubeconfig),
    kubectl(args, input) {
      return new Promise((resolve) => {
        const child = execFile(
          'kubectl',
          [`--kubeconfig=${kubeconfigPath}`, `--cache-dir=${join(dir, 'cache')}`, ...args],
          { env: { ...process.env, KUBECONFIG: kubeconfigPath }, maxBuffer: 64 * 1024 * 1024 },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
            resolve({ stdout, stderr, code });
          },
        );
        if (input !== undefined) child.stdin!.end(input);
      });
    },
    async kubectlOk(this: TestCluster, args: string[], input?: string) {
      const result = await this.kubectl(args, input);
      expect(result.code, result.stderr).to.equal(0);
      return result.stdout;
    },
    async kubectlJson(this: TestCluster, args: string[]) {
      return JSON.parse(await this.kubectlOk([...args, '-o', 'json']));
    },
    request: (path, init) => request(server, path, init),
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Controllers for specs of the API surface itself: everything but the workload controllers and the
 * volume binder, which would scale, adopt, bind and rewrite the status of the objects such specs
 * write by hand.
 */
export const withoutWorkloadControllers: string[] = [
  '*',
  '-deployment',
  '-replicaset',
  '-replicationcontroller',
  '-statefulset',
  '-daemonset',
  '-job',
  '-cronjob',
  '-ttl-after-finished',
  '-disruption',
  '-resourcequota',
  '-persistentvolume-binder',
];
