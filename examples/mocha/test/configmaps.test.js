import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { cluster } from './hooks.js';

describe('an app writing ConfigMaps', () => {
  let core;
  before(() => {
    core = cluster.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.CoreV1Api);
  });

  it('creates one and reads it back', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'settings' }, data: { mode: 'fast' } } });
    const read = await core.readNamespacedConfigMap({ name: 'settings', namespace: 'default' });
    assert.deepEqual(read.data, { mode: 'fast' });
  });

  it('starts each test from a fresh cluster', async () => {
    const names = (await core.listNamespacedConfigMap({ namespace: 'default' })).items.map((cm) => cm.metadata.name);
    assert.ok(!names.includes('settings'));
  });

  it('survives a conflict the test injects', async () => {
    await cluster.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'counter' }, data: { n: '0' } });
    cluster.faults.inject({ verb: 'update', name: 'counter' }, { status: 409 }, { times: 1 });
    const bump = async () => {
      for (;;) {
        const current = await core.readNamespacedConfigMap({ name: 'counter', namespace: 'default' });
        try {
          return await core.replaceNamespacedConfigMap({ name: 'counter', namespace: 'default', body: { ...current, data: { n: String(Number(current.data.n) + 1) } } });
        } catch (err) {
          if (err.code !== 409) throw err;
        }
      }
    };
    assert.equal((await bump()).data.n, '1');
    assert.deepEqual(cluster.requests.find({ verb: 'update' }).map((r) => r.code), [409, 200]);
  });
});
