import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

// The command as the package installs it (the bundle its bin names).
const cli = fileURLToPath(new URL('../bundle/cli.js', import.meta.url));

interface Started {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stderr: () => string;
}

function startCli(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [cli, ...args]);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => {
      stdout += c;
      const match = /^kubemock listening on (\S+)( \(clients use \S+\))?\n/.exec(stdout);
      if (match) resolve({ child, url: match[1], stderr: () => stderr });
    });
    child.on('exit', (code) => reject(new Error(`kubemock exited with ${code}: ${stderr}`)));
  });
}

function stopped(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

function kubectl(kubeconfig: string, args: string[]) {
  return spawnSync('kubectl', [`--kubeconfig=${kubeconfig}`, ...args], { encoding: 'utf8' });
}

describe('kubemock command line', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubemock-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints help and its version', () => {
    const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(help.status).to.equal(0);
    expect(help.stdout).to.match(/^Usage: kubemock \[options\]/);
    for (const flag of ['--port', '--host', '--kubeconfig', '--token', '--insecure-http', '--tls-san', '--cert-dir']) expect(help.stdout).to.include(flag);
    const version = spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8' });
    expect(version.status).to.equal(0);
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'));
    expect(version.stdout).to.equal(`kubemock ${pkg.version}\n`);
  });

  it('exits 2 with a one-line error on a bad flag', () => {
    for (const args of [['--nope'], ['--port', 'abc'], ['--port', '70000'], ['--port'], ['--controllers', '*,-nope']]) {
      const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
      expect(result.status, args.join(' ')).to.equal(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).to.have.length(1);
      expect(result.stderr).to.match(/^kubemock: /);
    }
  });

  it('serves HTTPS on a free port and has written a working kubeconfig when it says it listens', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    const { child, url } = await startCli(['--port', '0', '--kubeconfig', kubeconfig, '--token', 'secret-token']);
    try {
      expect(url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(existsSync(kubeconfig)).to.equal(true);
      const config = parseYaml(readFileSync(kubeconfig, 'utf8'));
      expect(config['current-context']).to.equal('kubemock');
      expect(config.clusters[0]).to.deep.include({ name: 'kubemock' });
      expect(config.clusters[0].cluster.server).to.equal(url);
      expect(config.users[0]).to.deep.equal({ name: 'kubemock', user: { token: 'secret-token' } });
      const get = kubectl(kubeconfig, ['get', 'namespaces', '-o', 'name']);
      expect(get.status, get.stderr).to.equal(0);
      expect(get.stdout.split('\n').filter(Boolean)).to.deep.equal(['namespace/default', 'namespace/kube-node-lease', 'namespace/kube-public', 'namespace/kube-system']);
    } finally {
      child.kill('SIGTERM');
      await stopped(child);
    }
  });

  it('stops within a second on SIGTERM and SIGINT, ending open watches, with exit code 0', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const kubeconfig = join(dir, `kubeconfig-${signal}`);
      const { child } = await startCli(['--port', '0', '--kubeconfig', kubeconfig]);
      const watcher = spawn('kubectl', [`--kubeconfig=${kubeconfig}`, 'get', 'configmaps', '-w']);
      await new Promise((resolve) => watcher.stdout.once('data', resolve));
      const started = Date.now();
      child.kill(signal);
      const code = await stopped(child);
      expect(code).to.equal(0);
      expect(Date.now() - started).to.be.below(1000);
      watcher.kill();
    }
  });

  it('serves plain HTTP with --insecure-http and writes a kubeconfig for it', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    const { child, url } = await startCli(['--port', '0', '--insecure-http', '--kubeconfig', kubeconfig]);
    try {
      expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      const config = parseYaml(readFileSync(kubeconfig, 'utf8'));
      expect(config.clusters[0].cluster['certificate-authority-data']).to.equal(undefined);
      const get = kubectl(kubeconfig, ['get', 'ns', 'default', '-o', 'jsonpath={.status.phase}']);
      expect(get.stdout).to.equal('Active');
    } finally {
      child.kill('SIGTERM');
      await stopped(child);
    }
  });

  it('runs only the controllers --controllers names', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    const { child } = await startCli(['--port', '0', '--kubeconfig', kubeconfig, '--controllers', '*,-serviceaccount']);
    try {
      expect(kubectl(kubeconfig, ['create', 'namespace', 'quiet']).status).to.equal(0);
      const deadline = Date.now() + 5000;
      while (kubectl(kubeconfig, ['get', 'configmap', 'kube-root-ca.crt', '-n', 'quiet']).status !== 0 && Date.now() < deadline);
      expect(kubectl(kubeconfig, ['get', 'configmap', 'kube-root-ca.crt', '-n', 'quiet', '-o', 'name']).stdout).to.equal('configmap/kube-root-ca.crt\n');
      const accounts = kubectl(kubeconfig, ['get', 'serviceaccounts', '-n', 'quiet', '-o', 'name']);
      expect(accounts.status).to.equal(0);
      expect(accounts.stdout).to.equal('');
    } finally {
      child.kill('SIGTERM');
      await stopped(child);
    }
  });

  it('brings a default StorageClass with --storage-provisioner, and none without', async () => {
    for (const [flags, expected] of [[['--storage-provisioner'], 'storageclass.storage.k8s.io/standard\n'], [[], '']] as const) {
      const kubeconfig = join(dir, 'kubeconfig');
      const { child } = await startCli(['--port', '0', '--kubeconfig', kubeconfig, ...flags]);
      try {
        const classes = kubectl(kubeconfig, ['get', 'storageclasses', '-o', 'name']);
        expect(classes.status).to.equal(0);
        expect(classes.stdout, flags.join(' ')).to.equal(expected);
      } finally {
        child.kill('SIGTERM');
        await stopped(child);
      }
    }
  });

  it('refuses a wrong token with 401 through kubectl', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    const { child } = await startCli(['--port', '0', '--kubeconfig', kubeconfig]);
    try {
      const get = kubectl(kubeconfig, ['get', 'ns', '--token', 'not-the-token', `--cache-dir=${join(dir, 'cache')}`]);
      expect(get.status).to.not.equal(0);
      expect(get.stderr).to.include('error: You must be logged in to the server (the server has asked for the client to provide credentials)');
    } finally {
      child.kill('SIGTERM');
      await stopped(child);
    }
  });

  it('generates the CA into --cert-dir with every SAN, and reuses it on the next start', async () => {
    const certDir = join(dir, 'certs');
    const kubeconfig = join(dir, 'kubeconfig');
    const first = await startCli(['--port', '0', '--cert-dir', certDir, '--tls-san', 'kubemock.example', '--tls-san', '10.1.2.3', '--kubeconfig', kubeconfig]);
    first.child.kill('SIGTERM');
    await stopped(first.child);
    const served = new X509Certificate(readFileSync(join(certDir, 'apiserver.crt')));
    const ca = new X509Certificate(readFileSync(join(certDir, 'ca.crt')));
    expect(served.verify(ca.publicKey)).to.equal(true);
    for (const san of ['DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1', 'DNS:kubemock.example', 'IP Address:10.1.2.3']) {
      expect(served.subjectAltName).to.include(san);
    }
    const caBefore = readFileSync(join(certDir, 'ca.crt'), 'utf8');
    const second = await startCli(['--port', '0', '--cert-dir', certDir, '--kubeconfig', kubeconfig]);
    try {
      expect(readFileSync(join(certDir, 'ca.crt'), 'utf8')).to.equal(caBefore);
      const config = parseYaml(readFileSync(kubeconfig, 'utf8'));
      expect(Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).to.equal(caBefore);
      expect(kubectl(kubeconfig, ['get', 'ns', 'default', '-o', 'name']).stdout.trim()).to.equal('namespace/default');
    } finally {
      second.child.kill('SIGTERM');
      await stopped(second.child);
    }
  });

  it('seeds files and folders with --seed before it writes the kubeconfig and says it listens', async () => {
    mkdirSync(join(dir, 'manifests'));
    writeFileSync(join(dir, 'manifests', 'ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: seeded}\n');
    writeFileSync(join(dir, 'manifests', 'cm.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-dir', namespace: 'seeded' } }));
    writeFileSync(join(dir, 'one.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-file}\ndata: {a: "1"}\n');
    const kubeconfig = join(dir, 'kubeconfig');
    const { child } = await startCli(['--port', '0', '--kubeconfig', kubeconfig, '--seed', join(dir, 'manifests'), '--seed', join(dir, 'one.yaml')]);
    try {
      expect(kubectl(kubeconfig, ['get', 'configmap', 'from-dir', '-n', 'seeded', '-o', 'name']).stdout.trim()).to.equal('configmap/from-dir');
      const seeded = JSON.parse(kubectl(kubeconfig, ['get', 'configmap', 'from-file', '-o', 'json', '--show-managed-fields']).stdout);
      expect(seeded.data).to.deep.equal({ a: '1' });
      expect(seeded.metadata.managedFields[0].manager).to.equal('kubemock-seed');
    } finally {
      child.kill('SIGTERM');
      await stopped(child);
    }
  });

  it('exits 1 naming the object when --seed meets one the API refuses', () => {
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Not_Valid}\n');
    const result = spawnSync(process.execPath, [cli, '--port', '0', '--seed', join(dir, 'bad.yaml')], { encoding: 'utf8' });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.match(/^kubemock: --seed: seeding ConfigMap Not_Valid failed: 422 Invalid: /);
    const missing = spawnSync(process.execPath, [cli, '--port', '0', '--seed', join(dir, 'nowhere')], { encoding: 'utf8' });
    expect(missing.stderr).to.include('no manifest file or folder at');
  });

  it('writes the --advertise-url into the kubeconfig, covers its host in the certificate, and sets --kubeconfig-mode', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    const certDir = join(dir, 'certs');
    const { child, url } = await startCli(['--port', '0', '--kubeconfig', kubeconfig, '--kubeconfig-mode', '0644', '--cert-dir', certDir, '--advertise-url', 'https://kubemock.internal:7443']);
    try {
      const config = parseYaml(readFileSync(kubeconfig, 'utf8'));
      expect(config.clusters[0].cluster.server).to.equal('https://kubemock.internal:7443');
      expect(url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(statSync(kubeconfig).mode & 0o777).to.equal(0o644);
      expect(new X509Certificate(readFileSync(join(certDir, 'apiserver.crt'))).subjectAltName).to.include('DNS:kubemock.internal');
    } finally {
      child.kill('SIGTERM');
      await stopped(child);
    }
    for (const args of [['--advertise-url', 'kubemock:6443'], ['--kubeconfig-mode', '999']]) {
      const bad = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
      expect(bad.status, args.join(' ')).to.equal(2);
    }
  });

  it('says what to do when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const result = spawnSync(process.execPath, [cli, '--port', String(port)], { encoding: 'utf8' });
      expect(result.status).to.equal(1);
      expect(result.stderr).to.equal(`kubemock: 127.0.0.1:${port} is already in use (another kubemock or API server?); choose another port with --port, or --port 0 for a free one\n`);
    } finally {
      taken.close();
    }
  });
});
