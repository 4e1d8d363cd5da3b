import { expect } from 'chai';
import { StatusError } from '../../server/errors.js';
import { genericFieldSelectors, ownFieldSelectors, fieldPath } from '../../server/registry/resources/common.js';
import { parseFieldSelector } from '../../server/selectors/fields.js';
import { formatLabelSelector, labelSelectorFromObject, parseLabelSelector } from '../../server/selectors/labels.js';

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(StatusError);
    expect((err as StatusError).code).to.equal(400);
    return (err as StatusError).message;
  }
  throw new Error('expected a 400');
}

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', version: '3' };
  const matches = (selector: string) => parseLabelSelector(selector)(labels);

  it('evaluates every operator', () => {
    expect(matches('')).to.equal(true);
    expect(matches('app=web')).to.equal(true);
    expect(matches('app==db')).to.equal(false);
    expect(matches('app!=db')).to.equal(true);
    expect(matches('missing!=x')).to.equal(true);
    expect(matches('tier in (front, back)')).to.equal(true);
    expect(matches('tier notin (front)')).to.equal(false);
    expect(matches('missing notin (front)')).to.equal(true);
    expect(matches('app,tier')).to.equal(true);
    expect(matches('!missing')).to.equal(true);
    expect(matches('!app')).to.equal(false);
    expect(matches('version>2,version<4')).to.equal(true);
    expect(matches('version>3')).to.equal(false);
    expect(matches(' app = web , tier in (front) ')).to.equal(true);
  });

  it('refuses malformed selectors and invalid keys or values with 400', () => {
    expect(badRequest(() => parseLabelSelector('app in web'))).to.equal("unable to parse requirement: found 'web', expected: '('");
    expect(badRequest(() => parseLabelSelector('tier in (a'))).to.match(/^unable to parse requirement: found 'EOS', expected: ',' or '\)'$/);
    expect(badRequest(() => parseLabelSelector('a/b/c=x'))).to.match(/^unable to parse requirement: key: Invalid value: "a\/b\/c": a qualified name must consist of/);
    expect(badRequest(() => parseLabelSelector('app=-x-'))).to.match(/^unable to parse requirement: values\[0\]\[app\]: Invalid value: "-x-": a valid label must be/);
    expect(badRequest(() => parseLabelSelector('version>x'))).to.match(/must be an integer$/);
  });

  it('turns a metav1.LabelSelector into a predicate and prints it as kubectl does', () => {
    const selector = { matchLabels: { tier: 'front', app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }, { key: 'canary', operator: 'DoesNotExist' }] };
    expect(labelSelectorFromObject(selector)({ app: 'web', tier: 'front', env: 'dev' })).to.equal(true);
    expect(labelSelectorFromObject(selector)({ app: 'web', tier: 'front', env: 'dev', canary: '1' })).to.equal(false);
    expect(formatLabelSelector(selector)).to.equal('app=web,!canary,env in (dev,prod),tier=front');
  });
});

describe('field selectors', () => {
  const pod = { metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } };
  const podFields = ownFieldSelectors({ 'spec.nodeName': fieldPath('spec.nodeName'), 'status.phase': fieldPath('status.phase') });

  it('matches =, == and != joined by commas, with escapes', () => {
    expect(parseFieldSelector('spec.nodeName=n1,status.phase!=Pending', podFields)(pod)).to.equal(true);
    expect(parseFieldSelector('metadata.name==q', podFields)(pod)).to.equal(false);
    const escaped = { metadata: { name: 'a,b=c', namespace: 'ns' } };
    expect(parseFieldSelector('metadata.name=a\\,b\\=c', genericFieldSelectors)(escaped)).to.equal(true);
  });

  it('words refusals by the kind of conversion the resource has', () => {
    expect(badRequest(() => parseFieldSelector('spec.foo=x', podFields))).to.equal('field label not supported: spec.foo');
    expect(badRequest(() => parseFieldSelector('data.a=x', genericFieldSelectors))).to.equal('"data.a" is not a known field selector: only "metadata.name", "metadata.namespace"');
    expect(badRequest(() => parseFieldSelector('nonsense', genericFieldSelectors))).to.equal("invalid selector: 'nonsense'; can't understand 'nonsense'");
  });

});
