// What legitimately differs between two servers answering the same requests, replaced by
// placeholders before anything is recorded or compared: uids, timestamps, resourceVersions and
// continue tokens, generated names, allocated IPs and ports, OpenAPI hashes and ETags, Go pointer
// addresses.

type Json = Record<string, unknown>;

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
/** Timestamps and resourceVersions inside a text (an object quoted in an error message). */
const embeddedTime = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/g;
const embeddedResourceVersion = /(resourceVersion\\*"\s*:\s*\\*")\d+/g;
/** A precondition's resourceVersions quoted in a Conflict. */
const preconditionResourceVersions = /(ResourceVersion in the precondition \()\d+(\) does not match the ResourceVersion in record \()\d+/g;
const tokenVolume = /kube-api-access-[a-z0-9]{5}/g;
const openApiHash = /hash=[0-9A-F]{32,}/g;
/** kube-apiserver's ETags for discovery and OpenAPI: a quoted SHA-512 of the body, in upper-case hex. */
const sha512ETag = /^"[0-9A-F]{128}"$/;
/** Go pointers in field errors that quote a struct (`TerminationGracePeriodSeconds:(*int64)(0xc000a1b2c8)`). */
const pointerAddress = /\(0x[0-9a-f]+\)/g;
const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/;

const ipKeys = new Set(['clusterIP', 'clusterIPs', 'podIP', 'podIPs', 'hostIP', 'hostIPs', 'ip']);
const portKeys = new Set(['nodePort', 'healthCheckNodePort']);

/** One scenario's normalizer: it learns generated names as they appear and replaces them everywhere after. */
export class Normalizer {
  private readonly generated = new Map<string, string>();

  /** `namespace` (the scenario's, unique per run) reads as `{ns}`, as the corpus writes it. */
  constructor(private readonly namespace?: string) {}

  /** Registers metadata.name values made from a generateName, found anywhere in a response. */
  learn(value: unknown): void {
    if (Array.isArray(value)) {
      for (const item of value) this.learn(item);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const meta = (value as Json).metadata as Json | undefined;
    const prefix = meta?.generateName;
    const name = meta?.name;
    if (typeof prefix === 'string' && typeof name === 'string' && name.startsWith(prefix) && name !== prefix && !this.generated.has(name)) {
      this.generated.set(name, `${prefix}<generated-${this.generated.size + 1}>`);
    }
    for (const child of Object.values(value)) this.learn(child);
  }

  private text(value: string): string {
    if (rfc3339.test(value)) return '<time>';
    let out = this.namespace ? value.split(this.namespace).join('{ns}') : value;
    out = out
      .replace(uuid, '<uid>')
      .replace(embeddedTime, '<time>')
      .replace(embeddedResourceVersion, '$1<resourceVersion>')
      .replace(preconditionResourceVersions, '$1<resourceVersion>$2<resourceVersion>')
      .replace(tokenVolume, 'kube-api-access-<random>')
      .replace(openApiHash, 'hash=<hash>')
      .replace(pointerAddress, '(<address>)');
    for (const [name, placeholder] of this.generated) if (out.includes(name)) out = out.split(name).join(placeholder);
    return out;
  }

  normalize(value: unknown, key = ''): unknown {
    if (Array.isArray(value)) return value.map((item) => this.normalize(item, key));
    if (value && typeof value === 'object') {
      const out: Json = {};
      for (const [k, v] of Object.entries(value)) out[this.text(k)] = this.normalize(v, k);
      return out;
    }
    if ((key === 'resourceVersion' || key === 'continue') && typeof value === 'string' && value !== '') return `<${key}>`;
    if (key === 'etag' && typeof value === 'string' && sha512ETag.test(value)) return '"<sha512>"';
    if (ipKeys.has(key) && typeof value === 'string' && ipv4.test(value)) return '<ip>';
    if (portKeys.has(key) && typeof value === 'number' && value > 0) return `<${key}>`;
    return typeof value === 'string' ? this.text(value) : value;
  }
}

/**
 * managedFields with the entries of one operation ordered by manager, apiVersion and subresource.
 * kube-apiserver orders them by the second each was written in first, and the times are
 * normalized away: two writes that fell in one second on one server may not on the other.
 */
export function withTimeFreeManagedFields(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => withTimeFreeManagedFields(item));
    if (key !== 'managedFields' && !key.endsWith('.managedFields')) return items;
    const text = (entry: unknown, field: string) => String((entry as Json)?.[field] ?? '');
    const order = (entry: unknown) => ['operation', 'manager', 'apiVersion', 'subresource'].map((f) => text(entry, f)).join('\u0000');
    return items.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  }
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withTimeFreeManagedFields(v, k)]));
  return value;
}

/** `items[0].metadata.name`, `paths[/api/v1]`, `items[*].kind` → segments; `*` is every item. */
export function parsePath(path: string): Array<string | number> {
  const segments: Array<string | number> = [];
  const pattern = /([^.[\]]+)|\[([^\]]*)\]/g;
  for (const match of path.matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(match[1]);
    else segments.push(/^\d+$/.test(match[2]) ? Number(match[2]) : match[2]);
  }
  return segments;
}

export const absent = '<absent>';

function read(value: unknown, segments: Array<string | number>): unknown {
  if (segments.length === 0) return value;
  const [head, ...rest] = segments;
  if (head === '*' && Array.isArray(value)) return value.map((item) => read(item, rest));
  if (value === null || typeof value !== 'object' || !Object.hasOwn(value, head)) return absent;
  return read((value as Json)[head as string], rest);
}

function remove(value: unknown, segments: Array<string | number>): void {
  if (value === null || typeof value !== 'object' || segments.length === 0) return;
  const [head, ...rest] = segments;
  // Ignoring, `*` also spans an object's values: `properties.*.description`.
  if (head === '*' && rest.length > 0) {
    for (const item of Object.values(value)) remove(item, rest);
    return;
  }
  if (head === '*' && Array.isArray(value)) {
    for (const item of value) remove(item, rest);
    return;
  }
  if (rest.length === 0) {
    if (Array.isArray(value) && typeof head === 'number') value.splice(head, 1);
    else delete (value as Json)[head as string];
    return;
  }
  remove((value as Json)[head as string], rest);
}

/** The body as a step compares it: only the selected paths, or all of it without the ignored ones. */
export function shape(body: unknown, comparison: { select?: string[]; ignore?: string[] }): unknown {
  let out = body === undefined ? undefined : structuredClone(body);
  for (const path of comparison.ignore ?? []) remove(out, parsePath(path));
  if (comparison.select) out = Object.fromEntries(comparison.select.map((path) => [path, read(out, parsePath(path))]));
  return out;
}
