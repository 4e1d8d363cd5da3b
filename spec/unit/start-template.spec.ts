// The start-up template the build writes (tools/start-objects) is what the write path writes now:
// a first start reads it instead of writing ~150 objects, so a stale one would start clusters with
// objects the code no longer makes.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { seedCluster, writeServerObjects, writeStartTemplate } from '../../server/bootstrap/seed.js';
import { serverTemplate, templateFileUrl, templateKey, type TemplateFile } from '../../server/bootstrap/template.js';
import { ManualClock } from '../../server/clock.js';
import { builtinRegistry } from '../../server/registry/registry.js';
import { createServices } from '../../server/server.js';

describe('the start-up template of the build', () => {
  it('is up to date: run `npm run build` when this fails', () => {
    const built = JSON.parse(readFileSync(templateFileUrl, 'utf8')) as TemplateFile;
    const registry = builtinRegistry();
    expect(built.key).to.equal(templateKey(registry));
    const written = writeStartTemplate(registry);
    expect(built.objects.map((o) => `${o.resource} ${o.key}`)).to.deep.equal(written.objects.map((o) => `${o.resource} ${o.key}`));
    expect(built).to.deep.equal(written);
  });

  it('holds the objects kube-apiserver makes for itself, cut where each copy gets its own uid, resourceVersion and time', () => {
    const { objects } = JSON.parse(readFileSync(templateFileUrl, 'utf8')) as TemplateFile;
    const names = new Set(objects.map((o) => `${o.resource} ${o.key}`));
    for (const name of ['namespaces default', 'namespaces kube-system', 'rbac.authorization.k8s.io/clusterroles cluster-admin', 'apiregistration.k8s.io/apiservices v1.apps']) {
      expect(names, name).to.include(name);
    }
    for (const object of objects) {
      expect(object.slots, object.key).to.include.members(['uid', 'resourceVersion', 'time']);
      expect(object.parts.join(''), object.key).to.not.match(/"uid":"[0-9a-f-]{36}"|"resourceVersion":"\d+"/);
    }
  });

  it('fills in the objects that depend on the running server as the write path writes them', () => {
    const clock = new ManualClock(new Date('2026-03-04T05:06:07.089Z'));
    const identity = { port: 40123, caCert: '-----BEGIN CERTIFICATE-----\nMIIB"\\x\n-----END CERTIFICATE-----\n' };
    const seeded = createServices({ clock });
    expect(serverTemplate(seeded.registry), 'the build has the template').to.not.equal(null);
    seedCluster(seeded, identity);

    const lease = JSON.parse(seeded.store.list('coordination.k8s.io/leases')[0].json);
    const endpoints = JSON.parse(seeded.store.get('endpoints', 'default/kubernetes')!.json);
    const written = createServices({ clock });
    const namespaces = written.registry.find('', 'v1', 'namespaces')!;
    for (const name of ['default', 'kube-system']) written.objects.create(namespaces, '', { metadata: { name } }, { fieldManager: 'kube-apiserver' });
    writeServerObjects(written, {
      caCert: identity.caCert,
      since: '2026-03-04',
      host: lease.metadata.labels['kubernetes.io/hostname'],
      id: lease.metadata.name,
      holderIdentity: lease.spec.holderIdentity,
      renewTime: '2026-03-04T05:06:07.089000Z',
      port: identity.port,
      address: endpoints.subsets[0].addresses[0].ip,
    });

    const normalized = (json: string) => json.replace(/"uid":"[^"]*"/, '"uid":""').replace(/"resourceVersion":"\d+"/, '"resourceVersion":""');
    for (const resource of ['configmaps', 'coordination.k8s.io/leases', 'services', 'endpoints', 'discovery.k8s.io/endpointslices']) {
      for (const object of written.store.list(resource)) {
        const copy = seeded.store.get(resource, object.key);
        expect(copy, `${resource} ${object.key}`).to.not.equal(undefined);
        expect(normalized(copy!.json), `${resource} ${object.key}`).to.equal(normalized(object.json));
      }
    }
  });
});
