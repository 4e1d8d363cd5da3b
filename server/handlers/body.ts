// Reads a request body within the size limit and decodes it as JSON, YAML or Kubernetes protobuf.

import type { KubeContext } from '../context.js';
import { errors } from '../errors.js';
import { decodeKubernetesProtobuf, protobufMediaType } from '../protobuf/decode.js';

/** kube-apiserver's default limit for a request body. */
export const maxBodyBytes = 3 * 1024 * 1024;

/** Go's JSON decoder refuses documents nested deeper than this; so does kubemock, before walking them. */
const maxNestingDepth = 10_000;

function tooLarge(ctx: KubeContext): never {
  // Answer at once and drop the connection after it, without reading (or holding) the rest.
  ctx.set('Connection', 'close');
  ctx.req.resume();
  throw errors.requestEntityTooLarge(maxBodyBytes);
}

export async function readRawBody(ctx: KubeContext): Promise<Buffer> {
  const declared = Number(ctx.get('content-length'));
  if (declared > maxBodyBytes) tooLarge(ctx);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) tooLarge(ctx);
    chunks.push(chunk as Buffer);
  }
  ctx.state.requestBody = Buffer.concat(chunks);
  return ctx.state.requestBody;
}

/**
 * Refuses values nested past the decoder's limit, walking without recursion, and drops `__proto__`
 * keys: no Go struct has such a field, and merged into an object it would replace its prototype.
 */
function checkDecoded(value: unknown): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > maxNestingDepth) throw errors.badRequest(`json: exceeded max depth of ${maxNestingDepth}`);
    if (!Array.isArray(node) && Object.hasOwn(node, '__proto__')) delete (node as Record<string, unknown>).__proto__;
    for (const child of Object.values(node)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
}

export function mediaTypeOf(ctx: KubeContext): string {
  return (ctx.get('content-type').split(';')[0] ?? '').trim().toLowerCase();
}

export function decodeJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
  checkDecoded(value);
  return value;
}

export async function decodeYaml(text: string): Promise<unknown> {
  const { parse } = await import('yaml');
  let value: unknown;
  try {
    value = parse(text, { uniqueKeys: false });
  } catch (err) {
    throw errors.badRequest(`error converting YAML to JSON: ${(err as Error).message}`);
  }
  checkDecoded(value);
  return value;
}

const objectMediaTypes = ['application/json', 'application/yaml', protobufMediaType];

/** The body of a POST or PUT: JSON, YAML or protobuf (kubectl's typed clients), anything else is 415. */
export async function readObjectBody(ctx: KubeContext): Promise<unknown> {
  // Without a Content-Type kube-apiserver reads the body as its first media type, JSON.
  const type = mediaTypeOf(ctx) || 'application/json';
  if (!objectMediaTypes.includes(type)) throw errors.unsupportedMediaType(objectMediaTypes);
  const raw = await readRawBody(ctx);
  if (type === protobufMediaType) return decodeKubernetesProtobuf(raw);
  const text = raw.toString('utf8');
  return type === 'application/json' ? decodeJson(text) : decodeYaml(text);
}
