// GET /openapi/v3 (the index), /openapi/v3/<group-version> and /openapi/v2, answered the way
// kube-openapi's handlers answer them: a document asked for by its current hash may be cached for
// good, a stale hash is redirected to the current one, v2 comes as JSON or gnostic protobuf, and
// anything else gets an empty 406.

import type { Clock } from '../server/clock.js';
import type { KubeContext } from '../server/context.js';
import { parseMediaTypes } from '../server/middleware/negotiation.js';
import type { Registry } from '../server/registry/registry.js';
import { openApiDocuments } from './cache.js';
import { swaggerProtobuf } from './swagger-protobuf.js';
import { sendBody } from '../server/http.js';
import { pathNotFound } from '../server/handlers/not-found.js';

const jsonTypes = new Set(['application/json', 'application/*', '*/*']);
/** The names clients ask for v2 protobuf by; kube-openapi answers with the second. */
const v2ProtobufTypes = new Set(['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf']);
const v2ProtobufContentType = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** The first representation the Accept header names that the document comes in. */
function negotiate(ctx: KubeContext, protobuf: boolean): 'json' | 'protobuf' | undefined {
  for (const { type } of parseMediaTypes(ctx.get('accept') || '*/*')) {
    if (jsonTypes.has(type)) return 'json';
    if (protobuf && v2ProtobufTypes.has(type)) return 'protobuf';
  }
  return undefined;
}

function acceptsJson(ctx: KubeContext): boolean {
  return negotiate(ctx, false) === 'json';
}

function notAcceptable(ctx: KubeContext): void {
  ctx.body = null;
  ctx.status = 406;
}

function sendJson(ctx: KubeContext, json: string, etag: string): void {
  ctx.etag = etag;
  sendBody(ctx, 200, json);
  if (ctx.fresh) {
    ctx.status = 304;
    ctx.body = null;
  }
}

export function openApiHandlers(registry: Registry, clock: Clock) {
  return {
    async index(ctx: KubeContext): Promise<void> {
      // kube-openapi writes the index without a Content-Type or ETag, so Go sniffs it as text.
      sendBody(ctx, 200, openApiDocuments(registry).index.json, 'text/plain; charset=utf-8');
    },

    async groupVersion(ctx: KubeContext, key: string): Promise<void> {
      const document = openApiDocuments(registry).groupVersions.get(key);
      if (!document) throw pathNotFound(registry, ctx.path);
      ctx.vary('Accept');
      if (!acceptsJson(ctx)) return notAcceptable(ctx);
      const askedHash = typeof ctx.query.hash === 'string' ? ctx.query.hash : '';
      if (askedHash && askedHash !== document.hash) {
        ctx.status = 301;
        ctx.redirect(`/openapi/v3/${key}?hash=${document.hash}`);
        return;
      }
      if (askedHash) {
        // The hash names these exact bytes, so a cache may keep them for good.
        ctx.set('Cache-Control', 'public, immutable');
        const expires = clock.now();
        expires.setUTCFullYear(expires.getUTCFullYear() + 1);
        ctx.set('Expires', expires.toUTCString());
      }
      sendJson(ctx, document.json, document.hash);
    },

    async swagger(ctx: KubeContext): Promise<void> {
      ctx.vary('Accept');
      const representation = negotiate(ctx, true);
      if (!representation) return notAcceptable(ctx);
      const swagger = openApiDocuments(registry).swagger();
      if (representation === 'json') return sendJson(ctx, swagger.json, swagger.hash);
      // Both representations carry the JSON's hash, as kube-openapi tags them.
      ctx.etag = swagger.hash;
      ctx.status = 200;
      ctx.set('Content-Type', v2ProtobufContentType);
      ctx.body = (swagger.protobuf ??= await swaggerProtobuf(swagger.document));
      if (ctx.fresh) {
        ctx.status = 304;
        ctx.body = null;
      }
    },
  };
}
