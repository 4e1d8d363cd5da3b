// Warning headers as kube-apiserver's recorder writes them (apiserver/pkg/endpoints/filters/
// warning.go): each text once; past 4096 runes in all, every warning (earlier ones again) is cut
// to 256 runes, and once that budget is spent too, later ones are dropped.

import type { KubeContext } from './context.js';

const totalRunes = 4 * 1024;
const itemRunes = 256;

interface Recorder {
  recorded: Set<string>;
  ordered: string[];
  written: number;
  truncating: boolean;
}

const recorders = new WeakMap<object, Recorder>();

const runes = (text: string) => [...text];

/**
 * `299 - "text"`: code, no agent, the text quoted with `"` and `\` escaped. Headers carry bytes,
 * so the text's UTF-8 goes out as it is (Node writes a latin1 string byte for byte).
 */
function headerValue(text: string): string {
  const quoted = `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  return `299 - ${Buffer.from(quoted, 'utf8').toString('latin1')}`;
}

function cut(text: string): { text: string; length: number } {
  const chars = runes(text);
  return chars.length > itemRunes ? { text: chars.slice(0, itemRunes).join(''), length: itemRunes } : { text, length: chars.length };
}

export function addWarning(ctx: KubeContext, text: string): void {
  // kube-apiserver drops empty texts and texts with control characters.
  if (!text || /\p{Cc}/u.test(text)) return;
  let recorder = recorders.get(ctx);
  if (!recorder) recorders.set(ctx, (recorder = { recorded: new Set(), ordered: [], written: 0, truncating: false }));
  if (recorder.written >= totalRunes && recorder.truncating) return;
  if (recorder.recorded.has(text)) return;
  recorder.recorded.add(text);
  recorder.ordered.push(text);
  const item = recorder.truncating ? cut(text) : { text, length: runes(text).length };
  if (recorder.written + item.length <= totalRunes || recorder.truncating) {
    recorder.written += item.length;
    ctx.append('Warning', headerValue(item.text));
    return;
  }
  recorder.truncating = true;
  recorder.written = 0;
  ctx.remove('Warning');
  for (const earlier of recorder.ordered) {
    const shortened = cut(earlier);
    recorder.written += shortened.length;
    ctx.append('Warning', headerValue(shortened.text));
  }
}
