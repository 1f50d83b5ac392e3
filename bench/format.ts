// Number and table formatting shared by the sections of BENCHMARKS.md; a figure that could not be
// measured shows as "–" rather than NaN.
import { median } from './stats.js';

export const n0 = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–');
export const n1 = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');
export const n2 = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '–');
export const pct = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(0)}%` : '–');
export const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
export const table = (head: string[], rows: (string | number)[][]) => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');

/** The median of one figure over runs. */
export const med = <T>(runs: readonly T[], pick: (run: T) => number) => median(runs.map(pick));
