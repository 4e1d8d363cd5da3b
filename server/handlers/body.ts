// Reads a request body within the size limit and decodes it as JSON, YAML or Kubernetes protobuf.

import type { KubeContext } from '../context.js';
import { errors } from '../errors.js';
import { decodeKubernetesProtobuf, protobufMediaType } from '../protobuf/decode.js';

/** kube-apiserver's default limit for a request body. */
export const maxBodyBytes = 3 * 1024 * 1024;

export async function readRawBody(ctx: KubeContext): Promise<Buffer> {
  const declared = Number(ctx.get('content-length'));
  if (declared > maxBodyBytes) throw errors.requestEntityTooLarge(maxBodyBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) {
      ctx.req.destroy();
      throw errors.requestEntityTooLarge(maxBodyBytes);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function mediaTypeOf(ctx: KubeContext): string {
  return (ctx.get('content-type').split(';')[0] ?? '').trim().toLowerCase();
}

export function decodeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

export async function decodeYaml(text: string): Promise<unknown> {
  const { parse } = await import('yaml');
  try {
    return parse(text, { uniqueKeys: false });
  } catch (err) {
    throw errors.badRequest(`error converting YAML to JSON: ${(err as Error).message}`);
  }
}

const objectMediaTypes = ['application/json', 'application/yaml', protobufMediaType];

/** The body of a POST or PUT: JSON, YAML or protobuf (kubectl's typed clients), anything else is 415. */
export async function readObjectBody(ctx: KubeContext): Promise<unknown> {
  const type = mediaTypeOf(ctx);
  if (!objectMediaTypes.includes(type)) throw errors.unsupportedMediaType(objectMediaTypes);
  const raw = await readRawBody(ctx);
  if (type === protobufMediaType) return decodeKubernetesProtobuf(raw);
  const text = raw.toString('utf8');
  return type === 'application/json' ? decodeJson(text) : decodeYaml(text);
}
