// Content negotiation: which representation the client asked for (plain JSON, YAML, Table,
// PartialObjectMetadata) and which body formats a write may carry.

import type { Middleware } from 'koa';
import type { KubeState } from '../context.js';
import { errors } from '../errors.js';

export type OutputFormat =
  | { kind: 'json' }
  | { kind: 'yaml'; stringify(value: unknown): string }
  | { kind: 'table'; version: string }
  | { kind: 'partial'; version: string; list: boolean };

export interface MediaType {
  type: string;
  params: Record<string, string>;
}

export function parseMediaTypes(header: string): MediaType[] {
  return header
    .split(',')
    .map((part) => {
      const [type, ...rest] = part.split(';').map((s) => s.trim());
      const params: Record<string, string> = {};
      for (const p of rest) {
        const eq = p.indexOf('=');
        if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
      }
      return { type: type.toLowerCase(), params };
    })
    .filter((m) => m.type && m.params.q !== '0');
}

export const servedMediaTypes = ['application/json', 'application/yaml'];
const metaVersions = ['v1', 'v1beta1'];

type Choice = OutputFormat | { kind: 'yaml' };

function choose(media: MediaType): Choice | undefined {
  const { type, params } = media;
  const json = type === 'application/json' || type === '*/*' || type === 'application/*';
  if (type === 'application/yaml' && !params.as) return { kind: 'yaml' };
  if (!json) return undefined;
  if (!params.as) return { kind: 'json' };
  if (params.g !== 'meta.k8s.io' || !metaVersions.includes(params.v)) return undefined;
  if (params.as === 'Table') return { kind: 'table', version: params.v };
  if (params.as === 'PartialObjectMetadata') return { kind: 'partial', version: params.v, list: false };
  if (params.as === 'PartialObjectMetadataList') return { kind: 'partial', version: params.v, list: true };
  return undefined;
}

/** Explains a refused `as=` request the way kube-apiserver words it, when that was all the client offered. */
function refusal(offered: MediaType[]): ReturnType<typeof errors.notAcceptable> {
  const asked = offered.find((m) => m.type === 'application/json' && m.params.as);
  if (asked && ['Table', 'PartialObjectMetadata', 'PartialObjectMetadataList'].includes(asked.params.as)) {
    const gv = asked.params.g ? `${asked.params.g}/${asked.params.v ?? ''}` : asked.params.v ?? '';
    return errors.notAcceptableText(`no ${asked.params.as} exists in group version ${gv}`);
  }
  return errors.notAcceptable(servedMediaTypes);
}

export const negotiation: Middleware<KubeState> = async (ctx, next) => {
  const header = ctx.get('accept');
  if (!header) ctx.state.output = { kind: 'json' };
  else {
    const offered = parseMediaTypes(header);
    let choice: Choice | undefined;
    for (const media of offered) {
      choice = choose(media);
      if (choice) break;
    }
    if (!choice) {
      if (ctx.state.info.isResourceRequest) throw refusal(offered);
      choice = { kind: 'json' };
    }
    // The YAML library loads only when a client asks for YAML, to keep start-up fast.
    ctx.state.output = choice.kind === 'yaml' ? { kind: 'yaml', stringify: (await import('yaml')).stringify } : (choice as OutputFormat);
  }
  await next();
};
