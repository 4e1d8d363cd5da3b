#!/usr/bin/env node
// kubemock command line: start a server, write a kubeconfig, stop cleanly on SIGINT/SIGTERM.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { controllerCatalog } from './reconcilers/index.js';
import { ControllerSelectionError, parseControllerList, selectControllers, type ControllerSelection } from './reconcilers/selection.js';
import { readStagesFile, StageError, type KubeletStage } from './reconcilers/kubelet-stages.js';
import { SeedWriter, seedFieldManager } from './seed/writer.js';
import { startServer, writeKubeconfig, type RunningServer } from './server.js';

const usage = `Usage: kubemock [options]

A Kubernetes-API-compatible mock server.

Options:
  --port PORT         port to listen on; 0 picks a free one (default 6443)
  --host HOST         address to listen on (default 127.0.0.1)
  --kubeconfig FILE   write a kubeconfig for this server to FILE (once seeded)
  --kubeconfig-mode M file mode of that kubeconfig, in octal (default 0600)
  --advertise-url URL the server address to write into the kubeconfig, when clients
                      reach kubemock by another address than it listens on
  --seed PATH         create the objects of a YAML/JSON file, or of a folder's
                      .yaml, .yml and .json files, before announcing readiness (repeatable)
  --token TOKEN       bearer token clients must present (default: random per start)
  --insecure-http     serve plain HTTP instead of HTTPS
  --tls-san NAME      extra DNS name or IP for the serving certificate (repeatable)
  --cert-dir DIR      reuse the CA and serving certificate in DIR, or write them there
  --history-size N    watch events kept for resumption (default 10000)
  --controllers LIST  controllers to run, as kube-controller-manager's flag: * is all,
                      -name turns one off (default *; none runs nothing, as envtest)
  --nodes N           nodes the kubelets register (default 1)
  --kubelet-stages FILE  how containers behave (pull, start, readiness, exit, logs):
                      a YAML or JSON list of kubelet stages
  --storage-provisioner  a default StorageClass "standard" and a provisioner that
                      makes volumes for its claims, as on kind or k3s
  --log               print one line per request to stderr
  --help              show this help
  --version           print the version
`;

function fail(message: string): never {
  process.stderr.write(`kubemock: ${message}\n`);
  process.exit(2);
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function integerFlag(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) fail(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return Number(value);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        kubeconfig: { type: 'string' },
        'kubeconfig-mode': { type: 'string' },
        'advertise-url': { type: 'string' },
        seed: { type: 'string', multiple: true },
        token: { type: 'string' },
        'insecure-http': { type: 'boolean' },
        'tls-san': { type: 'string', multiple: true },
        'cert-dir': { type: 'string' },
        'history-size': { type: 'string' },
        controllers: { type: 'string' },
        nodes: { type: 'string' },
        'kubelet-stages': { type: 'string' },
        'storage-provisioner': { type: 'boolean' },
        log: { type: 'boolean' },
        help: { type: 'boolean' },
        version: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    fail((err as Error).message.split('\n')[0]);
  }
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  if (values.version) {
    process.stdout.write(`kubemock ${packageVersion()}\n`);
    return;
  }
  if (values.token !== undefined && !/^[\x21-\x7e]+$/.test(values.token)) fail('--token must be printable ASCII without spaces');

  let controllers: ControllerSelection | undefined;
  if (values.controllers !== undefined) {
    controllers = parseControllerList(values.controllers);
    try {
      selectControllers(controllerCatalog, controllers);
    } catch (err) {
      if (err instanceof ControllerSelectionError) fail(`--controllers: ${err.message}`);
      throw err;
    }
  }

  let kubeletStages: KubeletStage[] | undefined;
  if (values['kubelet-stages'] !== undefined) {
    try {
      kubeletStages = readStagesFile(values['kubelet-stages']);
    } catch (err) {
      if (err instanceof StageError) fail(`--kubelet-stages: ${err.message}`);
      throw err;
    }
  }

  const mode = values['kubeconfig-mode'];
  if (mode !== undefined && !/^0?[0-7]{3}$/.test(mode)) fail(`--kubeconfig-mode must be an octal file mode such as 0600 or 0644, got "${mode}"`);
  const advertiseUrl = values['advertise-url'];
  if (advertiseUrl !== undefined && !/^https?:\/\/[^/]+\/?$/.test(advertiseUrl)) fail(`--advertise-url must be a scheme, host and port such as https://kubemock:6443, got "${advertiseUrl}"`);
  const host = values.host ?? '127.0.0.1';
  const port = integerFlag('port', values.port, 0, 65535);

  let server: RunningServer;
  try {
    server = await startServer({
      controllers,
      nodes: integerFlag('nodes', values.nodes, 0, 10_000),
      kubeletStages,
      storageProvisioner: values['storage-provisioner'],
      port,
      host,
      token: values.token,
      insecureHttp: values['insecure-http'],
      tlsSans: values['tls-san'],
      certDir: values['cert-dir'],
      advertiseUrl: advertiseUrl?.replace(/\/$/, ''),
      historySize: integerFlag('history-size', values['history-size'], 1, 10_000_000),
      accessLog: values.log ? (line) => process.stderr.write(`${line}\n`) : undefined,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`kubemock: ${host}:${port ?? 6443} is already in use (another kubemock or API server?); choose another port with --port, or --port 0 for a free one\n`);
      process.exit(1);
    }
    throw err;
  }
  if (values.seed) {
    const writer = new SeedWriter(server.url, server.token, server.caCert, server.services.registry, seedFieldManager);
    try {
      for (const path of values.seed) await writer.seed(path);
    } catch (err) {
      process.stderr.write(`kubemock: --seed: ${(err as Error).message}\n`);
      await server.close();
      process.exit(1);
    } finally {
      writer.close();
    }
  }
  if (values.kubeconfig) await writeKubeconfig(values.kubeconfig, server.kubeconfig, mode === undefined ? undefined : parseInt(mode, 8));
  process.stdout.write(`kubemock listening on ${server.url}${advertiseUrl ? ` (clients use ${advertiseUrl})` : ''}\n`);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const deadline = setTimeout(() => process.exit(0), 900);
    deadline.unref();
    server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  process.stderr.write(`kubemock: ${(err as Error).message}\n`);
  process.exit(1);
});
