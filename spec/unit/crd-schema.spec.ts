// Expected messages were captured from kube-apiserver 1.32.13.

import { expect } from 'chai';
import { validateRules, compileRules } from '../../server/crd/cel/rules.js';
import { compileJsonPath } from '../../server/crd/jsonpath.js';
import { applyDefaults, prune, validateListTypes } from '../../server/crd/schema/structural.js';
import type { JSONSchemaProps } from '../../server/crd/schema/types.js';
import { schemaValidator } from '../../server/crd/schema/validator.js';
import type { CustomResourceDefinition } from '../../server/crd/types.js';
import { validateCustomResourceDefinition } from '../../server/crd/validation.js';

const texts = (errors: { toString(): string }[]) => errors.map((e) => e.toString());

const cronTab: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['image'],
      properties: {
        cronSpec: { type: 'string', pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$' },
        image: { type: 'string', maxLength: 5 },
        replicas: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
        ratio: { type: 'number', minimum: 0, exclusiveMinimum: true },
        mode: { type: 'string', enum: ['a', 'b'] },
        email: { type: 'string', format: 'email' },
        port: { 'x-kubernetes-int-or-string': true },
        tags: { type: 'array', maxItems: 2, items: { type: 'string' } },
        nick: { type: 'string', nullable: true },
      },
    },
  },
};

describe('custom resource schema validation', () => {
  const validator = schemaValidator(cronTab);

  it('words type, pattern and enum failures as kube-openapi does', () => {
    const problems = validator.validate({ spec: { cronSpec: 'nope', image: 5, mode: 'c' } });
    expect(texts(problems)).to.have.members([
      `spec.cronSpec: Invalid value: "nope": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'`,
      'spec.image: Invalid value: "integer": spec.image in body must be of type string: "integer"',
      'spec.mode: Unsupported value: "c": supported values: "a", "b"',
    ]);
    expect(problems.find((p) => p.field === 'spec.image')!.type).to.equal('FieldValueTypeInvalid');
  });

  it('matches patterns in time linear in the value, so nested repetition cannot stall a write', () => {
    // A backtracking engine takes about 2^n steps for `^(a+)+$` on n letters a and one b.
    const nested = schemaValidator({ type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } });
    const value = `${'a'.repeat(64)}b`;
    expect(texts(nested.validate({ name: value }))).to.deep.equal([`name: Invalid value: "${value}": name in body should match '^(a+)+$'`]);
  });

  it('checks bounds, lengths, counts, formats, required fields and int-or-string', () => {
    const problems = validator.validate({ spec: { replicas: 11, ratio: 0, tags: ['a', 'b', 'c'], email: 'not-an-email', port: true } });
    expect(texts(problems)).to.have.members([
      'spec.image: Required value',
      'spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10',
      'spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0',
      'spec.tags: Too many: 3: must have at most 2 items',
      'spec.email: Invalid value: "not-an-email": spec.email in body must be of type email: "not-an-email"',
      'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
    ]);
    expect(texts(validator.validate({ spec: { image: 'toolong' } }))).to.deep.equal(['spec.image: Too long: may not be more than 5 bytes']);
  });

  it('accepts null only where the schema is nullable', () => {
    expect(validator.validate({ spec: { image: 'x', nick: null, port: 'http' } })).to.deep.equal([]);
    expect(texts(validator.validate({ spec: { image: null } }))).to.deep.equal(['spec.image: Invalid value: "null": spec.image in body must be of type string: "null"']);
  });
});

describe('custom resource pruning and defaults', () => {
  it('drops undeclared fields but keeps apiVersion, kind, metadata and preserved blocks', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: { keep: { type: 'string' }, free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, list: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } } } },
        },
      },
    };
    const object = { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'n' }, spec: { keep: 'k', drop: 1, free: { any: { thing: 1 } }, list: [{ a: 'a', b: 'b' }] }, status: {} };
    expect(prune(object, schema, true)).to.deep.equal(['spec.drop', 'spec.list[0].b', 'status']);
    expect(object).to.deep.equal({ apiVersion: 'x/v1', kind: 'X', metadata: { name: 'n' }, spec: { keep: 'k', free: { any: { thing: 1 } }, list: [{ a: 'a' }] } });
  });

  it('fills defaults of missing fields and of nulls, and drops other nulls', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            replicas: { type: 'integer', default: 1 },
            class: { type: 'string', default: 'Standard' },
            gone: { type: 'string' },
            kept: { type: 'string', nullable: true },
            targets: { type: 'array', items: { type: 'object', properties: { path: { type: 'string', default: '/' } } } },
          },
        },
      },
    };
    const object = { spec: { class: null, gone: null, kept: null, targets: [{}, { path: '/x' }] } };
    applyDefaults(object, schema);
    expect(object).to.deep.equal({ spec: { replicas: 1, class: 'Standard', kept: null, targets: [{ path: '/' }, { path: '/x' }] } });
  });

  it('reports duplicates in set and map lists', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      properties: {
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        targets: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', properties: { name: { type: 'string' } } } },
      },
    };
    expect(texts(validateListTypes({ tags: ['x', 'y', 'x'], targets: [{ name: 'a' }, { name: 'a' }] }, schema))).to.deep.equal([
      'tags[2]: Duplicate value: "x"',
      'targets[1]: Duplicate value: map[string]interface {}{"name":"a"}',
    ]);
  });
});

describe('x-kubernetes-validations', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        'x-kubernetes-validations': [
          { rule: 'self.minReplicas <= self.maxReplicas', message: 'minReplicas must not exceed maxReplicas' },
          { rule: "!has(self.backup) || self.engine != 'sqlite'", messageExpression: "'backups are not supported for ' + self.engine", reason: 'FieldValueForbidden', fieldPath: '.backup' },
        ],
        properties: {
          engine: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'engine is immutable' }] },
          minReplicas: { type: 'integer' },
          maxReplicas: { type: 'integer' },
          backup: { type: 'object', properties: { schedule: { type: 'string' } } },
          size: { type: 'string', 'x-kubernetes-validations': [{ rule: "quantity(self).compareTo(quantity('1Gi')) >= 0" }] },
          cidrs: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 64, 'x-kubernetes-validations': [{ rule: 'isCIDR(self) && cidr(self).containsIP(ip("10.0.0.1"))', message: 'must contain 10.0.0.1' }] } },
          name: { type: 'string', maxLength: 63, 'x-kubernetes-validations': [{ rule: '!format.dns1123Label().validate(self).hasValue()', message: 'must be a DNS label' }] },
          count: { type: 'integer', 'x-kubernetes-validations': [{ rule: '!oldSelf.hasValue() || self >= oldSelf.value()', message: 'may only grow', optionalOldSelf: true }] },
          hosts: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 253 }, 'x-kubernetes-validations': [{ rule: 'self.all(h, h.lowerAscii() == h) && self.isSorted()', message: 'sorted lowercase hosts' }] },
        },
      },
    },
  };

  it('compiles every rule once and reports compile errors', () => {
    expect(compileRules(schema, 'spec.validation.openAPIV3Schema').problems).to.deep.equal([]);
    const broken: JSONSchemaProps = { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.a >' }] };
    const [problem] = compileRules(broken, 'spec.validation.openAPIV3Schema').problems;
    expect(problem.field).to.equal('spec.validation.openAPIV3Schema.x-kubernetes-validations[0].rule');
    expect(problem.toString()).to.include('Invalid value: apiextensions.ValidationRule{Rule:"self.a >", Message:"", MessageExpression:""').and.include('compilation failed: ERROR: <input>');
  });

  it('reports failed rules with message, messageExpression, reason and fieldPath', () => {
    const object = { spec: { engine: 'sqlite', minReplicas: 5, maxReplicas: 3, backup: { schedule: 'daily' }, size: '512Mi', cidrs: ['10.0.0.0/8', '192.168.0.0/16'], name: 'Bad_Name', hosts: ['b.example', 'a.example'] } };
    expect(texts(validateRules(schema, object, undefined).errors)).to.have.members([
      'spec: Invalid value: "object": minReplicas must not exceed maxReplicas',
      'spec.backup: Forbidden: backups are not supported for sqlite',
      `spec.size: Invalid value: "string": failed rule: quantity(self).compareTo(quantity('1Gi')) >= 0`,
      'spec.cidrs[1]: Invalid value: "string": must contain 10.0.0.1',
      'spec.name: Invalid value: "string": must be a DNS label',
      'spec.hosts: Invalid value: "array": sorted lowercase hosts',
    ]);
  });

  it('runs transition rules only against a correlated old value, and optionalOldSelf rules always', () => {
    const before = { spec: { engine: 'postgres', minReplicas: 1, maxReplicas: 3, count: 5 } };
    expect(validateRules(schema, { spec: { engine: 'mysql', minReplicas: 1, maxReplicas: 3 } }, undefined).errors).to.deep.equal([]);
    expect(texts(validateRules(schema, { spec: { engine: 'mysql', minReplicas: 1, maxReplicas: 3, count: 4 } }, before).errors)).to.have.members([
      'spec.engine: Invalid value: "string": engine is immutable',
      'spec.count: Invalid value: "integer": may only grow',
    ]);
    expect(validateRules(schema, { spec: { engine: 'postgres', minReplicas: 1, maxReplicas: 3, count: 1 } }, { spec: {} }).errors).to.deep.equal([]);
  });

  it('warns, without refusing, about failures on values an update left unchanged', () => {
    const before = { spec: { engine: 'postgres', minReplicas: 1, maxReplicas: 3, size: '512Mi', name: 'Bad_Name' } };
    const outcome = validateRules(schema, { spec: { ...before.spec, maxReplicas: 4, name: 'Still_Bad' } }, before);
    expect(texts(outcome.errors)).to.deep.equal(['spec.name: Invalid value: "string": must be a DNS label']);
    expect(outcome.warnings).to.deep.equal([`spec.size: Invalid value: "string": failed rule: quantity(self).compareTo(quantity('1Gi')) >= 0`]);
  });

  it('reports evaluation errors against the node', () => {
    expect(texts(validateRules(schema, { spec: { engine: 'postgres', maxReplicas: 3 } }, undefined).errors)).to.deep.equal(['spec: Invalid value: "object": no such key: minReplicas evaluating rule: minReplicas must not exceed maxReplicas']);
  });
});

describe('CEL quantities and JSONPath', () => {
  it('compares and adds quantities exactly across suffixes', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      properties: {
        q: {
          type: 'string',
          'x-kubernetes-validations': [
            { rule: "quantity(self).compareTo(quantity('1073741824')) == 0", message: '1Gi in bytes' },
            { rule: "quantity('500m').compareTo(quantity('0.5')) == 0 && quantity('1e3').isLessThan(quantity('1001'))", message: 'decimal forms' },
            { rule: "quantity('1.5Gi').add(quantity('512Mi')).compareTo(quantity('2Gi')) == 0 && quantity('3').sub(1).asInteger() == 2", message: 'arithmetic' },
            { rule: "!isQuantity('abc') && quantity('-2').isLessThan(quantity('0')) && !quantity('1500m').isInteger()", message: 'predicates' },
          ],
        },
      },
    };
    expect(validateRules(schema, { q: '1Gi' }, undefined).errors).to.deep.equal([]);
    expect(texts(validateRules(schema, { q: '1G' }, undefined).errors)).to.deep.equal(['q: Invalid value: "string": 1Gi in bytes']);
  });

  it('reads printer-column paths with filters', () => {
    const object = { status: { conditions: [{ type: 'Synced', status: 'False' }, { type: 'Ready', status: 'True' }] }, spec: { 'a.b': 1 } };
    expect(compileJsonPath('.status.conditions[?(@.type=="Ready")].status')(object)).to.deep.equal(['True']);
    expect(compileJsonPath(".spec['a.b']")(object)).to.deep.equal([1]);
    expect(compileJsonPath('.status.conditions[*].type')(object)).to.deep.equal(['Synced', 'Ready']);
    expect(compileJsonPath('.missing.path')(object)).to.deep.equal([]);
  });
});

describe('CustomResourceDefinition validation', () => {
  const crd = (edit: (c: any) => void = () => {}): CustomResourceDefinition => {
    const c: any = {
      metadata: { name: 'things.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'things', singular: 'thing', kind: 'Thing', listKind: 'ThingList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } } } } }],
      },
      status: { storedVersions: ['v1'] },
    };
    edit(c);
    return c;
  };
  const messages = (c: CustomResourceDefinition) => texts(validateCustomResourceDefinition(c));
  const specProperties = (c: any) => c.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties;

  it('accepts a valid definition', () => {
    expect(messages(crd())).to.deep.equal([]);
  });

  it('requires the name to be plural.group and the group to be a domain', () => {
    expect(messages(crd((c) => (c.metadata.name = 'foo.example.com')))).to.deep.equal(['metadata.name: Invalid value: "foo.example.com": must be spec.names.plural+"."+spec.group']);
    expect(messages(crd((c) => ((c.spec.group = 'example'), (c.metadata.name = 'things.example'))))).to.deep.equal(['spec.group: Invalid value: "example": should be a domain with at least one dot']);
    expect(messages(crd((c) => (c.spec.scope = 'Global')))).to.deep.equal(['spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"']);
  });

  it('wants exactly one storage version', () => {
    const [problem] = messages(crd((c) => c.spec.versions.push({ ...c.spec.versions[0], name: 'v2' })));
    expect(problem).to.match(/^spec\.versions: Invalid value: \[\]apiextensions\.CustomResourceDefinitionVersion\{.*\}: must have exactly one version marked as storage version$/);
  });

  it('applies the structural schema rules under spec.validation when every version shares the schema', () => {
    expect(messages(crd((c) => (specProperties(c).foo = {})))).to.deep.equal([
      'spec.validation.openAPIV3Schema.properties[spec].properties[foo].type: Required value: must not be empty for specified object fields',
    ]);
    expect(messages(crd((c) => (specProperties(c).l = { type: 'array' })))).to.deep.equal(['spec.validation.openAPIV3Schema.properties[spec].properties[l].items: Required value: must be specified']);
    expect(messages(crd((c) => (c.spec.versions[0].schema.openAPIV3Schema.properties.metadata = { type: 'object', properties: { labels: { type: 'object' } } })))).to.deep.equal([
      'spec.validation.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified',
    ]);
    expect(messages(crd((c) => (specProperties(c).r = { $ref: '#/definitions/x' })))).to.deep.equal(['spec.validation.openAPIV3Schema.properties[spec].properties[r].$ref: Forbidden: $ref is not supported']);
  });

  it('checks defaults against their schema', () => {
    expect(messages(crd((c) => (specProperties(c).d = { type: 'string', default: 5 })))).to.deep.equal([
      'spec.validation.openAPIV3Schema.properties[spec].properties[d].default: Invalid value: "integer":  in body must be of type string: "integer"',
    ]);
    expect(messages(crd((c) => (specProperties(c).o = { type: 'object', properties: { x: { type: 'string' } }, default: { x: 'a', y: 'b' } })))).to.deep.equal([
      'spec.validation.openAPIV3Schema.properties[spec].properties[o].default: Invalid value: map[string]interface {}{"x":"a", "y":"b"}: must not have unknown fields',
    ]);
  });

  it('checks list-map keys, scale paths, printer columns and webhook conversion', () => {
    expect(messages(crd((c) => (specProperties(c).m = { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'], items: { type: 'object', properties: { k: { type: 'string' } } } })))).to.deep.equal([
      'spec.validation.openAPIV3Schema.properties[spec].properties[m].items.properties[k].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property',
    ]);
    expect(messages(crd((c) => (c.spec.versions[0].subresources = { scale: { specReplicasPath: '.replicas', statusReplicasPath: '.status.replicas' } })))).to.deep.equal([
      'spec.subresources.scale.specReplicasPath: Invalid value: ".replicas": should be a json path under .spec',
    ]);
    expect(messages(crd((c) => (c.spec.versions[0].additionalPrinterColumns = [{ name: 'X', type: 'bytes', jsonPath: 'spec.a' }])))).to.deep.equal([
      'spec.additionalPrinterColumns[0].type: Invalid value: "bytes": must be one of boolean,date,integer,number,string',
      'spec.additionalPrinterColumns[0].JSONPath: Invalid value: "spec.a": must be a simple json path starting with .',
    ]);
    expect(messages(crd((c) => (c.spec.conversion = { strategy: 'Webhook' })))).to.deep.equal([
      'spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook',
      'spec.conversion.conversionReviewVersions: Required value',
    ]);
  });
});
