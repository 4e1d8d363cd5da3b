import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { StatusError } from '../server/errors.js';
import { decodeKubernetesProtobuf } from '../server/protobuf/decode.js';

interface Vector {
  name: string;
  protobufBase64: string;
  json: Record<string, unknown>;
}

// Written by `go run . -vectors` in tools/proto-schema with the Kubernetes protobuf serializer.
const vectorsFile = new URL('../../spec/fixtures/protobuf-vectors.json', import.meta.url);
const vectors = JSON.parse(readFileSync(vectorsFile, 'utf8')) as Vector[];

function decodeError(bytes: Buffer): StatusError {
  try {
    decodeKubernetesProtobuf(bytes);
  } catch (err) {
    expect(err).to.be.instanceOf(StatusError);
    return err as StatusError;
  }
  throw new Error('expected the body to be rejected');
}

function vectorBytes(name: string): Buffer {
  const vector = vectors.find((v) => v.name === name);
  if (!vector) throw new Error(`no vector ${name}`);
  return Buffer.from(vector.protobufBase64, 'base64');
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  for (; value >= 0x80; value >>>= 7) bytes.push((value & 0x7f) | 0x80);
  bytes.push(value);
  return Buffer.from(bytes);
}

/** A length-delimited field, for building envelopes around broken objects. */
function lengthDelimitedField(fieldNumber: number, contents: Buffer): Buffer {
  return Buffer.concat([varint((fieldNumber << 3) | 2), varint(contents.length), contents]);
}

function envelope(apiVersion: string, kind: string, raw: Buffer): Buffer {
  const typeMeta = Buffer.concat([lengthDelimitedField(1, Buffer.from(apiVersion)), lengthDelimitedField(2, Buffer.from(kind))]);
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), lengthDelimitedField(1, typeMeta), lengthDelimitedField(2, raw)]);
}

/** The object inside a vector's envelope: the serializer writes typeMeta (field 1), then raw (field 2). */
function rawObject(body: Buffer): Buffer {
  let offset = 4;
  const readVarint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = body[offset++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  readVarint(); // typeMeta's tag
  offset += readVarint();
  readVarint(); // raw's tag
  const length = readVarint();
  return body.subarray(offset, offset + length);
}

describe('Kubernetes protobuf decoding', () => {
  for (const vector of vectors) {
    it(`decodes ${vector.name} to the JSON the Go types marshal to`, () => {
      expect(decodeKubernetesProtobuf(Buffer.from(vector.protobufBase64, 'base64'))).to.deep.equal(vector.json);
    });
  }

  it('has a vector with a set-but-zero optional field', () => {
    const decoded = decodeKubernetesProtobuf(vectorBytes('deployment scaled to zero'));
    expect(decoded.spec).to.have.property('replicas', 0);
  });

  describe('rejects malformed bodies with 400', () => {
    const configMap = vectorBytes('configmap');
    const cases: Array<[string, Buffer]> = [
      ['an empty body', Buffer.alloc(0)],
      ['a body without the k8s magic', Buffer.from('{"kind":"ConfigMap"}')],
      ['a truncated body', configMap.subarray(0, configMap.length - 5)],
      ['an unterminated varint', Buffer.concat([configMap.subarray(0, 4), Buffer.from([0x08, 0xff, 0xff])])],
      ['an envelope without a kind', Buffer.concat([configMap.subarray(0, 4), Buffer.from([0x0a, 0x00])])],
      ['an unknown wire type', Buffer.concat([configMap.subarray(0, 4), Buffer.from([0x0b])])],
    ];
    for (const [what, bytes] of cases) {
      it(what, () => {
        expect(decodeError(bytes).code).to.equal(400);
      });
    }

    it('an apiVersion and kind it has no schema for', () => {
      const error = decodeError(envelope('example.com/v1', 'Widget', Buffer.alloc(0)));
      expect(error.code).to.equal(400);
      expect(error.message).to.contain('Widget');
    });

    it('a field with the wrong wire type', () => {
      // ConfigMap field 1 (metadata) as a varint.
      expect(decodeError(envelope('v1', 'ConfigMap', Buffer.from([0x08, 0x01]))).code).to.equal(400);
    });

    it('embedded JSON that does not parse', () => {
      const rawExtension = lengthDelimitedField(1, Buffer.from('{not json'));
      expect(decodeError(envelope('apps/v1', 'ControllerRevision', lengthDelimitedField(2, rawExtension))).code).to.equal(400);
    });

    it('every truncation of a real object', () => {
      const pod = rawObject(vectorBytes('pod'));
      for (let length = 0; length < pod.length; length++) {
        try {
          decodeKubernetesProtobuf(envelope('v1', 'Pod', pod.subarray(0, length)));
        } catch (err) {
          expect((err as StatusError).code, `truncated to ${length} bytes`).to.equal(400);
        }
      }
    });
  });
});
