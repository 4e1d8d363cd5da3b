// The cost limits of x-kubernetes-validations: estimated costs checked when a CRD is written, and the
// per-call limit and per-object budget while custom resources are validated. Expectations were
// captured from kube-apiserver 1.32.13.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateRules } from '../../server/crd/cel/rules.js';
import type { JSONSchemaProps } from '../../server/crd/schema/types.js';
import type { CustomResourceDefinition } from '../../server/crd/types.js';
import { validateCustomResourceDefinition } from '../../server/crd/validation.js';

interface CostCase {
  name: string;
  spec: JSONSchemaProps;
  causes: string[];
}

const recorded: { cases: CostCase[] } = JSON.parse(readFileSync(fileURLToPath(new URL('../../../spec/fixtures/crd-cel-cost.json', import.meta.url)), 'utf8'));

function definition({ name, spec }: CostCase): CustomResourceDefinition {
  const kind = name[0].toUpperCase() + name.slice(1);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${name}s.cost.example.com` },
    spec: {
      group: 'cost.example.com',
      scope: 'Namespaced',
      names: { plural: `${name}s`, singular: name, kind, listKind: `${kind}List` },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec } } } }],
    },
    status: { storedVersions: ['v1'] },
  } as CustomResourceDefinition;
}

describe('CEL estimated cost limits on CustomResourceDefinitions', () => {
  for (const recordedCase of recorded.cases) {
    it(`${recordedCase.causes.length ? 'refuses' : 'accepts'} ${recordedCase.name}`, () => {
      const causes = validateCustomResourceDefinition(definition(recordedCase)).map((e) => `${e.field}: ${e.body()}`);
      expect(causes.sort()).to.deep.equal(recordedCase.causes);
    });
  }
});

describe('CEL runtime cost limits on custom resources', () => {
  const ints = (n: number) => Array.from({ length: n }, (_, i) => i);
  // Quadratic in the list's length: the costliest rules a CRD's estimate still lets through.
  const pairs = (maxItems: number): JSONSchemaProps => ({ type: 'array', maxItems, items: { type: 'integer' }, 'x-kubernetes-validations': [{ rule: 'self.all(x, self.all(y, x == y || x != y))' }] });
  const fields = (count: number, each: (name: string) => unknown) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`f${String(i).padStart(2, '0')}`, each(`f${i}`)]));
  const specOf = (properties: Record<string, JSONSchemaProps>): JSONSchemaProps => ({ type: 'object', properties: { spec: { type: 'object', properties } } });

  it('stops at a rule whose evaluation costs more than the per-call limit', () => {
    const schema = specOf({ a: pairs(1000) });
    expect(validateRules(schema, { spec: { a: ints(10) } }, undefined).errors).to.deep.equal([]);
    expect(validateRules(schema, { spec: { a: ints(1000) } }, undefined).errors.map(String)).to.deep.equal([
      `spec.a: Invalid value: "array": 'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: self.all(x, self.all(y, x == y || x != y))`,
    ]);
  });

  it("stops when an object's rules together spend the runtime budget", () => {
    // 17 lists of 250 stay within the budget on kube-apiserver, 18 do not.
    const within = specOf(fields(17, () => pairs(250)) as Record<string, JSONSchemaProps>);
    expect(validateRules(within, { spec: fields(17, () => ints(250)) }, undefined).errors).to.deep.equal([]);
    const over = specOf(fields(18, () => pairs(250)) as Record<string, JSONSchemaProps>);
    const errors = validateRules(over, { spec: fields(18, () => ints(250)) }, undefined).errors.map(String);
    expect(errors).to.have.length(1);
    expect(errors[0]).to.match(/^spec\.f\d\d: Invalid value: "array": validation failed due to running out of cost budget, no further validation rules will be run$/);
  });
});
