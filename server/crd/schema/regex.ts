// Go's RE2 pattern syntax, as CRD schemas and CEL rules are written for it, turned into JavaScript
// regular expressions: inline flags, named groups, POSIX classes and text anchors.

const posixClasses: Record<string, string> = {
  alnum: 'a-zA-Z0-9',
  alpha: 'a-zA-Z',
  ascii: '\\x00-\\x7F',
  blank: ' \\t',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: ' \\t\\n\\v\\f\\r',
  upper: 'A-Z',
  word: 'A-Za-z0-9_',
  xdigit: '0-9A-Fa-f',
};

/**
 * The JavaScript source and flags for a Go pattern. An inline `(?i)` (or `s`, `m`) anywhere applies
 * to the whole pattern: JavaScript has no scoped flags on every supported Node version.
 */
export function translateGoRegExp(pattern: string): { source: string; flags: string } {
  const flags = new Set<string>();
  let source = pattern.replace(/\(\?([imsU]+)\)/g, (_, f: string) => {
    for (const flag of f) if (flag !== 'U') flags.add(flag);
    return '';
  });
  source = source.replace(/\(\?([imsU]+):/g, (_, f: string) => {
    for (const flag of f) if (flag !== 'U') flags.add(flag);
    return '(?:';
  });
  source = source
    .replace(/\(\?P</g, '(?<')
    .replace(/\[:(\^?)([a-z]+):\]/g, (whole, negated: string, name: string) => (posixClasses[name] && !negated ? posixClasses[name] : whole))
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$')
    .replace(/\\p([A-Z])/g, '\\p{$1}')
    .replace(/\\P([A-Z])/g, '\\P{$1}');
  return { source, flags: [...flags].join('') };
}

/** A Go pattern as a JavaScript RegExp (Unicode mode), or the error JavaScript gives for it. */
export function goRegExp(pattern: string, extraFlags = ''): RegExp {
  const { source, flags } = translateGoRegExp(pattern);
  return new RegExp(source, `${flags}${extraFlags}u`);
}
