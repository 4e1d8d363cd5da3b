// Go's regular expressions (RE2 syntax, as regexp.Compile reads them for CRD schema patterns and CEL's
// matches, find and findAll) translated to JavaScript RegExps with the same meaning: `.` leaves out
// only \n, `\s` is ASCII, `^` and `$` are text anchors unless (?m), inline and scoped flags
// (?i) (?m) (?s) (?U), \A \z, \Q…\E, POSIX and Unicode classes. What Go refuses (lookarounds,
// backreferences, nested repetition, …) is refused with Go's message.

/** A pattern Go's regexp parser refuses, worded as its *syntax.Error. */
export class GoRegExpError extends Error {
  constructor(code: string, expr: string) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
  }
}

const errors = {
  invalidCharRange: 'invalid character class range',
  invalidEscape: 'invalid escape sequence',
  invalidNamedCapture: 'invalid named capture',
  invalidPerlOp: 'invalid or unsupported Perl syntax',
  invalidRepeatOp: 'invalid nested repetition operator',
  invalidRepeatSize: 'invalid repeat count',
  missingBracket: 'missing closing ]',
  missingParen: 'missing closing )',
  missingRepeatArgument: 'missing argument to repetition operator',
  trailingBackslash: 'trailing backslash at end of expression',
  unexpectedParen: 'unexpected )',
};

type Range = [number, number];

const posixClasses: Record<string, Range[]> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a], [0x5f, 0x5f]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};

/** Go's Perl classes: ASCII only (JavaScript's \s also takes \v and Unicode spaces). */
const perlClasses: Record<string, Range[]> = {
  d: posixClasses.digit,
  s: [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]],
  w: posixClasses.word,
};

/** Go's unicode.Categories; any other name must be a script. */
const categories = new Set('C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' '));

function complement(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

let foldOrbits: Map<number, number[]> | undefined;

/** Code points that are equal under simple case folding, as (?i) compares them. */
function orbitOf(cp: number): number[] {
  if (!foldOrbits) {
    const byKey = new Map<string, number[]>();
    for (let c = 0; c <= 0x1ffff; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const ch = String.fromCodePoint(c);
      const upper = ch.toUpperCase();
      const key = [...upper].length === 1 ? upper.toLowerCase() : ch.toLowerCase();
      if (key === ch && upper === ch) continue;
      const members = byKey.get(key) ?? [];
      members.push(c);
      byKey.set(key, members);
    }
    foldOrbits = new Map();
    for (const [key, members] of byKey) {
      const all = [...new Set([...members, ...([...key].length === 1 ? [key.codePointAt(0)!] : [])])];
      for (const c of all) foldOrbits.set(c, all);
    }
  }
  return foldOrbits.get(cp) ?? [cp];
}

/** A class item: a range of code points, or a Unicode property escape as JavaScript writes it. */
type ClassItem = Range | string;

type Token =
  | { kind: 'literal'; cp: number; fold: boolean }
  | { kind: 'class'; negated: boolean; items: ClassItem[]; fold: boolean }
  | { kind: 'assertion'; text: string }
  | { kind: 'syntax'; text: string };

interface Flags {
  fold: boolean;
  multiLine: boolean;
  dotNewline: boolean;
  ungreedy: boolean;
}

const hex = (cp: number) => `\\u{${cp.toString(16)}}`;
const isAlnum = (c: string) => /^[0-9A-Za-z]$/.test(c);
const syntaxCharacters = new Set('^$\\.*+?()[]{}|/');

function literalSource(cp: number): string {
  const c = String.fromCodePoint(cp);
  if (isAlnum(c) || (cp > 0x20 && cp < 0x7f && !syntaxCharacters.has(c)) || c === ' ') return c;
  return syntaxCharacters.has(c) ? `\\${c}` : hex(cp);
}

function foldedItems(items: ClassItem[]): ClassItem[] {
  const out: ClassItem[] = [...items];
  for (const item of items) {
    // Wide ranges are taken as they are: folding each of their code points costs more than it adds.
    if (typeof item === 'string' || item[1] - item[0] > 0x3000) continue;
    for (let c = item[0]; c <= item[1]; c++) for (const other of orbitOf(c)) if (other < item[0] || other > item[1]) out.push([other, other]);
  }
  return out;
}

function classSource(items: ClassItem[], negated: boolean): string {
  const body = items.map((item) => (typeof item === 'string' ? item : item[0] === item[1] ? hex(item[0]) : `${hex(item[0])}-${hex(item[1])}`)).join('');
  return `[${negated ? '^' : ''}${body}]`;
}

/** Go's regexp/syntax parser (Perl flags), emitting tokens of the JavaScript translation. */
class Translator {
  private pos = 0;
  private readonly tokens: Token[] = [];
  private flags: Flags = { fold: false, multiLine: false, dotNewline: false, ungreedy: false };
  /** Per open group: the flags to restore at its `)`. */
  private readonly groups: Flags[] = [];
  /** Whether the last thing parsed can be repeated; its token index. */
  private operand: number | undefined;
  /** Where the last repetition operator started, when it was the last thing parsed. */
  private lastRepeat: number | undefined;

  constructor(private readonly pattern: string) {}

  translate(): { source: string; flags: string } {
    const p = this.pattern;
    while (this.pos < p.length) {
      const c = p[this.pos];
      const repeatAt = this.pos;
      switch (c) {
        case '(':
          this.openGroup();
          break;
        case '|':
          this.pos++;
          this.push({ kind: 'syntax', text: '|' }, false);
          break;
        case ')':
          this.closeGroup();
          break;
        case '^':
          this.pos++;
          this.push({ kind: 'assertion', text: this.flags.multiLine ? '(?<![^\\n])' : '^' });
          break;
        case '$':
          this.pos++;
          this.push({ kind: 'assertion', text: this.flags.multiLine ? '(?![^\\n])' : '$' });
          break;
        case '.':
          this.pos++;
          this.push({ kind: 'class', negated: true, items: this.flags.dotNewline ? [] : [[0x0a, 0x0a]], fold: this.flags.fold });
          break;
        case '[':
          this.push(this.parseClass());
          break;
        case '*':
        case '+':
        case '?':
          this.pos++;
          this.repeat(c, repeatAt);
          continue;
        case '{': {
          const bounds = this.parseRepeatBounds();
          if (!bounds) {
            this.pos++;
            this.push({ kind: 'literal', cp: 0x7b, fold: this.flags.fold });
            break;
          }
          const [min, max] = bounds;
          if (min < 0 || min > 1000 || max > 1000 || (max >= 0 && min > max)) throw new GoRegExpError(errors.invalidRepeatSize, p.slice(repeatAt, this.pos));
          this.repeat(max === min ? `{${min}}` : max < 0 ? `{${min},}` : `{${min},${max}}`, repeatAt);
          continue;
        }
        case '\\':
          this.parseEscapeOutsideClass();
          break;
        default: {
          const cp = p.codePointAt(this.pos)!;
          this.pos += cp > 0xffff ? 2 : 1;
          this.push({ kind: 'literal', cp, fold: this.flags.fold });
        }
      }
      this.lastRepeat = undefined;
    }
    if (this.groups.length) throw new GoRegExpError(errors.missingParen, p);
    return this.render();
  }

  private push(token: Token, repeatable = true): void {
    this.tokens.push(token);
    this.operand = repeatable ? this.tokens.length - 1 : undefined;
  }

  private repeat(op: string, at: number): void {
    const p = this.pattern;
    let lazy = false;
    if (p[this.pos] === '?') {
      this.pos++;
      lazy = true;
    }
    if (this.lastRepeat !== undefined) throw new GoRegExpError(errors.invalidRepeatOp, p.slice(this.lastRepeat, this.pos));
    if (this.operand === undefined) throw new GoRegExpError(errors.missingRepeatArgument, p.slice(at, this.pos));
    const operand = this.tokens[this.operand];
    // JavaScript repeats no assertion: Go's `^*` is `(?:^)*` there.
    if (operand.kind === 'assertion') this.tokens[this.operand] = { kind: 'syntax', text: `(?:${operand.text})` };
    this.tokens.push({ kind: 'syntax', text: `${op}${lazy !== this.flags.ungreedy ? '?' : ''}` });
    this.lastRepeat = at;
  }

  /** `{n}`, `{n,}` or `{n,m}` at the position, as Go reads them (no leading zeros); max -1 for none. */
  private parseRepeatBounds(): [number, number] | undefined {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.pattern.slice(this.pos));
    if (!m) return undefined;
    const number = (s: string) => (s.length > 1 && s[0] === '0' ? undefined : s.length > 8 ? -1 : Number(s));
    const min = number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? -1 : number(m[3]);
    if (min === undefined || max === undefined) return undefined;
    this.pos += m[0].length;
    return [min, max];
  }

  private openGroup(): void {
    const p = this.pattern;
    if (p[this.pos + 1] !== '?') {
      this.pos++;
      this.groups.push({ ...this.flags });
      this.push({ kind: 'syntax', text: '(' }, false);
      return;
    }
    const rest = p.slice(this.pos);
    const named = rest.startsWith('(?P<') && rest.length > 4 ? 4 : rest.startsWith('(?<') && rest.length > 3 ? 3 : 0;
    if (named) {
      const end = rest.indexOf('>');
      if (end < 0) throw new GoRegExpError(errors.invalidNamedCapture, rest);
      const name = rest.slice(named, end);
      if (!/^[A-Za-z0-9_]+$/.test(name)) throw new GoRegExpError(errors.invalidNamedCapture, rest.slice(0, end + 1));
      this.pos += end + 1;
      // Names are not needed (only whole matches are used), and Go takes names JavaScript does not.
      this.groups.push({ ...this.flags });
      this.push({ kind: 'syntax', text: '(' }, false);
      return;
    }
    let i = this.pos + 2;
    const flags = { ...this.flags };
    let negated = false;
    let sawFlag = false;
    while (i < p.length) {
      const c = p[i++];
      if (c === 'i' || c === 'm' || c === 's' || c === 'U') {
        const on = !negated;
        if (c === 'i') flags.fold = on;
        else if (c === 'm') flags.multiLine = on;
        else if (c === 's') flags.dotNewline = on;
        else flags.ungreedy = on;
        sawFlag = true;
        continue;
      }
      if (c === '-' && !negated) {
        negated = true;
        sawFlag = false;
        continue;
      }
      if ((c === ':' || c === ')') && !(negated && !sawFlag)) {
        this.pos = i;
        if (c === ':') {
          this.groups.push({ ...this.flags });
          this.push({ kind: 'syntax', text: '(?:' }, false);
        }
        this.flags = flags;
        return;
      }
      break;
    }
    throw new GoRegExpError(errors.invalidPerlOp, p.slice(this.pos, i));
  }

  private closeGroup(): void {
    const saved = this.groups.pop();
    if (!saved) throw new GoRegExpError(errors.unexpectedParen, this.pattern);
    this.pos++;
    this.flags = saved;
    this.push({ kind: 'syntax', text: ')' });
  }

  private parseEscapeOutsideClass(): void {
    const p = this.pattern;
    const next = p[this.pos + 1];
    const assertions: Record<string, string> = { A: '^', z: '$', b: '\\b', B: '\\B' };
    if (next !== undefined && assertions[next]) {
      this.pos += 2;
      this.push({ kind: 'assertion', text: assertions[next] });
      return;
    }
    if (next === 'C') throw new GoRegExpError(errors.invalidEscape, '\\C');
    if (next === 'Q') {
      const end = p.indexOf('\\E', this.pos + 2);
      const text = p.slice(this.pos + 2, end < 0 ? p.length : end);
      this.pos = end < 0 ? p.length : end + 2;
      for (const ch of text) this.push({ kind: 'literal', cp: ch.codePointAt(0)!, fold: this.flags.fold });
      return;
    }
    const items = this.parseUnicodeClass() ?? this.parsePerlClass();
    if (items) {
      this.push({ kind: 'class', negated: false, items, fold: this.flags.fold });
      return;
    }
    this.push({ kind: 'literal', cp: this.parseEscape(), fold: this.flags.fold });
  }

  /** `\pL`, `\p{Greek}`, `\P{^Lu}`… at the position, or undefined when there is none. */
  private parseUnicodeClass(): ClassItem[] | undefined {
    const p = this.pattern;
    if (p[this.pos] !== '\\' || (p[this.pos + 1] !== 'p' && p[this.pos + 1] !== 'P')) return undefined;
    let negated = p[this.pos + 1] === 'P';
    let seq: string;
    let name: string;
    if (p[this.pos + 2] === '{') {
      const end = p.indexOf('}', this.pos);
      if (end < 0) throw new GoRegExpError(errors.invalidCharRange, p.slice(this.pos));
      seq = p.slice(this.pos, end + 1);
      name = p.slice(this.pos + 3, end);
    } else {
      const cp = p.codePointAt(this.pos + 2);
      seq = p.slice(this.pos, this.pos + 2 + (cp === undefined ? 0 : cp > 0xffff ? 2 : 1));
      name = seq.slice(2);
    }
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    const property = name === 'Any' ? 'Any' : categories.has(name) ? name : scriptProperty(name);
    if (!property) throw new GoRegExpError(errors.invalidCharRange, seq);
    this.pos += seq.length;
    return [`\\${negated ? 'P' : 'p'}{${property}}`];
  }

  /** `\d`, `\s`, `\w` and their negations at the position. */
  private parsePerlClass(): ClassItem[] | undefined {
    const c = this.pattern[this.pos + 1];
    const ranges = c && perlClasses[c.toLowerCase()];
    if (this.pattern[this.pos] !== '\\' || !ranges || !/[dswDSW]/.test(c)) return undefined;
    this.pos += 2;
    return c === c.toLowerCase() ? ranges : complement(ranges);
  }

  /** A single-character escape at the position (after what the callers took as classes or assertions). */
  private parseEscape(): number {
    const p = this.pattern;
    const start = this.pos;
    if (start + 1 >= p.length) throw new GoRegExpError(errors.trailingBackslash, '');
    const c = p[start + 1];
    this.pos = start + 2;
    const fail = () => new GoRegExpError(errors.invalidEscape, p.slice(start, this.pos));
    if (c.charCodeAt(0) < 0x80 && !isAlnum(c)) return c.charCodeAt(0);
    const octal = (d: string | undefined) => d !== undefined && d >= '0' && d <= '7';
    if ((c >= '1' && c <= '7' && octal(p[this.pos])) || c === '0') {
      let value = Number(c);
      for (let n = 1; n < 3 && octal(p[this.pos]); n++) value = value * 8 + Number(p[this.pos++]);
      return value;
    }
    if (c === 'x') {
      if (p[this.pos] === '{') {
        // Go reads hex digits up to the `}`, and stops at the first one that is not or goes past U+10FFFF.
        this.pos++;
        let value = 0;
        let digits = 0;
        for (;;) {
          if (this.pos >= p.length) throw fail();
          const d = p[this.pos++];
          if (d === '}') break;
          if (!/^[0-9A-Fa-f]$/.test(d) || (value = value * 16 + parseInt(d, 16)) > 0x10ffff) throw fail();
          digits++;
        }
        if (!digits) throw fail();
        return value;
      }
      const digits = p.slice(this.pos, this.pos + 2);
      this.pos = Math.min(p.length, this.pos + 2);
      if (!/^[0-9A-Fa-f]{2}$/.test(digits)) throw fail();
      return parseInt(digits, 16);
    }
    const controls: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
    if (controls[c] !== undefined) return controls[c];
    if (c.charCodeAt(0) >= 0xd800 && c.charCodeAt(0) <= 0xdbff) this.pos++;
    throw fail();
  }

  private parseClass(): Token {
    const p = this.pattern;
    const whole = p.slice(this.pos);
    this.pos++;
    let negated = false;
    if (p[this.pos] === '^') {
      negated = true;
      this.pos++;
    }
    const items: ClassItem[] = [];
    let first = true;
    while (this.pos >= p.length || p[this.pos] !== ']' || first) {
      first = false;
      if (p.startsWith('[:', this.pos)) {
        const end = p.indexOf(':]', this.pos + 2);
        if (end >= 0) {
          const name = p.slice(this.pos, end + 2);
          const inner = name.slice(2, -2);
          const ranges = posixClasses[inner.replace(/^\^/, '')];
          if (!ranges) throw new GoRegExpError(errors.invalidCharRange, name);
          items.push(...(inner.startsWith('^') ? complement(ranges) : ranges));
          this.pos = end + 2;
          continue;
        }
      }
      const named = this.parseUnicodeClass() ?? this.parsePerlClass();
      if (named) {
        items.push(...named);
        continue;
      }
      const rangeStart = this.pos;
      const lo = this.parseClassChar(whole);
      let hi = lo;
      if (p[this.pos] === '-' && this.pos + 1 < p.length && p[this.pos + 1] !== ']') {
        this.pos++;
        hi = this.parseClassChar(whole);
        if (hi < lo) throw new GoRegExpError(errors.invalidCharRange, p.slice(rangeStart, this.pos));
      }
      items.push([lo, hi]);
    }
    this.pos++;
    return { kind: 'class', negated, items, fold: this.flags.fold };
  }

  private parseClassChar(whole: string): number {
    const p = this.pattern;
    if (this.pos >= p.length) throw new GoRegExpError(errors.missingBracket, whole);
    if (p[this.pos] === '\\') return this.parseEscape();
    const cp = p.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  /** The source; case folding is JavaScript's `i` flag when it applies to every literal and class. */
  private render(): { source: string; flags: string } {
    const folded = this.tokens.filter((t) => t.kind === 'literal' || t.kind === 'class');
    const everywhere = folded.length > 0 && folded.every((t) => (t as { fold: boolean }).fold);
    const source = this.tokens
      .map((token) => {
        switch (token.kind) {
          case 'literal': {
            if (!token.fold || everywhere) return literalSource(token.cp);
            const orbit = orbitOf(token.cp);
            return orbit.length > 1 ? classSource(orbit.map((c): Range => [c, c]), false) : literalSource(token.cp);
          }
          case 'class':
            return classSource(token.fold && !everywhere ? foldedItems(token.items) : token.items, token.negated);
          default:
            return token.text;
        }
      })
      .join('');
    return { source, flags: everywhere ? 'i' : '' };
  }
}

const scripts = new Map<string, boolean>();

/** `Script=Name` when JavaScript knows the script. */
function scriptProperty(name: string): string | undefined {
  let known = scripts.get(name);
  if (known === undefined) {
    try {
      new RegExp(`\\p{Script=${name}}`, 'u');
      known = /^[A-Za-z_]+$/.test(name);
    } catch {
      known = false;
    }
    scripts.set(name, known);
  }
  return known ? `Script=${name}` : undefined;
}

/** The JavaScript source and flags (to use with `u`) for a Go pattern; throws GoRegExpError. */
export function translateGoRegExp(pattern: string): { source: string; flags: string } {
  return new Translator(pattern).translate();
}

const compiled = new Map<string, RegExp | GoRegExpError>();
const compiledLimit = 512;

/** A Go pattern as a JavaScript RegExp (Unicode mode), or the GoRegExpError Go gives for it. */
export function goRegExp(pattern: string, extraFlags = ''): RegExp {
  const key = `${extraFlags}/${pattern}`;
  let found = compiled.get(key);
  if (!found) {
    try {
      const { source, flags } = translateGoRegExp(pattern);
      found = new RegExp(source, `${flags}${extraFlags}u`);
    } catch (err) {
      if (!(err instanceof GoRegExpError)) throw err;
      found = err;
    }
    if (compiled.size >= compiledLimit) compiled.clear();
    compiled.set(key, found);
  }
  if (found instanceof GoRegExpError) throw found;
  return found;
}

/** Go's FindAllString: successive matches, leaving out an empty match right after the previous match. */
export function goFindAll(pattern: string, text: string, limit: number): string[] {
  const re = goRegExp(pattern, 'g');
  const out: string[] = [];
  let previousEnd = -1;
  for (let pos = 0; pos <= text.length && (limit < 0 || out.length < limit); ) {
    re.lastIndex = pos;
    const match = re.exec(text);
    if (!match) break;
    const end = match.index + match[0].length;
    const accept = !(end === pos && match.index === previousEnd);
    if (end === pos) pos += pos < text.length && text.codePointAt(pos)! > 0xffff ? 2 : 1;
    else pos = end;
    previousEnd = end;
    if (accept) out.push(match[0]);
  }
  return out;
}
