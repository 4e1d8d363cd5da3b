#!/usr/bin/env node
// kubemock command line: start a server, write a kubeconfig, stop cleanly on SIGINT/SIGTERM.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { controllerCatalog } from './reconcilers/index.js';
import { ControllerSelectionError, parseControllerList, selectControllers, type ControllerSelection } from './reconcilers/selection.js';
import { readStagesFile, StageError, type KubeletStage } from './reconcilers/kubelet-stages.js';
import { startServer } from './server.js';

const usage = `Usage: kubemock [options]

A Kubernetes-API-compatible mock server.

Options:
  --port PORT         port to listen on; 0 picks a free one (default 6443)
  --host HOST         address to listen on (default 127.0.0.1)
  --kubeconfig FILE   write a kubeconfig for this server to FILE
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
        token: { type: 'string' },
        'insecure-http': { type: 'boolean' },
        'tls-san': { type: 'string', multiple: true },
        'cert-dir': { type: 'string' },
        'history-size': { type: 'string' },
        controllers: { type: 'string' },
        nodes: { type: 'string' },
        'kubelet-stages': { type: 'string' },
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

  const server = await startServer({
    controllers,
    nodes: integerFlag('nodes', values.nodes, 0, 10_000),
    kubeletStages,
    port: integerFlag('port', values.port, 0, 65535),
    host: values.host,
    token: values.token,
    insecureHttp: values['insecure-http'],
    tlsSans: values['tls-san'],
    certDir: values['cert-dir'],
    kubeconfigPath: values.kubeconfig,
    historySize: integerFlag('history-size', values['history-size'], 1, 10_000_000),
    accessLog: values.log ? (line) => process.stderr.write(`${line}\n`) : undefined,
  });
  process.stdout.write(`kubemock listening on ${server.url}\n`);

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
