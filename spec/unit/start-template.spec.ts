// The start-up template the build writes (tools/start-objects) is what the write path writes now:
// a first start reads it instead of writing ~150 objects, so a stale one would start clusters with
// objects the code no longer makes.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { writeStartTemplate } from '../../server/bootstrap/seed.js';
import { templateFileUrl, templateKey, type TemplateFile } from '../../server/bootstrap/template.js';
import { builtinRegistry } from '../../server/registry/registry.js';

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
});
