import { expect } from 'chai';
import { errorFormat, parseMediaTypes } from '../../server/middleware/negotiation.js';

// Orders as goautoneg (kube-apiserver's Accept parser) sorts them, checked on kube-apiserver 1.32.13
// through which representation each header got (spec/differential/corpus/negotiation.yaml).
describe('Accept negotiation', () => {
  const order = (header: string) => parseMediaTypes(header).map((m) => m.type);

  it('tries clauses by q, a concrete type or subtype before a wildcard whatever its q', () => {
    expect(order('application/yaml;q=0.1, application/json;q=0.9')).to.deep.equal(['application/json', 'application/yaml']);
    expect(order('application/yaml;q=0.5, */*')).to.deep.equal(['*/*', 'application/yaml']);
    expect(order('*/*;q=0.1, application/yaml')).to.deep.equal(['application/yaml', '*/*']);
    expect(order('application/*;q=0.9, application/yaml;q=0.1')).to.deep.equal(['application/yaml', 'application/*']);
    expect(order('application/json;q=0.5, application/yaml;q=0.5')).to.deep.equal(['application/json', 'application/yaml']);
    expect(order('*, application/yaml;q=0.9')).to.deep.equal(['application/yaml', '*/*']);
  });

  it('keeps q=0 clauses, reads a malformed q as 0 and drops malformed ranges', () => {
    expect(parseMediaTypes('application/yaml;q=0').map((m) => m.q)).to.deep.equal([0]);
    expect(order('application/yaml;q=abc, application/json;q=0.5')).to.deep.equal(['application/json', 'application/yaml']);
    expect(order('text, a/b/c, application/json')).to.deep.equal(['application/json']);
    expect(parseMediaTypes('application/json; as=Table ;v=v1;g=meta.k8s.io')[0].params).to.deep.equal({ as: 'Table', v: 'v1', g: 'meta.k8s.io' });
  });

  it('writes errors in the first plain representation accepted, indented JSON when there is none', () => {
    expect(errorFormat('')).to.equal('json');
    expect(errorFormat('application/yaml')).to.equal('yaml');
    expect(errorFormat('application/json;as=Table;v=v1;g=meta.k8s.io, application/yaml;q=0.1')).to.equal('yaml');
    expect(errorFormat('application/json;as=Table;v=v1;g=meta.k8s.io')).to.equal('indented');
    expect(errorFormat('text/html')).to.equal('indented');
  });
});
