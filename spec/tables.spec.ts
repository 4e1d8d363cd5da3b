import { expect } from 'chai';
import type { ResourceDefinition } from '../server/registry/types.js';
import type { KubeObject } from '../server/store/types.js';
import { ManualClock } from '../testkit/index.js';
import { startCluster, withoutWorkloadControllers, type TestCluster } from './support/cluster.js';

type Json = Record<string, any>;

const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const ns = 'printers';
// Every object is created at the same instant; the clock then moves this far, so every Age reads 5m12s.
const ageMs = 5 * 60_000 + 12_000;

/** What kubectl's tabwriter makes of rows of cells: each column but the last padded to its widest cell plus three. */
function aligned(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)) + 3);
  return rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]) : cell)).join('')).join('\n') + '\n';
}

describe('Table printer columns', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  let t0: number;
  const at = (offsetMs: number) => new Date(t0 + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');

  const def = (group: string, version: string, plural: string): ResourceDefinition => cluster.server.services.registry.find(group, version, plural)!;
  const create = (d: ResourceDefinition, namespace: string, body: Json): KubeObject => cluster.server.services.objects.create(d, namespace, body).object;
  const writeStatus = (d: ResourceDefinition, namespace: string, name: string, status: Json): void => {
    const current = cluster.server.services.objects.get(d, namespace, name).object;
    cluster.server.services.objects.update(d, namespace, name, { ...current, status: { ...(current.status as Json), ...status } }, { subresource: 'status' });
  };
  const table = async (path: string) => {
    const res = await cluster.request(path, { headers: { Accept: tableAccept } });
    expect(res.status, res.body).to.equal(200);
    return res.json();
  };
  const cellsByName = (t: Json): Record<string, unknown[]> => Object.fromEntries(t.rows.map((r: Json) => [r.cells[0], r.cells]));
  const columnsOf = (t: Json) => t.columnDefinitions.map((c: Json) => [c.name, c.type, c.format, c.priority]);
  const settle = () => cluster.server.controllers.settle();
  const kubectl = async (args: string[]) => {
    const { stdout, stderr, code } = await cluster.kubectl(args);
    expect(code, stderr).to.equal(0);
    return stdout;
  };

  before(async () => {
    // Whole seconds so ages come out exact; real time so the serving certificate is valid for kubectl.
    clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
    t0 = clock.now().getTime();
    // Printers are checked on hand-written objects: no nodes, and nothing that would move pods or nodes or collect dependents of made-up owners.
    cluster = await startCluster({
      clock,
      nodes: 0,
      controllers: [...withoutWorkloadControllers, '-kube-scheduler', '-kubelet', '-node-lifecycle-controller', '-node-ipam-controller', '-garbage-collector-controller', '-pod-garbage-collector-controller', '-service-lb-controller'],
    });
    const pods = def('', 'v1', 'pods');
    const container = (name: string, image = 'nginx:1.27') => ({ name, image });
    const pod = (name: string, extra: Json = {}) => create(pods, ns, { metadata: { name }, spec: { containers: [container('app')], ...extra } });

    create(def('', 'v1', 'namespaces'), '', { metadata: { name: ns } });
    // The namespace controllers add the default ServiceAccount (which pods need) on the next turn.
    await settle();

    pod('pending');
    pod('running', { nodeName: 'kind-control-plane' });
    writeStatus(pods, ns, 'running', {
      phase: 'Running',
      podIPs: [{ ip: '10.244.0.7' }],
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [
        { name: 'app', ready: true, restartCount: 3, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: at(ageMs - 120_000) } } },
      ],
    });
    pod('completed');
    writeStatus(pods, ns, 'completed', {
      phase: 'Succeeded',
      containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
    });
    pod('crashing');
    writeStatus(pods, ns, 'crashing', {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 5,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: at(ageMs - 72_000) } },
        },
      ],
    });
    pod('creating');
    writeStatus(pods, ns, 'creating', { containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] });
    pod('failed');
    writeStatus(pods, ns, 'failed', {
      phase: 'Failed',
      containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } }],
    });
    pod('initializing', { initContainers: [container('setup', 'busybox:1.36')] });
    writeStatus(pods, ns, 'initializing', {
      initContainerStatuses: [{ name: 'setup', ready: false, restartCount: 0, state: { running: {} } }],
      containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
    });
    // A finalizer keeps the pod Terminating once its graceful deletion has finished.
    create(pods, ns, { metadata: { name: 'stopping', finalizers: ['example.com/hold'] }, spec: { containers: [container('app')], nodeName: 'kind-control-plane' } });
    cluster.server.services.objects.delete(pods, ns, 'stopping', { gracePeriodSeconds: 3600 });

    create(def('apps', 'v1', 'deployments'), ns, {
      metadata: { name: 'web' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container('nginx'), container('log', 'busybox:1.36')] } },
      },
    });
    writeStatus(def('apps', 'v1', 'deployments'), ns, 'web', { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 });

    const services = def('', 'v1', 'services');
    create(services, 'default', { metadata: { name: 'web' }, spec: { type: 'NodePort', selector: { app: 'web', tier: 'front' }, ports: [{ port: 80, nodePort: 30080 }] } });
    create(services, 'default', { metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', ports: [{ name: 'https', port: 443, nodePort: 30443 }, { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }] } });
    create(services, 'default', { metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } });

    const nodes = def('', 'v1', 'nodes');
    create(nodes, '', {
      metadata: { name: 'kind-control-plane', labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'master' } },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: '172.18.0.2' }, { type: 'Hostname', address: 'kind-control-plane' }],
        nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.8.0-45-generic', containerRuntimeVersion: 'containerd://1.7.18' },
      },
    });
    create(nodes, '', { metadata: { name: 'worker' }, spec: { unschedulable: true } });

    create(def('', 'v1', 'configmaps'), ns, { metadata: { name: 'settings' }, data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } });
    create(def('', 'v1', 'secrets'), ns, { metadata: { name: 'token' }, type: 'kubernetes.io/service-account-token', data: { token: 'dA==' } });
    create(def('', 'v1', 'secrets'), ns, { metadata: { name: 'plain' }, stringData: { user: 'admin', password: 'x' } });

    create(def('', 'v1', 'endpoints'), ns, {
      metadata: { name: 'web' },
      subsets: [
        { addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }], notReadyAddresses: [{ ip: '10.0.0.9' }], ports: [{ port: 80 }, { port: 443 }] },
      ],
    });
    create(def('', 'v1', 'endpoints'), ns, { metadata: { name: 'headless' }, subsets: [{ addresses: [{ ip: '10.0.0.5' }] }] });
    create(def('', 'v1', 'endpoints'), ns, { metadata: { name: 'empty' } });
    create(def('discovery.k8s.io', 'v1', 'endpointslices'), ns, {
      metadata: { name: 'web-abc' },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 80 }, { name: 'any' }],
      endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }],
    });

    const pvs = def('', 'v1', 'persistentvolumes');
    create(pvs, '', {
      metadata: { name: 'pv-data' },
      spec: { capacity: { storage: '1.5Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce'], storageClassName: 'standard', claimRef: { namespace: ns, name: 'data' }, hostPath: { path: '/data' } },
    });
    writeStatus(pvs, '', 'pv-data', { phase: 'Bound' });
    const pvcs = def('', 'v1', 'persistentvolumeclaims');
    create(pvcs, ns, { metadata: { name: 'data' }, spec: { volumeName: 'pv-data', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    writeStatus(pvcs, ns, 'data', { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1536Mi' } });
    create(pvcs, ns, { metadata: { name: 'waiting', annotations: { 'volume.beta.kubernetes.io/storage-class': 'slow' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });

    create(def('', 'v1', 'resourcequotas'), ns, { metadata: { name: 'quota' }, spec: { hard: { pods: '10', 'requests.cpu': '1', 'limits.memory': '2Gi' } } });
    writeStatus(def('', 'v1', 'resourcequotas'), ns, 'quota', {
      hard: { pods: '10', 'requests.cpu': '1', 'limits.memory': '2Gi' },
      used: { pods: '2', 'requests.cpu': '500m', 'limits.memory': '1024Mi' },
    });
    create(def('', 'v1', 'limitranges'), ns, { metadata: { name: 'limits' }, spec: { limits: [{ type: 'Container', default: { cpu: '100m' } }] } });
    create(def('', 'v1', 'podtemplates'), ns, { metadata: { name: 'tpl' }, template: { metadata: { labels: { b: '2', a: '1' } }, spec: { containers: [container('app')] } } });
    create(def('', 'v1', 'replicationcontrollers'), ns, {
      metadata: { name: 'legacy' },
      spec: { replicas: 2, selector: { app: 'legacy' }, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [container('app')] } } },
    });
    create(def('apps', 'v1', 'controllerrevisions'), ns, {
      metadata: { name: 'fluentd-7b9c', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'fluentd', uid: 'u-1', controller: true }] },
      revision: 2,
      data: {},
    });
    create(def('coordination.k8s.io', 'v1', 'leases'), ns, { metadata: { name: 'leader' }, spec: { holderIdentity: 'node-a' } });

    create(def('', 'v1', 'events'), ns, {
      metadata: { name: 'running.1' },
      involvedObject: { kind: 'Pod', name: 'running', namespace: ns, fieldPath: 'spec.containers{app}' },
      reason: 'BackOff',
      message: ' Back-off restarting failed container \n',
      type: 'Warning',
      source: { component: 'kubelet', host: 'kind-control-plane' },
      firstTimestamp: at(0),
      lastTimestamp: at(ageMs - 30_000),
      count: 4,
    });
    create(def('events.k8s.io', 'v1', 'events'), ns, {
      metadata: { name: 'web.1' },
      regarding: { kind: 'Deployment', name: 'web', namespace: ns },
      reason: 'ScalingReplicaSet',
      note: 'Scaled up replica set web-abc to 3',
      type: 'Normal',
      action: 'Scale',
      eventTime: new Date(t0).toISOString().replace(/Z$/, '000Z'),
      reportingController: 'deployment-controller',
      reportingInstance: '',
    });

    clock.advance(ageMs);
  });
  after(() => cluster.stop());

  describe('the raw Table', () => {
    it('gives pods the 1.32 columns, status reasons, restarts and wide cells', async () => {
      const t = await table(`/api/v1/namespaces/${ns}/pods`);
      expect(columnsOf(t)).to.deep.equal([
        ['Name', 'string', 'name', 0],
        ['Ready', 'string', '', 0],
        ['Status', 'string', '', 0],
        ['Restarts', 'string', '', 0],
        ['Age', 'string', '', 0],
        ['IP', 'string', '', 1],
        ['Node', 'string', '', 1],
        ['Nominated Node', 'string', '', 1],
        ['Readiness Gates', 'string', '', 1],
      ]);
      expect(t.columnDefinitions[1].description).to.equal('The aggregate readiness state of this pod for accepting traffic.');
      const rows = cellsByName(t);
      expect(rows.pending).to.deep.equal(['pending', '0/1', 'Pending', '0', '5m12s', '<none>', '<none>', '<none>', '<none>']);
      expect(rows.running).to.deep.equal(['running', '1/1', 'Running', '3 (2m ago)', '5m12s', '10.244.0.7', 'kind-control-plane', '<none>', '<none>']);
      expect(rows.completed.slice(0, 4)).to.deep.equal(['completed', '0/1', 'Completed', '0']);
      expect(rows.crashing.slice(0, 4)).to.deep.equal(['crashing', '0/1', 'CrashLoopBackOff', '5 (72s ago)']);
      expect(rows.creating.slice(0, 3)).to.deep.equal(['creating', '0/1', 'ContainerCreating']);
      expect(rows.failed.slice(0, 3)).to.deep.equal(['failed', '0/1', 'Error']);
      expect(rows.initializing.slice(0, 3)).to.deep.equal(['initializing', '0/1', 'Init:0/1']);
      expect(rows.stopping.slice(0, 3)).to.deep.equal(['stopping', '0/1', 'Terminating']);
    });

    it('marks finished pods with the Completed row condition', async () => {
      const t = await table(`/api/v1/namespaces/${ns}/pods`);
      const conditions = Object.fromEntries(t.rows.map((r: Json) => [r.cells[0], r.conditions]));
      expect(conditions.completed).to.deep.equal([{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
      expect(conditions.failed).to.deep.equal([{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }]);
      expect(t.rows.find((r: Json) => r.cells[0] === 'running')).not.to.have.property('conditions');
    });

    it('prints deployments with a string Ready and integer Up-to-date and Available', async () => {
      const t = await table(`/apis/apps/v1/namespaces/${ns}/deployments/web`);
      expect(columnsOf(t)).to.deep.equal([
        ['Name', 'string', 'name', 0],
        ['Ready', 'string', '', 0],
        ['Up-to-date', 'string', '', 0],
        ['Available', 'string', '', 0],
        ['Age', 'string', '', 0],
        ['Containers', 'string', '', 1],
        ['Images', 'string', '', 1],
        ['Selector', 'string', '', 1],
      ]);
      expect(t.rows[0].cells).to.deep.equal(['web', '2/3', 3, 2, '5m12s', 'nginx,log', 'nginx:1.27,busybox:1.36', 'app=web']);
    });

    it('prints nodes with status, roles and the wide node info', async () => {
      const rows = cellsByName(await table('/api/v1/nodes'));
      expect(rows['kind-control-plane']).to.deep.equal([
        'kind-control-plane',
        'Ready',
        'control-plane,master',
        '5m12s',
        'v1.32.0',
        '172.18.0.2',
        '<none>',
        'Debian GNU/Linux 12 (bookworm)',
        '6.8.0-45-generic',
        'containerd://1.7.18',
      ]);
      expect(rows.worker).to.deep.equal(['worker', 'Unknown,SchedulingDisabled', '<none>', '5m12s', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
    });

    it('counts ConfigMap data and binaryData and Secret data as integers', async () => {
      const cm = await table(`/api/v1/namespaces/${ns}/configmaps/settings`);
      expect(columnsOf(cm)).to.deep.equal([
        ['Name', 'string', 'name', 0],
        ['Data', 'string', '', 0],
        ['Age', 'string', '', 0],
      ]);
      expect(cm.rows[0].cells).to.deep.equal(['settings', 3, '5m12s']);
      const secrets = cellsByName(await table(`/api/v1/namespaces/${ns}/secrets`));
      expect(secrets.plain).to.deep.equal(['plain', 'Opaque', 2, '5m12s']);
      expect(secrets.token).to.deep.equal(['token', 'kubernetes.io/service-account-token', 1, '5m12s']);
    });

    it('lists ready endpoint addresses, three at most', async () => {
      const rows = cellsByName(await table(`/api/v1/namespaces/${ns}/endpoints`));
      expect(rows.web[1]).to.equal('10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 3 more...');
      expect(rows.headless[1]).to.equal('10.0.0.5');
      expect(rows.empty[1]).to.equal('<none>');
      const slices = await table(`/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`);
      expect(columnsOf(slices).map((c: unknown[]) => c[0])).to.deep.equal(['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
      expect(slices.rows[0].cells).to.deep.equal(['web-abc', 'IPv4', '80,any', '10.0.0.1,10.0.0.2', '5m12s']);
    });

    it('prints volumes and claims with canonical quantities and access modes', async () => {
      const pv = await table('/api/v1/persistentvolumes/pv-data');
      expect(columnsOf(pv).map((c: unknown[]) => c[0])).to.deep.equal([
        'Name',
        'Capacity',
        'Access Modes',
        'Reclaim Policy',
        'Status',
        'Claim',
        'StorageClass',
        'VolumeAttributesClass',
        'Reason',
        'Age',
        'VolumeMode',
      ]);
      expect(pv.rows[0].cells).to.deep.equal(['pv-data', '1536Mi', 'RWO,RWX', 'Retain', 'Bound', `${ns}/data`, 'standard', '<unset>', '', '5m12s', 'Filesystem']);
      const claims = cellsByName(await table(`/api/v1/namespaces/${ns}/persistentvolumeclaims`));
      expect(claims.data).to.deep.equal(['data', 'Bound', 'pv-data', '1536Mi', 'RWO', '', '<unset>', '5m12s', 'Filesystem']);
      expect(claims.waiting).to.deep.equal(['waiting', 'Pending', '', '', '', 'slow', '<unset>', '5m12s', 'Filesystem']);
    });

    it('prints quotas, templates, replication controllers, revisions and leases', async () => {
      expect((await table(`/api/v1/namespaces/${ns}/resourcequotas/quota`)).rows[0].cells).to.deep.equal([
        'quota',
        '5m12s',
        'pods: 2/10, requests.cpu: 500m/1',
        'limits.memory: 1Gi/2Gi',
      ]);
      const template = await table(`/api/v1/namespaces/${ns}/podtemplates/tpl`);
      expect(columnsOf(template).map((c: unknown[]) => c[0])).to.deep.equal(['Name', 'Containers', 'Images', 'Pod Labels']);
      expect(template.rows[0].cells).to.deep.equal(['tpl', 'app', 'nginx:1.27', 'a=1,b=2']);
      expect((await table(`/api/v1/namespaces/${ns}/replicationcontrollers/legacy`)).rows[0].cells).to.deep.equal([
        'legacy',
        2,
        0,
        0,
        '5m12s',
        'app',
        'nginx:1.27',
        'app=legacy',
      ]);
      expect((await table(`/apis/apps/v1/namespaces/${ns}/controllerrevisions/fluentd-7b9c`)).rows[0].cells).to.deep.equal([
        'fluentd-7b9c',
        'daemonset.apps/fluentd',
        2,
        '5m12s',
      ]);
      expect((await table(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/leader`)).rows[0].cells).to.deep.equal(['leader', 'node-a', '5m12s']);
    });

    it('keeps the default Name and Created At columns for LimitRanges, which have no printer', async () => {
      const t = await table(`/api/v1/namespaces/${ns}/limitranges/limits`);
      expect(columnsOf(t)).to.deep.equal([
        ['Name', 'string', 'name', 0],
        ['Created At', 'date', '', 0],
      ]);
      expect(t.rows[0].cells).to.deep.equal(['limits', at(0)]);
    });

    it('prints core and events.k8s.io events alike', async () => {
      const core = await table(`/api/v1/namespaces/${ns}/events/running.1`);
      expect(columnsOf(core)).to.deep.equal([
        ['Last Seen', 'string', '', 0],
        ['Type', 'string', '', 0],
        ['Reason', 'string', '', 0],
        ['Object', 'string', '', 0],
        ['Subobject', 'string', '', 1],
        ['Source', 'string', '', 1],
        ['Message', 'string', '', 0],
        ['First Seen', 'string', '', 1],
        ['Count', 'string', '', 1],
        ['Name', 'string', 'name', 1],
      ]);
      expect(core.rows[0].cells).to.deep.equal([
        '30s',
        'Warning',
        'BackOff',
        'pod/running',
        'spec.containers{app}',
        'kubelet, kind-control-plane',
        'Back-off restarting failed container',
        '5m12s',
        4,
        'running.1',
      ]);
      const v1 = await table(`/apis/events.k8s.io/v1/namespaces/${ns}/events/web.1`);
      expect(v1.rows[0].cells).to.deep.equal([
        '5m12s',
        'Normal',
        'ScalingReplicaSet',
        'deployment/web',
        '',
        'deployment-controller',
        'Scaled up replica set web-abc to 3',
        '5m12s',
        1,
        'web.1',
      ]);
    });
  });

  describe('kubectl get', () => {
    it('prints pods as a real cluster does', async () => {
      const out = await kubectl(['get', 'pods', '-n', ns]);
      expect(out).to.equal(
        aligned([
          ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
          ['completed', '0/1', 'Completed', '0', '5m12s'],
          ['crashing', '0/1', 'CrashLoopBackOff', '5 (72s ago)', '5m12s'],
          ['creating', '0/1', 'ContainerCreating', '0', '5m12s'],
          ['failed', '0/1', 'Error', '0', '5m12s'],
          ['initializing', '0/1', 'Init:0/1', '0', '5m12s'],
          ['pending', '0/1', 'Pending', '0', '5m12s'],
          ['running', '1/1', 'Running', '3 (2m ago)', '5m12s'],
          ['stopping', '0/1', 'Terminating', '0', '5m12s'],
        ]),
      );
    });

    it('prints deployments wide with containers, images and selector', async () => {
      const out = await kubectl(['get', 'deploy', '-n', ns, '-o', 'wide']);
      expect(out).to.equal(
        aligned([
          ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR'],
          ['web', '2/3', '3', '2', '5m12s', 'nginx,log', 'nginx:1.27,busybox:1.36', 'app=web'],
        ]),
      );
    });

    it('prints services with cluster IPs, external IPs and ports', async () => {
      const clusterIP = async (name: string) => (await cluster.core.readNamespacedService({ name, namespace: 'default' })).spec!.clusterIP!;
      const out = await kubectl(['get', 'svc']);
      expect(out).to.equal(
        aligned([
          ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
          ['ext', 'ExternalName', '<none>', 'example.com', '<none>', '5m12s'],
          ['kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP', '5m12s'],
          ['lb', 'LoadBalancer', await clusterIP('lb'), '<pending>', '443:30443/TCP,53:30053/UDP', '5m12s'],
          ['web', 'NodePort', await clusterIP('web'), '<none>', '80:30080/TCP', '5m12s'],
        ]),
      );
      const wide = await kubectl(['get', 'svc', 'web', 'kubernetes', '-o', 'wide']);
      expect(wide.split('\n')[0].split(/\s{3,}/)).to.deep.equal(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
      expect(wide).to.match(/\n\s*web\s+NodePort\s.*\s5m12s\s+app=web,tier=front\n/);
      expect(wide).to.match(/\nkubernetes\s.*\s5m12s\s+<none>\n/);
    });

    it('prints nodes with status, roles, age and version', async () => {
      const out = await kubectl(['get', 'nodes']);
      expect(out).to.equal(
        aligned([
          ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
          ['kind-control-plane', 'Ready', 'control-plane,master', '5m12s', 'v1.32.0'],
          ['worker', 'Unknown,SchedulingDisabled', '<none>', '5m12s', ''],
        ]),
      );
    });

    it('prints namespaces with their phase', async () => {
      const out = await kubectl(['get', 'ns']);
      expect(out).to.equal(
        aligned([
          ['NAME', 'STATUS', 'AGE'],
          ...['default', 'kube-node-lease', 'kube-public', 'kube-system', ns].map((name) => [name, 'Active', '5m12s']),
        ]),
      );
    });

    it('prints configmaps and secrets as two tables', async () => {
      const out = await kubectl(['get', 'cm,secret', '-n', ns]);
      expect(out).to.equal(
        aligned([
          ['NAME', 'DATA', 'AGE'],
          ['configmap/kube-root-ca.crt', '1', '5m12s'],
          ['configmap/settings', '3', '5m12s'],
        ]) +
          '\n' +
          aligned([
            ['NAME', 'TYPE', 'DATA', 'AGE'],
            ['secret/plain', 'Opaque', '2', '5m12s'],
            ['secret/token', 'kubernetes.io/service-account-token', '1', '5m12s'],
          ]),
      );
    });
  });
});
