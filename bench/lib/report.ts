// Figures as every bench script prints them, and how a script hands them to bench/run.ts.

export interface Goal {
  /** Whether the goal bounds the figure itself or its ratio to the baseline. */
  on: 'value' | 'ratio';
  op: '<' | '>=';
  target: number;
}

export interface Figure {
  name: string;
  unit: string;
  value: number;
  /** The same measurement of a bare-Node stand-in, taken in the same run. */
  baseline?: number;
  goal?: Goal;
}

export interface FiguresMessage {
  type: 'figures';
  script: string;
  figures: Figure[];
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const digits = abs >= 100 || Number.isInteger(n) ? 0 : abs >= 10 ? 1 : 2;
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ratioOf(figure: Figure): number | undefined {
  return figure.baseline ? figure.value / figure.baseline : undefined;
}

function goalText(figure: Figure): string {
  const goal = figure.goal;
  if (!goal) return '';
  const measured = goal.on === 'value' ? figure.value : ratioOf(figure);
  if (measured === undefined) return '';
  const met = goal.op === '<' ? measured < goal.target : measured >= goal.target;
  const target = goal.on === 'value' ? `${formatNumber(goal.target)} ${figure.unit}` : `ratio ${goal.target}`;
  return `goal ${goal.op === '<' ? '<' : '≥'} ${target}: ${met ? 'met' : 'MISSED'}`;
}

export function formatFigure(figure: Figure, nameWidth = 52): string {
  const value = `${formatNumber(figure.value)} ${figure.unit}`.padEnd(16);
  const ratio = ratioOf(figure);
  const baseline = figure.baseline === undefined ? ''.padEnd(28) : `baseline ${formatNumber(figure.baseline)} ${figure.unit}`.padEnd(28);
  const ratioText = (ratio === undefined ? '' : `ratio ${ratio.toFixed(2)}`).padEnd(12);
  return `  ${figure.name.padEnd(nameWidth)} ${value} ${baseline} ${ratioText} ${goalText(figure)}`.trimEnd();
}

/** Prints the figures and, when bench/run.ts started this script, sends them to it. */
export function publishFigures(script: string, figures: Figure[]): void {
  console.log(`\n${script} figures:`);
  for (const figure of figures) console.log(formatFigure(figure));
  if (process.send) {
    const message: FiguresMessage = { type: 'figures', script, figures };
    process.send(message);
  }
}
