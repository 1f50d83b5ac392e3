// BENCH_ONLY: rewrites only the measured sections of an existing BENCHMARKS.md. A section runs
// from its `## ` heading to the next one; every other section and the header stay byte for byte,
// but for one header line saying which sections were measured when and at which commit.
import { n1 } from './format.js';
import { PROCESSES_HEADING, processesSection, TOPOLOGIES_HEADING, topologiesSection } from './report-scaling.js';
import type { BenchResults } from './suite.js';

export interface ReportSection {
  /** The whole heading line, e.g. "## 7. Redis topologies". */
  heading: string;
  body: string;
}

/** A new section goes before this one when the report does not have it yet. */
const INSERT_BEFORE = '## Profile of a drain';
/** How the header note starts: the settings sentence names BENCH_ONLY too, so the mark is the whole opening. */
const NOTE_MARK = 'Measured on their own (`BENCH_ONLY=';

/** "## 7. Redis topologies" → "redis topologies": a renumbered heading still names the same section. */
const headingName = (line: string) =>
  line
    .replace(/^##\s+(\d+(–\d+)?\.\s+)?/, '')
    .trim()
    .toLowerCase();

interface Block {
  heading?: string;
  text: string;
}

/** The header (no heading) and each `## ` section, with their exact text: joined, they are the report. */
function blocks(report: string): Block[] {
  const list: Block[] = [{ text: '' }];
  for (const line of report.split(/(?<=\n)/)) {
    if (line.startsWith('## ')) list.push({ heading: line.trimEnd(), text: '' });
    list.at(-1)!.text += line;
  }
  return list;
}

/** The BENCH_ONLY list a header note names, e.g. ["topologies", "processes"]. */
function noteSections(paragraph: string): string[] | undefined {
  if (!paragraph.startsWith(NOTE_MARK)) return undefined;
  return paragraph.slice(NOTE_MARK.length).split('`')[0]!.split(',');
}

/** The header with `note` in place of any note for the same or fewer sections, else after its first paragraph. */
function withNote(header: string, note: string, only: readonly string[]): string {
  const paragraphs = header.split('\n\n');
  const kept = paragraphs.filter((paragraph) => !(noteSections(paragraph)?.every((name) => only.includes(name)) ?? false));
  const at = kept.findIndex((paragraph) => paragraph.startsWith('Measured '));
  kept.splice(at >= 0 ? at + 1 : Math.min(1, kept.length), 0, note);
  return kept.join('\n\n');
}

export function replaceSections(report: string, sections: readonly ReportSection[], note: string, only: readonly string[]): string {
  const list = blocks(report);
  for (const section of sections) {
    const text = `${section.heading}\n\n${section.body}\n\n`;
    const existing = list.find((block) => block.heading && headingName(block.heading) === headingName(section.heading));
    if (existing) {
      existing.heading = section.heading;
      existing.text = text;
      continue;
    }
    const before = list.findIndex((block) => block.heading === INSERT_BEFORE);
    list.splice(before >= 0 ? before : list.length, 0, { heading: section.heading, text });
  }
  list[0]!.text = withNote(list[0]!.text, note, only);
  return list.map((block) => block.text).join('');
}

/** The sections BENCH_ONLY measured, rendered, and the header note about them. */
export function renderOnly(results: BenchResults, report: string): string {
  const only = results.options.only ?? [];
  const sections: ReportSection[] = [];
  if (only.includes('topologies')) sections.push({ heading: TOPOLOGIES_HEADING, body: topologiesSection(results) });
  if (only.includes('processes')) sections.push({ heading: PROCESSES_HEADING, body: processesSection(results) });
  const names = sections.map((s) => headingName(s.heading).replace(/^./, (c) => c.toUpperCase())).join(' and ');
  const quick = results.options.quick ? ', quick smoke run: small N, one run each — not for comparison' : '';
  const note = `${NOTE_MARK}${only.join(',')}\`) ${results.startedAt.slice(0, 10)} at code ${results.machine.revision}: ${names} (${results.options.runs} run(s) each${quick}; ${n1(results.durationSeconds / 60)} min); the other sections come from the run above.`;
  return replaceSections(report, sections, note, only);
}
