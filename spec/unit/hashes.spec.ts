import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { controllerRevisionHash, podTemplateHash, printedPodTemplate, safeEncode } from '../../server/reconcilers/hashes.js';
import { Quantity, QuantityError } from '../../server/quantity.js';

interface Vector {
  template: unknown;
  collisionCount?: number;
  hash: string;
  printed?: string;
}

// Printed and hashed by the Kubernetes code itself (tools/template-hash).
const fixture = JSON.parse(readFileSync(new URL('../../../spec/fixtures/template-hash-vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] };

describe('object name hashes', () => {
  it('print pod templates byte for byte as go-spew prints the Go value', () => {
    for (const vector of fixture.vectors.filter((v) => v.printed)) expect(printedPodTemplate(vector.template)).to.equal(vector.printed);
  });

  it('give the pod-template-hash kube-controller-manager gives, with and without a collision count', () => {
    expect(fixture.vectors.length).to.be.greaterThan(4);
    for (const vector of fixture.vectors) expect(podTemplateHash(vector.template, vector.collisionCount)).to.equal(vector.hash);
  });

  it('name the ReplicaSet of `kubectl create deployment web --image=nginx:1.27` as kube-controller-manager 1.32.13 did', () => {
    const template = {
      metadata: { creationTimestamp: null, labels: { app: 'web' } },
      spec: {
        containers: [{ image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent', name: 'nginx', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
        dnsPolicy: 'ClusterFirst',
        restartPolicy: 'Always',
        schedulerName: 'default-scheduler',
        securityContext: {},
        terminationGracePeriodSeconds: 30,
      },
    };
    expect(podTemplateHash(template)).to.equal('796cf5c97c');
  });

  it('keep the canonical text of a quantity as ParseQuantity does, and only then', () => {
    const goFields = (text: string) => Quantity.parse(text).goFields();
    expect(goFields('100m')).to.deep.equal({ value: 100n, scale: -3, cached: '100m', format: 'DecimalSI' });
    expect(goFields('1000m')).to.deep.equal({ value: 1000n, scale: -3, cached: '', format: 'DecimalSI' });
    expect(goFields('1Gi')).to.deep.equal({ value: 1073741824n, scale: 0, cached: '1Gi', format: 'BinarySI' });
    expect(goFields('1.5Gi').dec).to.deep.equal({ unscaled: 1610612736000000000n, scale: 9 });
    expect(() => goFields('12x')).to.throw(QuantityError);
  });

  it('encode with the name alphabet and hash revision data with FNV-32', () => {
    // '0' is code 48, and 48 % 27 = 21: the alphabet's 22nd letter.
    expect(safeEncode('0123456789')).to.equal('456789bcdf');
    expect(controllerRevisionHash('')).to.equal(safeEncode(String(0x811c9dc5)));
    expect(controllerRevisionHash('{"a":1}')).to.not.equal(controllerRevisionHash('{"a":1}', 1));
  });
});
