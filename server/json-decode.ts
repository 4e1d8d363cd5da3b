// JSON request bodies decoded as kube-apiserver's decoder (sigs.k8s.io/json over encoding/json)
// reads them: syntax errors in Go's words, and repeated fields reported as strict decoding errors
// (`duplicate field "metadata.labels.a"`, in document order) with the value Go ends up with: a
// repeated object merged into the first as decoding into a Go struct or map does (for built-in
// kinds), anything else replaced.
//
// The fast path is V8's JSON.parse plus one scan for repeated keys; only a body that has them (or
// that JSON.parse refuses) is decoded again by the slower parser below.

/** Go's encoding/json refuses nesting deeper than this. */
const maxDepth = 10_000;

export class JsonSyntaxError extends Error {}

export interface DecodedJson {
  value: unknown;
  /** Paths of repeated fields, in document order, each once. */
  duplicates: string[];
  /** Where each path of `duplicates` repeats, and where every field path first appears (only when there are duplicates). */
  positions?: { duplicates: number[]; first: Map<string, number> };
}

/** How Go's scanner names a byte in an error: `'x'`, `'\n'`, `'\''`, `'\xc3'`. */
function quoteChar(text: string, at: number): string {
  const code = text.charCodeAt(at);
  if (code === 0x27) return `'\\''`;
  if (code === 0x22) return `'"'`;
  if (code >= 0x80) {
    // Go quotes the first byte of the UTF-8 sequence as if it were the rune of that value.
    const byte = Buffer.from(String.fromCodePoint(text.codePointAt(at)!), 'utf8')[0];
    return byte < 0xa0 || byte === 0xad ? `'\\u00${byte.toString(16)}'` : `'${String.fromCharCode(byte)}'`;
  }
  const escapes: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\' };
  if (escapes[code]) return `'${escapes[code]}'`;
  if (code < 0x20 || code === 0x7f) return `'\\x${code.toString(16).padStart(2, '0')}'`;
  return `'${text[at]}'`;
}

/**
 * Whether some object in valid JSON `text` has a key twice. JSON.parse keeps one member per key, so
 * its result `value` then holds fewer members than the text has key-value pairs (colons outside
 * strings); keys are compared as decoded, whatever their escapes.
 */
export function hasRepeatedKeys(text: string, value: unknown): boolean {
  return pairsIn(text) !== membersIn(value);
}

function pairsIn(text: string): number {
  let pairs = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a) pairs++;
    else if (c === 0x22) {
      let end = text.indexOf('"', i + 1);
      for (;;) {
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes++;
        if (slashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      i = end;
    }
  }
  return pairs;
}

/** The members of every object in a decoded value, walked without recursion (documents nest up to 10,000 deep). */
function membersIn(value: unknown): number {
  let members = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      for (const item of node) if (typeof item === 'object' && item !== null) stack.push(item);
      continue;
    }
    const keys = Object.keys(node);
    members += keys.length;
    for (const key of keys) {
      const child = (node as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
  return members;
}

interface Frame {
  container: Record<string, unknown> | unknown[];
  path: string;
  /** The key whose value is being read, for objects. */
  key?: string;
  /** Keys already given in this JSON object (a merged object has keys from earlier text too). */
  given?: Set<string>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isPlainObject(existing) && isPlainObject(value)) mergeInto(existing, value);
    else target[key] = value;
  }
}

/** The decoder Go runs: reports the first syntax error as encoding/json words it, else the value, repeated fields and positions. */
function slowDecode(text: string, mergeDuplicates: boolean): DecodedJson {
  const duplicates: string[] = [];
  const repeatedAt: number[] = [];
  const reported = new Set<string>();
  const first = new Map<string, number>();
  const stack: Frame[] = [];
  let i = 0;
  const length = text.length;
  /** At the end of the text, Go reports a literal or number cut short as if a space followed it. */
  const fail = (context: string, endLikeSpace = false): never => {
    if (i >= length && !endLikeSpace) throw new JsonSyntaxError('unexpected end of JSON input');
    throw new JsonSyntaxError(`invalid character ${i >= length ? "' '" : quoteChar(text, i)} ${context}`);
  };
  const skipSpace = () => {
    while (i < length) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      i++;
    }
  };
  const readString = (): string => {
    const start = i;
    i++;
    for (;;) {
      if (i >= length) fail('');
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) fail('in string literal');
      if (c === 0x5c) {
        i++;
        if (i >= length) fail('');
        const e = text[i];
        if (e === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (i >= length) fail('');
            if (!/[0-9a-fA-F]/.test(text[i])) fail('in \\u hexadecimal character escape');
          }
        } else if (!'"\\/bfnrt'.includes(e)) fail('in string escape code');
      }
      i++;
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const literal = (word: string): void => {
    for (let k = 1; k < word.length; k++) {
      i++;
      if (text[i] !== word[k]) fail(`in literal ${word} (expecting '${word[k]}')`, true);
    }
    i++;
  };
  const readNumber = (): number => {
    const start = i;
    if (text[i] === '-') {
      i++;
      if (!/[0-9]/.test(text[i] ?? '')) fail('in numeric literal', true);
    }
    if (text[i] === '0') i++;
    else while (/[0-9]/.test(text[i] ?? '')) i++;
    if (text[i] === '.') {
      i++;
      if (!/[0-9]/.test(text[i] ?? '')) fail('after decimal point in numeric literal', true);
      while (/[0-9]/.test(text[i] ?? '')) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!/[0-9]/.test(text[i] ?? '')) fail('in exponent of numeric literal', true);
      while (/[0-9]/.test(text[i] ?? '')) i++;
    }
    return Number(text.slice(start, i));
  };
  /** Stores a finished value where the innermost open container expects it. */
  const place = (frame: Frame, value: unknown): void => {
    if (Array.isArray(frame.container)) {
      frame.container.push(value);
      return;
    }
    const key = frame.key!;
    const object = frame.container;
    if (frame.given!.has(key) && mergeDuplicates && isPlainObject(object[key]) && isPlainObject(value)) mergeInto(object[key] as Record<string, unknown>, value);
    else object[key] = value;
    frame.given!.add(key);
  };
  /** Reads `"key":` of the innermost object. */
  const readKey = (frame: Frame): void => {
    skipSpace();
    if (text[i] !== '"') fail('looking for beginning of object key string');
    const keyAt = i;
    const key = readString();
    const path = frame.path ? `${frame.path}.${key}` : key;
    if (frame.given!.has(key) && !reported.has(path)) {
      reported.add(path);
      duplicates.push(path);
      repeatedAt.push(keyAt);
    }
    if (!first.has(path)) first.set(path, keyAt);
    frame.key = key;
    skipSpace();
    if (text[i] !== ':') fail('after object key');
    i++;
  };
  const open = (container: Record<string, unknown> | unknown[]): void => {
    if (stack.length >= maxDepth) fail('exceeded max depth');
    const parent = stack[stack.length - 1];
    let path = '';
    if (parent) {
      if (Array.isArray(parent.container)) path = `${parent.path}[${parent.container.length}]`;
      else path = parent.path ? `${parent.path}.${parent.key}` : parent.key!;
    }
    stack.push({ container, path, given: Array.isArray(container) ? undefined : new Set() });
    i++;
  };

  let root: unknown;
  skipSpace();
  parse: for (;;) {
    skipSpace();
    const c = text[i];
    let value: unknown;
    if (c === '{') {
      open({});
      skipSpace();
      if (text[i] !== '}') {
        readKey(stack[stack.length - 1]);
        continue parse;
      }
      i++;
      value = stack.pop()!.container;
    } else if (c === '[') {
      open([]);
      skipSpace();
      if (text[i] !== ']') continue parse;
      i++;
      value = stack.pop()!.container;
    } else if (c === '"') value = readString();
    else if (c === 't') {
      literal('true');
      value = true;
    } else if (c === 'f') {
      literal('false');
      value = false;
    } else if (c === 'n') {
      literal('null');
      value = null;
    } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) value = readNumber();
    else fail('looking for beginning of value');
    // A value is complete: store it, then close the containers it completes.
    for (;;) {
      const frame = stack[stack.length - 1];
      if (!frame) {
        root = value;
        break parse;
      }
      place(frame, value);
      skipSpace();
      const object = !Array.isArray(frame.container);
      if (text[i] === ',') {
        i++;
        if (object) readKey(frame);
        continue parse;
      }
      if (text[i] === (object ? '}' : ']')) {
        i++;
        value = stack.pop()!.container;
        continue;
      }
      fail(object ? 'after object key:value pair' : 'after array element');
    }
  }
  skipSpace();
  if (i < length) fail('after top-level value');
  return { value: root, duplicates, positions: { duplicates: repeatedAt, first } };
}

/** Decodes a JSON body; throws JsonSyntaxError with Go's message when it is not JSON. */
export function decodeJsonText(text: string, mergeDuplicates = true): DecodedJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    slowDecode(text, mergeDuplicates);
    // JSON.parse and Go disagree only on what neither accepts; keep Go's word for it.
    throw new JsonSyntaxError('unexpected end of JSON input');
  }
  if (typeof value !== 'object' || value === null || !hasRepeatedKeys(text, value)) return { value, duplicates: [] };
  return slowDecode(text, mergeDuplicates);
}

/** sigs.k8s.io/json keeps at most this many strict decoding errors. */
const maxStrictErrors = 100;

/**
 * The strict decoding errors of a body, as kube-apiserver lists them: unknown fields (found by the
 * schema walk) and repeated ones, in the order they appear in the text, at most 100.
 */
export function strictDecodingErrors(unknown: string[], decoded: DecodedJson | undefined): string[] {
  const quote = (path: string) => JSON.stringify(path);
  const found = unknown.map((path) => ({ text: `unknown field ${quote(path)}`, at: decoded?.positions?.first.get(path) ?? 0 }));
  if (decoded?.positions) {
    const at = decoded.positions.duplicates;
    // Go tracks repeats of the fields its types know; inside an unknown field nothing is known.
    const known = (path: string) => !unknown.some((u) => path === u || path.startsWith(`${u}.`) || path.startsWith(`${u}[`));
    decoded.duplicates.forEach((path, i) => {
      if (known(path)) found.push({ text: `duplicate field ${quote(path)}`, at: at[i] });
    });
    found.sort((a, b) => a.at - b.at);
  }
  return found.slice(0, maxStrictErrors).map((e) => e.text);
}
