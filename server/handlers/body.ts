// Reads a request body within the size limit and decodes it as JSON, YAML or Kubernetes protobuf.

import type { KubeContext } from '../context.js';
import { errors } from '../errors.js';
import { decodeKubernetesProtobuf, protobufMediaType } from '../protobuf/decode.js';
import { decodeJsonText, JsonSyntaxError } from '../json-decode.js';
import { yamlLibrary } from '../libraries.js';

/** kube-apiserver's default limit for a request body. */
export const maxBodyBytes = 3 * 1024 * 1024;

/** Go's JSON decoder refuses documents nested deeper than this; so does kubemock, before walking them. */
const maxNestingDepth = 10_000;

function tooLarge(ctx: KubeContext): never {
  // Answer at once and drop the connection after it, without reading (or holding) the rest.
  ctx.set('Connection', 'close');
  ctx.req.resume();
  throw errors.requestEntityTooLarge(`limit is ${maxBodyBytes}`);
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
export function checkDecoded(value: unknown): void {
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

/** A JSON body that is not an object of a kind (patches, DeleteOptions); throws Go's syntax error text. */
export function decodeJson(text: string): unknown {
  const { value } = decodeJsonText(text);
  checkDecoded(value);
  return value;
}

/** rest.go's summarizeData: the first 30 bytes of a body, as text when it looks like JSON, else hex. */
function summary(raw: Buffer): string {
  if (raw.length === 0) return '<empty>';
  const head = raw.subarray(0, 30);
  const text = raw[0] === 0x7b ? head.toString('utf8') : head.toString('hex');
  return raw.length > 30 ? `${text} ...` : text;
}

/** A JSON object body of `kind`: Go's words for what does not parse; repeated fields kept for strict decoding. */
function decodeObjectJson(ctx: KubeContext, raw: Buffer, kind: string): unknown {
  let decoded;
  try {
    decoded = decodeJsonText(raw.toString('utf8'));
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: ${err.message} (${summary(raw)})`);
  }
  const value = decoded.value;
  if (value !== null && (typeof value !== 'object' || Array.isArray(value))) {
    // Go reads apiVersion and kind into a struct first; anything but an object (or null) fails there.
    const what = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;
    const into = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: json: cannot unmarshal ${what} into Go value of type ${into} (${summary(raw)})`);
  }
  if (decoded.duplicates.length > 0) ctx.state.decodedBody = decoded;
  checkDecoded(value);
  return value;
}

export function decodeYaml(text: string): unknown {
  const { parse } = yamlLibrary();
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

/** The body of a POST or PUT of a `kind`: JSON, YAML or protobuf (kubectl's typed clients), anything else is 415. */
export async function readObjectBody(ctx: KubeContext, kind: string): Promise<unknown> {
  // Without a Content-Type kube-apiserver reads the body as its first media type, JSON.
  const type = mediaTypeOf(ctx) || 'application/json';
  if (!objectMediaTypes.includes(type)) throw errors.unsupportedMediaType(objectMediaTypes);
  const raw = await readRawBody(ctx);
  if (type === protobufMediaType) return decodeKubernetesProtobuf(raw);
  if (type === 'application/json') return decodeObjectJson(ctx, raw, kind);
  return decodeYaml(raw.toString('utf8'));
}
