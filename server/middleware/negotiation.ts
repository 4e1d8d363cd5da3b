// Content negotiation: which representation the client asked for (plain JSON, YAML, Table,
// PartialObjectMetadata) and which body formats a write may carry.

import type { Middleware } from 'koa';
import type { KubeState } from '../context.js';
import { errors } from '../errors.js';
import { yamlLibrary } from '../libraries.js';

export type OutputFormat =
  | { kind: 'json' }
  | { kind: 'yaml'; stringify(value: unknown): string }
  | { kind: 'table'; version: string }
  | { kind: 'partial'; version: string; list: boolean };

export interface MediaType {
  /** `application/json`, or a wildcard range: as the client wrote it (matching is case-sensitive, as in Go). */
  type: string;
  params: Record<string, string>;
  q: number;
}

/** strconv.ParseFloat as a q-value parser uses it: anything it refuses counts as 0. */
function qValue(text: string): number {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text);
  if (/^[+-]?(inf|infinity)$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  return 0;
}

/** goautoneg's ordering: a higher q first, but also a concrete type or subtype before a wildcard, whatever their q. */
function before(a: MediaType, b: MediaType): boolean {
  if (a.q > b.q) return true;
  const [aType, aSub] = a.type.split('/');
  const [bType, bSub] = b.type.split('/');
  if (aType !== '*' && bType === '*') return true;
  return aSub !== '*' && bSub === '*';
}

/**
 * The clauses of an Accept header in the order kube-apiserver tries them (goautoneg.ParseAccept:
 * malformed clauses dropped, q=0 kept, then Go's insertion sort with the ordering above).
 */
export function parseMediaTypes(header: string): MediaType[] {
  const clauses: MediaType[] = [];
  for (const raw of header.split(',')) {
    const [range, ...rest] = raw.replace(/^ +| +$/g, '').split(';');
    const slash = range.split('/');
    if (slash.length > 2 || (slash.length === 1 && range.replace(/^ +| +$/g, '') !== '*')) continue;
    const type = slash.length === 1 ? '*/*' : `${slash[0].replace(/^ +| +$/g, '')}/${slash[1].replace(/^ +| +$/g, '')}`;
    const clause: MediaType = { type, params: {}, q: 1 };
    for (const param of rest) {
      const parts = param.split('=');
      if (parts.length !== 2) continue;
      const token = parts[0].replace(/^ +| +$/g, '');
      if (token === 'q') clause.q = qValue(parts[1]);
      else clause.params[token] = parts[1].replace(/^ +| +$/g, '');
    }
    clauses.push(clause);
  }
  for (let i = 1; i < clauses.length; i++) {
    for (let j = i; j > 0 && before(clauses[j], clauses[j - 1]); j--) [clauses[j], clauses[j - 1]] = [clauses[j - 1], clauses[j]];
  }
  return clauses;
}

export const servedMediaTypes = ['application/json', 'application/yaml'];
/** What kube-apiserver's routes produce, as its 406 messages list them (kubemock writes no protobuf). */
const producedMediaTypes = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
/** List and watch routes also produce the streaming types. */
const streamMediaTypes = ['application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];
const metaVersions = ['v1', 'v1beta1'];

/** YAML as kube-apiserver writes it (JSON through sigs.k8s.io/yaml): sorted keys, YAML 1.1 quoting, flush sequences. */
export function yamlWriter(): (value: unknown) => string {
  const { stringify } = yamlLibrary();
  return (value) => stringify(value, { sortMapEntries: true, version: '1.1', indentSeq: false, lineWidth: 0 });
}

/** The representation of an error: the first plain JSON or YAML clause; none (a 406's client) gets indented JSON. */
export function errorFormat(header: string): 'json' | 'yaml' | 'indented' {
  if (!header) return 'json';
  for (const { type, params } of parseMediaTypes(header)) {
    // Errors are never transformed (as=Table) and have no other server version.
    if ('as' in params || 'g' in params || 'v' in params || params.sv || (params.stream && params.stream !== 'watch')) continue;
    if (type === 'application/yaml') return 'yaml';
    if (type === 'application/json' || type === 'application/*' || type === '*/*') return 'json';
  }
  return 'indented';
}

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

/**
 * A resource request's 406: go-restful's own when no clause names a type the route produces,
 * the handler's when one does but nothing (an unknown `as=`, protobuf) can be served.
 */
function refusal(offered: MediaType[], verb: string): ReturnType<typeof errors.notAcceptable> {
  const produced = (type: string) => type === '*/*' || type === 'application/*' || producedMediaTypes.includes(type);
  const available = verb === 'list' || verb === 'watch' ? [...producedMediaTypes, ...streamMediaTypes] : producedMediaTypes;
  if (!offered.some((m) => produced(m.type))) return errors.notAcceptableRoute(available);
  // kube-apiserver would answer a protobuf-only client in protobuf; kubemock writes JSON and YAML only.
  if (offered.some((m) => m.type === 'application/vnd.kubernetes.protobuf')) return errors.notAcceptable(servedMediaTypes);
  return errors.notAcceptable(producedMediaTypes);
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
      if (ctx.state.info.isResourceRequest) throw refusal(offered, ctx.state.info.verb);
      choice = { kind: 'json' };
    }
    ctx.state.output = choice.kind === 'yaml' ? { kind: 'yaml', stringify: yamlWriter() } : (choice as OutputFormat);
  }
  await next();
};
