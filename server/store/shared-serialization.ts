// Cold serializations held as the few tokens in which they differ from a similar object's.
//
// Objects of one resource written from one template (the pods of a ReplicaSet, the events a
// kubelet records) serialize to the same text except for names, uids, times and addresses. Split
// at every `"`, two such serializations have the same number of tokens and differ in a few dozen
// of them, so an object is kept as a reference to the first one seen of that shape plus its own
// tokens, and is rebuilt byte for byte when read. An own token that repeats an earlier one (the
// same time in creationTimestamp, managedFields and conditions) is kept as a mark pointing to it;
// one that begins or ends as the reference's token does (a time a second later, the next node's
// name, a message about another pod) keeps only its middle.

/** A serialization other objects of the same shape are held against. */
export class Reference {
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

/**
 * A serialization held as the tokens in which it differs from its reference, packed in one string
 * (the store keeps the reference and that string in the stored version, with no object of their
 * own): two code units counting the differing tokens, the gaps between their indexes (gapEscape
 * leads a gap written in two code units), then the object's own tokens at those indexes joined by
 * `"` (no token contains one), repeats and tokens sharing ends with the reference's as marks.
 */
export class SharedSerialization {
  constructor(
    readonly reference: Reference,
    readonly packed: string,
  ) {}

  /** The serialization, byte for byte as it was committed. */
  text(): string {
    return rebuild(this.reference, this.packed);
  }
}

/** A gap between two differing tokens' indexes this large or larger is written in the two code units after this one. */
const gapEscape = 0xff;

/** The indexes of the differing tokens, ascending, as the head of a packed serialization. */
function packIndexes(indexes: readonly number[]): string {
  const units: number[] = [indexes.length >> 8, indexes.length & 0xff];
  let previous = -1;
  for (const index of indexes) {
    const gap = index - previous - 1;
    if (gap < gapEscape) units.push(gap);
    else units.push(gapEscape, gap >> 8, gap & 0xff);
    previous = index;
  }
  let text = '';
  for (let at = 0; at < units.length; at += 4096) text += String.fromCharCode(...units.slice(at, at + 4096));
  return text;
}

/** The indexes read back from the head of a packed serialization, reused from one rebuild to the next. */
let unpacked = new Uint32Array(256);

/** The serialization a reference and a packed string stand for, byte for byte as it was committed. */
export function rebuild(reference: Reference, packed: string): string {
  const { json, starts } = reference;
  const count = (packed.charCodeAt(0) << 8) | packed.charCodeAt(1);
  if (count > unpacked.length) unpacked = new Uint32Array(count * 2);
  let at = 2;
  let index = -1;
  for (let k = 0; k < count; k++) {
    let gap = packed.charCodeAt(at++);
    if (gap === gapEscape) {
      gap = (packed.charCodeAt(at) << 8) | packed.charCodeAt(at + 1);
      at += 2;
    }
    index += gap + 1;
    unpacked[k] = index;
  }
  const own = packed.slice(at).split('"');
  const parts: string[] = [];
  let from = 0;
  for (let k = 0; k < count; k++) {
    const token = unpacked[k];
    const start = starts[token];
    const end = starts[token + 1] - 1;
    const mark = own[k].charCodeAt(0);
    // Decoded in place, as a later repeat names the token by its place among the own ones.
    if (mark === repeatMark) own[k] = own[own[k].charCodeAt(1) - firstRepeated];
    else if (mark === affixMark) {
      const prefix = own[k].charCodeAt(1) - firstAffixLength;
      const suffix = own[k].charCodeAt(2) - firstAffixLength;
      own[k] = json.slice(start, start + prefix) + own[k].slice(3) + json.slice(end - suffix, end);
    }
    parts.push(json.slice(from, start), own[k]);
    from = end;
  }
  parts.push(json.slice(from));
  return parts.join('');
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
/**
 * Starts an own token kept as its middle: the next two code units are firstAffixLength plus how many
 * of its first and of its last characters are the reference token's, then comes the middle.
 */
const affixMark = 2;
const firstAffixLength = 0x80;
const maxAffixLength = 0x100 - firstAffixLength - 1;

/** The token as the middle it does not share with the reference's, or undefined when the mark would take as much. */
function affixed(token: string, referenceToken: string): string | undefined {
  const shorter = Math.min(token.length, referenceToken.length);
  let prefix = 0;
  while (prefix < shorter && prefix < maxAffixLength && token.charCodeAt(prefix) === referenceToken.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  const rest = shorter - prefix;
  while (suffix < rest && suffix < maxAffixLength && token.charCodeAt(token.length - 1 - suffix) === referenceToken.charCodeAt(referenceToken.length - 1 - suffix)) suffix++;
  if (prefix + suffix <= 3) return undefined;
  return String.fromCharCode(affixMark, firstAffixLength + prefix, firstAffixLength + suffix) + token.slice(prefix, token.length - suffix);
}

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

  /**
   * Keeps the token at `index`, where the reference has `referenceToken`; false when it cannot be
   * held (it starts like a mark) or the own tokens pass their limit.
   */
  keep(index: number, token: string, referenceToken: string): boolean {
    const first = token.charCodeAt(0);
    if (first === repeatMark || first === affixMark) return false;
    this.indexes.push(index);
    const earlier = token.length >= minRepeatedLength ? this.firstAt.get(token) : undefined;
    if (earlier !== undefined) {
      this.own.push(String.fromCharCode(repeatMark, firstRepeated + earlier));
      this.length += 5;
    } else {
      if (this.own.length < maxRepeated && token.length >= minRepeatedLength) this.firstAt.set(token, this.own.length);
      const kept = affixed(token, referenceToken) ?? token;
      this.own.push(kept);
      this.length += kept.length + 3;
    }
    return this.length <= this.limit;
  }

  held(reference: Reference): SharedSerialization {
    const head = packIndexes(this.indexes);
    if (this.own.length === 0) return new SharedSerialization(reference, head);
    // The head joins the first own token, so that joining makes the packed string flat in one go.
    this.own[0] = head + this.own[0];
    return new SharedSerialization(reference, this.own.join('"'));
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
    const referenceToken = this.shape.tokens[index];
    return token === referenceToken || this.own.keep(index, token, referenceToken);
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
    if (token !== tokens[index] && !own.keep(index, token, tokens[index])) return undefined;
  }
  return own.held(shape.reference);
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
