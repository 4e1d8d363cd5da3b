// The libraries most runs never need, loaded on first use: YAML (bodies, Accept, manifests and stage
// files), ajv, CEL and RE2 (custom resource validation), X.509 (certificate requests) and the ASN.1 schemas
// (certificates the CSR signer issues). Importing them
// takes longer than the rest of a start. They are required synchronously, so the synchronous write
// path can use them (cel-js is an ES module: require() of ES modules needs Node 20.19 or 22.12).

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function onFirstUse<T>(load: () => T): () => T {
  let library: T | undefined;
  return () => (library ??= load());
}

export const yamlLibrary = onFirstUse(() => require('yaml') as typeof import('yaml'));

export const ajvLibrary = onFirstUse(() => require('ajv') as typeof import('ajv'));

export const celLibrary = onFirstUse(() => require('@marcbachmann/cel-js') as typeof import('@marcbachmann/cel-js'));

export const x509Library = onFirstUse(() => {
  require('reflect-metadata');
  return require('@peculiar/x509') as typeof import('@peculiar/x509');
});

export const asn1Libraries = onFirstUse(() => ({
  schema: require('@peculiar/asn1-schema') as typeof import('@peculiar/asn1-schema'),
  x509: require('@peculiar/asn1-x509') as typeof import('@peculiar/asn1-x509'),
  csr: require('@peculiar/asn1-csr') as typeof import('@peculiar/asn1-csr'),
}));

export const re2Library = onFirstUse(() => require('re2js') as typeof import('re2js'));
