import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { startCluster, type TestCluster } from './support/cluster.js';

describe('everyday kubectl', () => {
  let cluster: TestCluster;
  const kubectl = async (...args: string[]) => {
    const result = await cluster.kubectl(args);
    expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).to.equal(0);
    return result.stdout;
  };

  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  it('creates with the typed subcommands and reads back with -o json, jsonpath, name and yaml', async () => {
    expect(await kubectl('create', 'namespace', 'shop')).to.equal('namespace/shop created\n');
    expect(await kubectl('create', 'configmap', 'settings', '-n', 'shop', '--from-literal=color=blue', '--from-literal=size=xl')).to.equal('configmap/settings created\n');
    expect(await kubectl('create', 'secret', 'generic', 'creds', '-n', 'shop', '--from-literal=password=hunter2')).to.equal('secret/creds created\n');
    expect(await kubectl('create', 'deployment', 'web', '-n', 'shop', '--image=nginx:1.27', '--replicas=3')).to.equal('deployment.apps/web created\n');

    const cm = JSON.parse(await kubectl('get', 'configmap', 'settings', '-n', 'shop', '-o', 'json', '--show-managed-fields'));
    expect(cm).to.include({ kind: 'ConfigMap', apiVersion: 'v1' });
    expect(cm.data).to.deep.equal({ color: 'blue', size: 'xl' });
    expect(cm.metadata.managedFields[0]).to.include({ manager: 'kubectl-create', operation: 'Update' });

    expect(await kubectl('get', 'secret', 'creds', '-n', 'shop', '-o', 'jsonpath={.data.password}')).to.equal(Buffer.from('hunter2').toString('base64'));
    expect(await kubectl('get', 'deployment', 'web', '-n', 'shop', '-o', 'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image} {.metadata.generation}')).to.equal('3 nginx:1.27 1');
    expect(await kubectl('get', 'configmaps,secrets', '-n', 'shop', '-o', 'name')).to.equal('configmap/kube-root-ca.crt\nconfigmap/settings\nsecret/creds\n');
    const yaml = parseYaml(await kubectl('get', 'namespace', 'shop', '-o', 'yaml'));
    expect(yaml.status).to.deep.equal({ phase: 'Active' });
  });

  it('runs and exposes a pod', async () => {
    await kubectl('run', 'probe', '--image=busybox', '--restart=Never', '--labels=app=probe');
    await kubectl('expose', 'pod', 'probe', '--port=8080', '--name=probe-svc');
    const svc = JSON.parse(await kubectl('get', 'service', 'probe-svc', '-o', 'json'));
    expect(svc.spec.selector).to.deep.equal({ app: 'probe' });
    expect(svc.spec.ports[0]).to.include({ port: 8080, protocol: 'TCP', targetPort: 8080 });
    expect(svc.spec.clusterIP).to.match(/^10\.\d+\.\d+\.\d+$/);
    const pod = JSON.parse(await kubectl('get', 'pod', 'probe', '-o', 'json'));
    expect(pod.spec.restartPolicy).to.equal('Never');
    // The scheduler and the kubelet run it.
    await kubectl('wait', '--for=condition=Ready', 'pod/probe', '--timeout=10s');
    expect(JSON.parse(await kubectl('get', 'pod', 'probe', '-o', 'json')).status.phase).to.equal('Running');
  });

  it('lists across namespaces and with selectors', async () => {
    await kubectl('create', 'configmap', 'labeled', '-n', 'shop');
    const all = await kubectl('get', 'configmaps', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\n"}{end}');
    expect(all.split('\n')).to.include.members(['shop/settings', 'shop/labeled', 'default/kube-root-ca.crt', 'kube-system/kube-root-ca.crt']);
    const selected = await kubectl('get', 'configmaps', '-n', 'shop', '--field-selector=metadata.name=settings', '-o', 'name');
    expect(selected).to.equal('configmap/settings\n');
    const missing = await cluster.kubectl(['get', 'configmaps', '-n', 'shop', '--field-selector=data.color=blue']);
    expect(missing.code).to.not.equal(0);
    expect(missing.stderr).to.include('"data.color" is not a known field selector: only "metadata.name", "metadata.namespace"');
  });

  it('deletes and waits until the object is gone', async () => {
    await kubectl('create', 'configmap', 'doomed', '-n', 'shop');
    expect(await kubectl('delete', 'configmap', 'doomed', '-n', 'shop')).to.equal('configmap "doomed" deleted\n');
    const after = await cluster.kubectl(['get', 'configmap', 'doomed', '-n', 'shop']);
    expect(after.code).to.equal(1);
    expect(after.stderr.trim()).to.equal('Error from server (NotFound): configmaps "doomed" not found');
  });

  it('deletes a namespace with its content and waits for it', async () => {
    await kubectl('create', 'namespace', 'temp');
    await kubectl('create', 'configmap', 'inside', '-n', 'temp');
    expect(await kubectl('delete', 'namespace', 'temp', '--timeout=10s')).to.equal('namespace "temp" deleted\n');
    const gone = await cluster.kubectl(['get', 'namespace', 'temp']);
    expect(gone.stderr.trim()).to.equal('Error from server (NotFound): namespaces "temp" not found');
  });

  it('reports server errors the way it does for a real cluster', async () => {
    const exists = await cluster.kubectl(['create', 'namespace', 'shop']);
    expect(exists.code).to.equal(1);
    expect(exists.stderr.trim()).to.equal('Error from server (AlreadyExists): namespaces "shop" already exists');
    const invalid = await cluster.kubectl(['create', 'configmap', 'Bad_Name']);
    expect(invalid.code).to.equal(1);
    expect(invalid.stderr).to.include('error: failed to create configmap: ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of');
    const missingNs = await cluster.kubectl(['create', 'configmap', 'x', '-n', 'nowhere']);
    expect(missingNs.stderr.trim()).to.equal('error: failed to create configmap: namespaces "nowhere" not found');
  });

  it('reads raw paths with get --raw', async () => {
    const version = JSON.parse(await kubectl('get', '--raw', '/version'));
    expect(version.gitVersion).to.equal('v1.32.0');
    const list = JSON.parse(await kubectl('get', '--raw', '/api/v1/namespaces/shop/configmaps/settings'));
    expect(list.data.color).to.equal('blue');
    expect(await kubectl('get', '--raw', '/readyz')).to.equal('ok');
  });

  it('answers auth can-i and whoami', async () => {
    expect((await kubectl('auth', 'can-i', 'delete', 'deployments', '-n', 'shop')).trim()).to.equal('yes');
    const whoami = JSON.parse(await kubectl('auth', 'whoami', '-o', 'json'));
    expect(whoami.status.userInfo.groups).to.include('system:authenticated');
  });
});
