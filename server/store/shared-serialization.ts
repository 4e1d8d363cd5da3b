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

  /**
   * The serialization held against the reference of its shape, or undefined when it is better kept
   * whole (then it becomes the reference for objects of its shape that come after it).
   */
  share(resource: string, json: string): SharedSerialization | undefined {
    const tokens = json.split('"');
    if (tokens.length > maxTokens) return undefined;
    const key = `${tokens.length} ${resource}`;
    const shape = this.shapes.get(key);
    if (shape) {
      const shared = this.against(shape, tokens, json.length);
      if (shared) return shared;
    }
    this.remember(key, { reference: new Reference(json, tokens), tokens });
    return undefined;
  }

  private against(shape: Shape, tokens: readonly string[], length: number): SharedSerialization | undefined {
    const indexes: number[] = [];
    const own: string[] = [];
    /** Where in `own` each token first came. */
    const firstAt = new Map<string, number>();
    const ownLimit = length * worthSharing;
    let ownLength = 0;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i];
      if (token === shape.tokens[i]) continue;
      if (token.charCodeAt(0) === repeatMark) return undefined;
      indexes.push(i);
      const earlier = token.length >= minRepeatedLength ? firstAt.get(token) : undefined;
      if (earlier !== undefined) {
        own.push(String.fromCharCode(repeatMark, firstRepeated + earlier));
        ownLength += 5;
      } else {
        if (own.length < maxRepeated && token.length >= minRepeatedLength) firstAt.set(token, own.length);
        own.push(token);
        ownLength += token.length + 3;
      }
      if (ownLength > ownLimit) return undefined;
    }
    return new SharedSerialization(shape.reference, indexString(indexes), own.join('"'));
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
