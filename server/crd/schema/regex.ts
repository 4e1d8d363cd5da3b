// Go's regular expressions, as regexp.Compile reads them for CRD schema patterns and CEL's matches,
// find and findAll, by re2js (a port of RE2): Go's syntax and meaning (`.` leaves out only \n, `\s`
// is ASCII, inline flags, POSIX and Unicode classes), Go's messages for what it refuses, and matching
// in time linear in the text, so a pattern and a value a client writes cannot make the server backtrack.

import { re2Library } from '../../libraries.js';

/** A pattern Go's regexp parser refuses, worded as its *syntax.Error. */
export class GoRegExpError extends Error {}

type Compiled = ReturnType<typeof import('re2js').RE2JS.compile>;

/** A compiled Go pattern: unanchored matching, as Go's MatchString, FindString and FindAllString. */
export class GoRegExp {
  constructor(
    private readonly re: Compiled,
    readonly source: string,
  ) {}

  test(text: string): boolean {
    return this.re.matcher(text).find();
  }

  /** The leftmost match, undefined when there is none. */
  find(text: string): string | undefined {
    const matcher = this.re.matcher(text);
    return matcher.find() ? (matcher.group() ?? '') : undefined;
  }

  /** Successive matches (all of them when `limit` < 0), leaving out an empty match right after the previous match. */
  findAll(text: string, limit: number): string[] {
    const matcher = this.re.matcher(text);
    const out: string[] = [];
    let previousEnd = -1;
    while ((limit < 0 || out.length < limit) && matcher.find()) {
      const start = matcher.start();
      const end = matcher.end();
      if (!(start === end && start === previousEnd)) out.push(matcher.group() ?? '');
      previousEnd = end;
    }
    return out;
  }

  /** ajv tells compiled patterns apart by their text. */
  toString(): string {
    return this.source;
  }
}

const duplicateName = 'error parsing regexp: duplicate capture group name';

/** The pattern with each well-formed group name replaced by the group's number, outside escapes, \Q…\E and classes. */
function withNumberedGroupNames(pattern: string): string {
  let out = '';
  let group = 0;
  for (let i = 0; i < pattern.length; ) {
    const rest = pattern.slice(i);
    const named = /^\(\?P?<[A-Za-z0-9_]+>/.exec(rest);
    if (named) {
      out += `(?P<g${++group}>`;
      i += named[0].length;
      continue;
    }
    const skipped = /^(\\Q[\s\S]*?(\\E|$)|\\[\s\S]|\[\^?\]?(\[:[^\]]*:\]|\\[\s\S]|[^\]])*\]?)/.exec(rest);
    const taken = skipped?.[0] || pattern[i];
    out += taken;
    i += taken.length;
  }
  return out;
}

const compiled = new Map<string, GoRegExp | GoRegExpError>();
const compiledLimit = 512;

/** A Go pattern compiled, or the GoRegExpError Go gives for it (thrown). */
export function goRegExp(pattern: string): GoRegExp {
  let found = compiled.get(pattern);
  if (!found) {
    const { RE2JS, RE2JSSyntaxException } = re2Library();
    try {
      found = new GoRegExp(RE2JS.compile(pattern), pattern);
    } catch (err) {
      if (!(err instanceof RE2JSSyntaxException)) throw err;
      // Go lets two groups share a name (only group 0 is read here); re2js refuses it.
      found = err.message.startsWith(duplicateName) ? new GoRegExp(RE2JS.compile(withNumberedGroupNames(pattern)), pattern) : new GoRegExpError(err.message);
    }
    if (compiled.size >= compiledLimit) compiled.clear();
    compiled.set(pattern, found);
  }
  if (found instanceof GoRegExpError) throw found;
  return found;
}
