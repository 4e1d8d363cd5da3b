// Cold serializations held as the few tokens in which they differ from a similar object's.
//
// Objects of one resource written from one template (the pods of a ReplicaSet, the events a
// kubelet records) serialize to the same text except for names, uids, times and addresses. Split
// at every `"`, two such serializations have the same number of tokens and differ in a few dozen
// of them, so an object is kept as a reference to the first one seen of that shape plus its own
// tokens, and is rebuilt byte for byte when read. An own token that repeats an earlier one (the
// same time in creationTimestamp, managedFields and conditions) is kept as a mark pointing to it.

/** A serialization other objects of the same shape are held against. */
class Reference {
  /** Where each token starts in `json`; the last entry is one past the end. */
  readonly starts: Uint32Array;

  constructor(
    readonly json: string,
    tokens: readonly string[],
  ) {
    this.starts = new Uint32Array(tokens.length + 1);
    let at = 0;
    for (let i = 0; i < tokens.length; i++) {
      this.starts[i] = at;
      at += tokens[i].length + 1;
    }
    this.starts[tokens.length] = at;
  }
}

/** A serialization held as the tokens in which it differs from its reference. */
export class SharedSerialization {
  constructor(
    private readonly reference: Reference,
    /** The indexes of the differing tokens, one char code each, ascending. */
    private readonly indexes: string,
    /** The object's own tokens at those indexes, joined by `"` (no token contains one), repeats as marks. */
    private readonly own: string,
  ) {}

  /** The serialization, byte for byte as it was committed. */
  text(): string {
    const { json, starts } = this.reference;
    const own = this.own.split('"');
    const parts: string[] = [];
    let from = 0;
    for (let k = 0; k < this.indexes.length; k++) {
      const token = this.indexes.charCodeAt(k);
      const text = own[k].charCodeAt(0) === repeatMark ? own[own[k].charCodeAt(1) - firstRepeated] : own[k];
      parts.push(json.slice(from, starts[token]), text);
      from = starts[token + 1] - 1;
    }
    parts.push(json.slice(from));
    return parts.join('');
  }
}

/**
 * Starts an own token that repeats an earlier own token: its second code unit is firstRepeated plus
 * that token's position. JSON text has no raw control characters, so no token starts with one.
 */
const repeatMark = 1;
/** Positions are written from here, above `"` (which joins the own tokens), and below 0x100 to keep them one byte a character. */
const firstRepeated = 0x80;
const maxRepeated = 0x100 - firstRepeated;
/** Shorter tokens are kept as they are: a mark takes two characters. */
const minRepeatedLength = 3;

/** Token indexes are stored as one UTF-16 code unit each. */
const maxTokens = 0xffff;
/** Held against a reference only when its own tokens are at most this part of its text. */
const worthSharing = 1 / 4;
/** Past this many bytes of references, new shapes start a fresh set (objects keep the reference they hold). */
const referenceBytesLimit = 8 << 20;

/** A reference with its tokens, which only comparing needs (objects held against it keep the text alone). */
interface Shape {
  readonly reference: Reference;
  readonly tokens: readonly string[];
  /**
   * Every token index in which an object held against it differed, ascending: objects of one
   * template differ in the same tokens (names, uids, times), so those are compared one by one and
   * the runs between them as whole spans.
   */
  differing: number[];
}

/** The sorted union of two ascending index lists. */
function union(a: readonly number[], b: readonly number[]): number[] {
  const merged: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j === b.length || (i < a.length && a[i] < b[j])) merged.push(a[i++]);
    else if (i === a.length || b[j] < a[i]) merged.push(b[j++]);
    else {
      merged.push(a[i++]);
      j++;
    }
  }
  return merged;
}

/** The tokens in which a serialization differs from its reference, gathered in token order. */
class OwnTokens {
  readonly indexes: number[] = [];
  private readonly own: string[] = [];
  /** Where in `own` each token first came. */
  private readonly firstAt = new Map<string, number>();
  private readonly limit: number;
  private length = 0;

  constructor(json: string) {
    this.limit = json.length * worthSharing;
  }

  /** Keeps the token at `index`; false when it cannot be held (it starts like a mark) or the own tokens pass their limit. */
  keep(index: number, token: string): boolean {
    if (token.charCodeAt(0) === repeatMark) return false;
    this.indexes.push(index);
    const earlier = token.length >= minRepeatedLength ? this.firstAt.get(token) : undefined;
    if (earlier !== undefined) {
      this.own.push(String.fromCharCode(repeatMark, firstRepeated + earlier));
      this.length += 5;
    } else {
      if (this.own.length < maxRepeated && token.length >= minRepeatedLength) this.firstAt.set(token, this.own.length);
      this.own.push(token);
      this.length += token.length + 3;
    }
    return this.length <= this.limit;
  }

  held(reference: Reference): SharedSerialization {
    return new SharedSerialization(reference, indexString(this.indexes), this.own.join('"'));
  }
}

/**
 * A serialization whose quotes are all found, compared with a shape's reference in place: the
 * tokens the shape's objects differ in one by one, the spans between them whole, and a span that
 * differs halved down to its differing tokens (which the shape then remembers).
 */
class Comparison {
  private readonly own: OwnTokens;
  /** Whether a token outside the shape's `differing` ones differed. */
  private learned = false;

  constructor(
    private readonly shape: Shape,
    private readonly json: string,
    /** Where each `"` of `json` is, `quoteCount` of them. */
    private readonly quotes: Uint32Array,
    private readonly quoteCount: number,
  ) {
    this.own = new OwnTokens(json);
  }

  /** The serialization held against the shape's reference, or undefined when that does not pay. */
  shared(): SharedSerialization | undefined {
    let next = 0;
    for (const index of this.shape.differing) {
      if (!this.span(next, index) || !this.token(index)) return undefined;
      next = index + 1;
    }
    if (!this.span(next, this.quoteCount + 1)) return undefined;
    if (this.learned) this.shape.differing = union(this.shape.differing, this.own.indexes);
    return this.own.held(this.shape.reference);
  }

  /** Compares tokens [from, to); false when an own token among them cannot be held. */
  private span(from: number, to: number): boolean {
    if (to === from) return true;
    if (to - from === 1) {
      const owned = this.own.indexes.length;
      if (!this.token(from)) return false;
      if (this.own.indexes.length > owned) this.learned = true;
      return true;
    }
    const { json, starts } = this.shape.reference;
    const start = this.start(from);
    const end = this.end(to - 1);
    if (end - start === starts[to] - 1 - starts[from] && this.json.slice(start, end) === json.slice(starts[from], starts[to] - 1)) return true;
    const middle = (from + to) >> 1;
    return this.span(from, middle) && this.span(middle, to);
  }

  /** Compares token `index`; false when it differs and cannot be held as an own token. */
  private token(index: number): boolean {
    const token = this.json.slice(this.start(index), this.end(index));
    return token === this.shape.tokens[index] || this.own.keep(index, token);
  }

  private start(index: number): number {
    return index === 0 ? 0 : this.quotes[index - 1] + 1;
  }

  private end(index: number): number {
    return index === this.quoteCount ? this.json.length : this.quotes[index];
  }
}

/**
 * Compares a serialization with a shape's reference along the tokens the shape's objects differ in,
 * without finding its other quotes: the text around those tokens must be the reference's, span for
 * span (then it has the shape's tokens, and is held as Comparison would hold it). Undefined when it
 * is not (another shape, or a token the shape has not seen differ does) or that does not pay.
 * `ends` is scratch space for where each of those tokens ends, at least as long as the list.
 */
function alongDiffering(shape: Shape, json: string, ends: Uint32Array): SharedSerialization | undefined {
  const { json: reference, starts } = shape.reference;
  const { differing, tokens } = shape;
  const last = tokens.length - 1;
  const after = (index: number) => (index === last ? reference.length : starts[index + 1] - 1);
  // The text after the last differing token first: another shape's objects mostly end otherwise.
  const tailAt = differing.length ? after(differing[differing.length - 1]) : 0;
  const tailLength = reference.length - tailAt;
  if (json.length < tailLength || json.slice(json.length - tailLength) !== reference.slice(tailAt)) return undefined;
  // Every span before cutting out any token, so that another shape's object costs little.
  let referenceAt = 0;
  let at = 0;
  for (let k = 0; k < differing.length; k++) {
    const index = differing[k];
    const start = at + starts[index] - referenceAt;
    if (json.slice(at, start) !== reference.slice(referenceAt, starts[index])) return undefined;
    const quote = json.indexOf('"', start);
    if ((quote < 0) !== (index === last)) return undefined;
    at = ends[k] = quote < 0 ? json.length : quote;
    referenceAt = after(index);
  }
  if (at !== json.length - tailLength) return undefined;
  const own = new OwnTokens(json);
  for (let k = 0; k < differing.length; k++) {
    const index = differing[k];
    const start = k === 0 ? starts[index] : ends[k - 1] + starts[index] - after(differing[k - 1]);
    const token = json.slice(start, ends[k]);
    if (token !== tokens[index] && !own.keep(index, token)) return undefined;
  }
  return own.held(shape.reference);
}

/** One UTF-16 code unit per index. */
function indexString(indexes: readonly number[]): string {
  let text = '';
  for (let at = 0; at < indexes.length; at += 4096) text += String.fromCharCode(...indexes.slice(at, at + 4096));
  return text;
}

/** How many shapes of a resource are tried, most recently used first, before its quotes are counted. */
const recentShapes = 8;

/** The references of one store, by resource and token count. */
export class SerializationReferences {
  private readonly shapes = new Map<string, Shape>();
  /** Shapes of each resource in `shapes`, the one last held against first. */
  private readonly recent = new Map<string, Shape[]>();
  private referenceBytes = 0;
  /** Where each `"` of the serialization being shared is, reused from one share to the next. */
  private quotes = new Uint32Array(1024);
  /** Where each differing token of the serialization being shared ends, for alongDiffering. */
  private ends = new Uint32Array(256);

  /**
   * The serialization held against the reference of its shape, or undefined when it is better kept
   * whole (then it becomes the reference for objects of its shape that come after it).
   */
  share(resource: string, json: string): SharedSerialization | undefined {
    const recent = this.recent.get(resource) ?? [];
    for (const shape of recent) {
      if (shape.differing.length > this.ends.length) this.ends = new Uint32Array(shape.differing.length * 2);
      const shared = alongDiffering(shape, json, this.ends);
      if (shared) {
        this.used(resource, shape);
        return shared;
      }
    }
    const quoteCount = this.findQuotes(json);
    if (quoteCount < 0) return undefined;
    const key = `${quoteCount + 1} ${resource}`;
    const shape = this.shapes.get(key);
    if (shape) {
      const shared = new Comparison(shape, json, this.quotes, quoteCount).shared();
      if (shared) {
        this.used(resource, shape);
        return shared;
      }
    }
    const tokens = json.split('"');
    this.remember(resource, key, { reference: new Reference(json, tokens), tokens, differing: [] });
    return undefined;
  }

  /** Puts a shape of `shapes` first among its resource's recent ones. */
  private used(resource: string, shape: Shape): void {
    const recent = this.recent.get(resource) ?? [];
    const at = recent.indexOf(shape);
    if (at === 0) return;
    if (at > 0) recent.splice(at, 1);
    else if (recent.length === recentShapes) recent.pop();
    recent.unshift(shape);
    this.recent.set(resource, recent);
  }

  /** Fills `quotes` with where each `"` of `json` is; the count, or -1 past maxTokens. */
  private findQuotes(json: string): number {
    let count = 0;
    for (let at = json.indexOf('"'); at >= 0; at = json.indexOf('"', at + 1)) {
      if (count + 2 > maxTokens) return -1;
      if (count === this.quotes.length) {
        const grown = new Uint32Array(this.quotes.length * 2);
        grown.set(this.quotes);
        this.quotes = grown;
      }
      this.quotes[count++] = at;
    }
    return count;
  }

  private remember(resource: string, key: string, shape: Shape): void {
    if (this.referenceBytes + shape.reference.json.length > referenceBytesLimit) {
      this.shapes.clear();
      this.recent.clear();
      this.referenceBytes = 0;
    }
    const replaced = this.shapes.get(key);
    if (replaced) {
      this.referenceBytes -= replaced.reference.json.length;
      const recent = this.recent.get(resource) ?? [];
      const at = recent.indexOf(replaced);
      if (at >= 0) recent.splice(at, 1);
    }
    this.shapes.set(key, shape);
    this.referenceBytes += shape.reference.json.length;
    this.used(resource, shape);
  }
}
