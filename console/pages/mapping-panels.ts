// The editor's side panels: preview against an appeal, diff against the applied version, history
// with rollback.
import { enc, get, post } from '../api.js';
import { clear, field, h } from '../dom.js';
import { formatTime, t } from '../i18n.js';
import { guard, may } from '../session.js';
import { button, diffView, messageArea } from '../ui.js';

export interface PanelContext {
  name: string;
  /** The editor's current text. */
  source(): string;
  /** The version in use (nothing to roll back to there). */
  appliedVersion(): string;
  /** After a rollback: the editor shows the new applied version, and `notice` says so. */
  reload(notice: string): void;
}

interface Fixture {
  id: string;
  title: string;
  organisation?: string;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

export function previewPanel(context: PanelContext): HTMLElement {
  const kind = h('select', { 'data-testid': 'preview-kind' });
  for (const [value, key] of [
    ['fixture', 'srcFixture'],
    ['pasted', 'srcPasted'],
    ['posId', 'srcPosId'],
  ] as const) {
    kind.append(h('option', { value }, t(key)));
  }
  const fixture = h('select', { 'data-testid': 'preview-fixture' });
  const pasted = h('textarea', { rows: 8, spellcheck: false, 'data-testid': 'preview-pasted' });
  const posId = h('input', { type: 'number', min: 1, step: 1, inputmode: 'numeric', 'data-testid': 'preview-posid' });
  const unmask = guard(h('input', { type: 'checkbox', 'data-testid': 'preview-unmask' }), 'mapping-editor');
  const fixtureField = field(t('fixture'), fixture);
  const pastedField = field(t('pasted'), pasted);
  const posIdField = field(t('posId'), posId);
  const output = h('div', { 'data-testid': 'preview-output' });
  const message = messageArea('preview-message');

  const showKind = () => {
    fixtureField.hidden = kind.value !== 'fixture';
    pastedField.hidden = kind.value !== 'pasted';
    posIdField.hidden = kind.value !== 'posId';
  };
  kind.addEventListener('change', showKind);
  showKind();

  get<Fixture[]>('/api/fixtures')
    .then((fixtures) => {
      for (const item of fixtures) {
        fixture.append(h('option', { value: item.id }, item.organisation ? `${item.title} (${item.organisation})` : item.title));
      }
    })
    .catch((error: unknown) => message.error(error));

  const run = () => {
    message.clear();
    output.replaceChildren();
    let appeal: unknown;
    if (kind.value === 'fixture') appeal = { fixture: fixture.value };
    else if (kind.value === 'posId') appeal = { posId: Number(posId.value) };
    else {
      try {
        appeal = { pasted: JSON.parse(pasted.value) as unknown };
      } catch (error) {
        message.error(new Error(t('badJson', { message: error instanceof Error ? error.message : String(error) })));
        return;
      }
    }
    const body = { source: context.source(), appeal, ...(unmask.checked ? { unmask: true } : {}) };
    post<{ record: unknown; warnings: string[]; masked: boolean; appeal: unknown }>(
      `/api/mappings/${enc(context.name)}/preview-draft`,
      body,
    )
      .then((answer) => {
        clear(
          output,
          h(
            'p',
            { class: answer.masked ? 'note' : 'note warn', 'data-testid': 'preview-masked' },
            t(answer.masked ? 'masked' : 'unmasked'),
          ),
          answer.warnings.length > 0 &&
            h('ul', { class: 'warnings', 'aria-label': t('warnings') }, ...answer.warnings.map((w) => h('li', {}, w))),
          h('h3', {}, t('previewRecord')),
          h('pre', { class: 'json', 'data-testid': 'preview-record' }, json(answer.record)),
          h('h3', {}, t('previewAppeal')),
          h('pre', { class: 'json', 'data-testid': 'preview-appeal' }, json(answer.appeal)),
        );
      })
      .catch((error: unknown) => {
        message.error(error);
        const problems = (error as { body?: { problems?: unknown[] } }).body?.problems;
        if (Array.isArray(problems)) output.append(problemList(problems));
      });
  };

  return h(
    'div',
    { class: 'panel-body' },
    field(t('previewSource'), kind),
    fixtureField,
    pastedField,
    posIdField,
    h('div', { class: 'check' }, unmask, h('label', { for: (unmask.id ||= 'preview-unmask') }, t('unmask'))),
    button(t('runPreview'), run, { 'data-testid': 'preview-run', class: 'primary' }),
    message.element,
    output,
  );
}

/** Problems as the server gives them: {line, column, message} objects or plain strings. */
export function problemList(problems: unknown[], testid = 'problems'): HTMLElement {
  return h(
    'ul',
    { class: 'problems', 'data-testid': testid, 'aria-label': t('problems') },
    ...problems.map((problem) => {
      if (problem && typeof problem === 'object' && 'message' in problem) {
        const p = problem as { line?: number; column?: number; message: string };
        return h('li', {}, p.line ? `${p.line}:${p.column ?? 1} ${p.message}` : p.message);
      }
      return h('li', {}, String(problem));
    }),
  );
}

export function diffPanel(context: PanelContext): HTMLElement {
  const output = h('div', { 'data-testid': 'diff-output' });
  const message = messageArea('diff-message');
  const run = () => {
    message.clear();
    post<{ version: string; diff: string }>(`/api/mappings/${enc(context.name)}/diff`, { source: context.source() })
      .then((answer) =>
        clear(
          output,
          h('p', { class: 'note' }, t('diffAgainst', { version: answer.version })),
          answer.diff.trim() ? diffView(answer.diff) : h('p', {}, t('noDiff')),
        ),
      )
      .catch((error: unknown) => message.error(error));
  };
  return h('div', { class: 'panel-body' }, button(t('showDiff'), run, { 'data-testid': 'diff-run' }), message.element, output);
}

interface HistoryEntry {
  version: string;
  author: string;
  at: string;
  diff: string;
  comment?: string;
}

export function historyPanel(context: PanelContext): { element: HTMLElement; load(): void } {
  const list = h('ol', { class: 'history', 'data-testid': 'history-list', reversed: true });
  const message = messageArea('history-message');
  const rollback = (version: string) => {
    message.clear();
    post<{ version: string }>(`/api/mappings/${enc(context.name)}/rollback`, { version })
      .then((answer) => {
        context.reload(t('rolledBack', { version: answer.version }));
      })
      .catch((error: unknown) => message.error(error));
  };
  const load = () => {
    get<HistoryEntry[]>(`/api/mappings/${enc(context.name)}/history`)
      .then((entries) => {
        // Numbered from the newest down; `start` set each time, as Chromium counts a redrawn reversed list wrong.
        list.start = entries.length;
        list.replaceChildren(
          ...entries.map((entry) =>
            h(
              'li',
              { 'data-testid': `history-${entry.version}` },
              h(
                'details',
                {},
                h('summary', {}, t('historyVersion', { version: entry.version, author: entry.author, at: formatTime(entry.at) })),
                entry.comment && h('p', { class: 'comment' }, entry.comment),
                diffView(entry.diff, `history-diff-${entry.version}`),
              ),
              entry.version !== context.appliedVersion() &&
                guard(
                  button(t('rollback'), () => rollback(entry.version), { 'data-testid': `rollback-${entry.version}` }),
                  'mapping-editor',
                ),
            ),
          ),
        );
      })
      .catch((error: unknown) => message.error(error));
  };
  return { element: h('div', { class: 'panel-body' }, message.element, list), load };
}

export const canApply = () => may('mapping-editor');
