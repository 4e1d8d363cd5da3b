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

/**
 * One serialization compared with a shape's reference, in place: the tokens the shape's objects
 * differ in one by one, the spans between them whole, and a span that differs halved down to its
 * differing tokens. Only own tokens are cut out of the serialization.
 */
class Comparison {
  private readonly indexes: number[] = [];
  private readonly own: string[] = [];
  /** Where in `own` each token first came. */
  private readonly firstAt = new Map<string, number>();
  private readonly ownLimit: number;
  private ownLength = 0;
  /** Whether a token outside the shape's `differing` ones differed. */
  private learned = false;

  constructor(
    private readonly shape: Shape,
    private readonly json: string,
    /** Where each `"` of `json` is, `quoteCount` of them. */
    private readonly quotes: Uint32Array,
    private readonly quoteCount: number,
  ) {
    this.ownLimit = json.length * worthSharing;
  }

  /** The serialization held against the shape's reference, or undefined when that does not pay. */
  shared(): SharedSerialization | undefined {
    let next = 0;
    for (const index of this.shape.differing) {
      if (!this.span(next, index) || !this.token(index)) return undefined;
      next = index + 1;
    }
    if (!this.span(next, this.quoteCount + 1)) return undefined;
    if (this.learned) this.shape.differing = union(this.shape.differing, this.indexes);
    return new SharedSerialization(this.shape.reference, indexString(this.indexes), this.own.join('"'));
  }

  /** Compares tokens [from, to); false when an own token among them cannot be held. */
  private span(from: number, to: number): boolean {
    if (to === from) return true;
    if (to - from === 1) {
      const owned = this.indexes.length;
      if (!this.token(from)) return false;
      if (this.indexes.length > owned) this.learned = true;
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
    if (token === this.shape.tokens[index]) return true;
    if (token.charCodeAt(0) === repeatMark) return false;
    this.indexes.push(index);
    const earlier = token.length >= minRepeatedLength ? this.firstAt.get(token) : undefined;
    if (earlier !== undefined) {
      this.own.push(String.fromCharCode(repeatMark, firstRepeated + earlier));
      this.ownLength += 5;
    } else {
      if (this.own.length < maxRepeated && token.length >= minRepeatedLength) this.firstAt.set(token, this.own.length);
      this.own.push(token);
      this.ownLength += token.length + 3;
    }
    return this.ownLength <= this.ownLimit;
  }

  private start(index: number): number {
    return index === 0 ? 0 : this.quotes[index - 1] + 1;
  }

  private end(index: number): number {
    return index === this.quoteCount ? this.json.length : this.quotes[index];
  }
}

/** One UTF-16 code unit per index. */
function indexString(indexes: readonly number[]): string {
  let text = '';
  for (let at = 0; at < indexes.length; at += 4096) text += String.fromCharCode(...indexes.slice(at, at + 4096));
  return text;
}

/** The references of one store, by resource and token count. */
export class SerializationReferences {
  private readonly shapes = new Map<string, Shape>();
  private referenceBytes = 0;
  /** Where each `"` of the serialization being shared is, reused from one share to the next. */
  private quotes = new Uint32Array(1024);

  /**
   * The serialization held against the reference of its shape, or undefined when it is better kept
   * whole (then it becomes the reference for objects of its shape that come after it).
   */
  share(resource: string, json: string): SharedSerialization | undefined {
    const quoteCount = this.findQuotes(json);
    if (quoteCount < 0) return undefined;
    const key = `${quoteCount + 1} ${resource}`;
    const shape = this.shapes.get(key);
    if (shape) {
      const shared = new Comparison(shape, json, this.quotes, quoteCount).shared();
      if (shared) return shared;
    }
    const tokens = json.split('"');
    this.remember(key, { reference: new Reference(json, tokens), tokens, differing: [] });
    return undefined;
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

  private remember(key: string, shape: Shape): void {
    if (this.referenceBytes + shape.reference.json.length > referenceBytesLimit) {
      this.shapes.clear();
      this.referenceBytes = 0;
    }
    const replaced = this.shapes.get(key);
    if (replaced) this.referenceBytes -= replaced.reference.json.length;
    this.shapes.set(key, shape);
    this.referenceBytes += shape.reference.json.length;
  }
}
