// The mapping editor: CodeMirror 6 with YAML highlighting and a lint source that asks the bridge
// (POST /api/mappings/:name/check, debounced) and puts each problem at its line:column.
// The CSP allows no <style> elements. CodeMirror (style-mod) writes its styles into a <style> in a
// document but into constructable stylesheets in a shadow root, so the editor lives in one.
import { minimalSetup } from 'codemirror';
import { yaml } from '@codemirror/lang-yaml';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import type { Text } from '@codemirror/state';
import { EditorView, lineNumbers } from '@codemirror/view';

export interface Problem {
  file?: string;
  line: number;
  column: number;
  message: string;
}

export const LINT_DELAY_MS = 400;

/** A problem's line:column (1-based) as a document range; out-of-range positions are clamped. */
export function problemRange(doc: Text, problem: Problem): { from: number; to: number } {
  const lineNo = Math.min(Math.max(1, Math.trunc(problem.line) || 1), doc.lines);
  const line = doc.line(lineNo);
  const from = Math.min(line.from + Math.max(0, (Math.trunc(problem.column) || 1) - 1), line.to);
  // Mark to the end of the word (at least one character) so the problem is visible.
  const rest = doc.sliceString(from, line.to);
  const word = /^\S+/.exec(rest)?.[0].length ?? 0;
  return { from, to: Math.min(line.to, from + Math.max(1, word)) };
}

export interface EditorOptions {
  parent: HTMLElement;
  source: string;
  label: string;
  /** The check; its problems become diagnostics. A thrown error shows no diagnostics. */
  check(source: string): Promise<Problem[]>;
  onChecked?(problems: Problem[] | Error): void;
  onChecking?(): void;
}

/** Sizes and focus ring inside the shadow root (app.css does not reach in there). */
const shadowTheme = EditorView.theme({
  '&': { height: '65vh', fontSize: '0.9rem' },
  '&.cm-focused': { outline: '3px solid #e8a200' },
  '.cm-scroller': { overflow: 'auto', fontFamily: "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace" },
});

export function createEditor(options: EditorOptions): EditorView {
  const source = linter(
    async (view) => {
      options.onChecking?.();
      const text = view.state.doc.toString();
      try {
        const problems = await options.check(text);
        options.onChecked?.(problems);
        // The document may have changed meanwhile; CodeMirror maps the ranges on, so compute on this state.
        return problems.map((problem): Diagnostic => ({
          ...problemRange(view.state.doc, problem),
          severity: 'error',
          message: problem.message,
        }));
      } catch (error) {
        options.onChecked?.(error instanceof Error ? error : new Error(String(error)));
        return [];
      }
    },
    { delay: LINT_DELAY_MS },
  );
  const root = options.parent.shadowRoot ?? options.parent.attachShadow({ mode: 'open' });
  return new EditorView({
    root,
    parent: root,
    doc: options.source,
    extensions: [
      minimalSetup,
      lineNumbers(),
      yaml(),
      lintGutter(),
      source,
      EditorView.lineWrapping,
      shadowTheme,
      EditorView.contentAttributes.of({ 'aria-label': options.label, 'data-testid': 'editor-content' }),
    ],
  });
}
