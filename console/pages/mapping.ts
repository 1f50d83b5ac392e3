// #/mappings/<name>: the editor with live checks, Apply with a comment, "check against the EDMS",
// and the preview / diff / history panels.
import type { EditorView } from '@codemirror/view';
import { ApiError, enc, get, post, put } from '../api.js';
import { createEditor, type Problem } from '../editor.js';
import { clear, field, h } from '../dom.js';
import { t, type MessageKey } from '../i18n.js';
import { guard } from '../session.js';
import { button, messageArea, pageTitle } from '../ui.js';
import { diffPanel, historyPanel, previewPanel, problemList, type PanelContext } from './mapping-panels.js';

interface MappingWithSource {
  name: string;
  version: string;
  target: string;
  source: string;
}

function tabs(panels: { key: MessageKey; id: string; body: HTMLElement; onShow?: () => void }[], initial = 0): HTMLElement {
  const list = h('div', { role: 'tablist', 'aria-label': t('tabsLabel'), class: 'tabs' });
  const sections: HTMLElement[] = [];
  const select = (index: number) => {
    panels.forEach((panel, at) => {
      const tab = list.children[at] as HTMLButtonElement;
      tab.setAttribute('aria-selected', String(at === index));
      tab.tabIndex = at === index ? 0 : -1;
      sections[at]!.hidden = at !== index;
      if (at === index) panel.onShow?.();
    });
  };
  panels.forEach((panel, index) => {
    const tab = h(
      'button',
      { type: 'button', role: 'tab', id: `tab-${panel.id}`, 'aria-controls': `panel-${panel.id}`, 'data-testid': `tab-${panel.id}` },
      t(panel.key),
    );
    tab.addEventListener('click', () => select(index));
    // Arrow keys move between tabs, as the ARIA tabs pattern expects.
    tab.addEventListener('keydown', (event) => {
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (!step) return;
      const next = (index + step + panels.length) % panels.length;
      select(next);
      (list.children[next] as HTMLElement).focus();
    });
    list.append(tab);
    sections.push(
      h(
        'section',
        { role: 'tabpanel', id: `panel-${panel.id}`, 'aria-labelledby': `tab-${panel.id}`, 'data-testid': `panel-${panel.id}` },
        panel.body,
      ),
    );
  });
  const wrapper = h('div', { class: 'side' }, list, ...sections);
  select(initial);
  return wrapper;
}

/** Unapplied edits by mapping, kept while the tab lives: leaving the page or switching the language redraws it. */
const drafts = new Map<string, string>();

/** After a rollback the page is drawn anew: with its outcome and the history still open. */
interface Redraw {
  notice: string;
  tab: 'history';
}

/** Renders the page; returns the cleanup to run when leaving it. */
export async function renderMapping(main: HTMLElement, name: string, redraw?: Redraw): Promise<() => void> {
  const message = messageArea();
  main.replaceChildren(pageTitle('editorTitle', { name }), message.element);
  let mapping: MappingWithSource;
  try {
    mapping = await get<MappingWithSource>(`/api/mappings/${enc(name)}`);
  } catch (error) {
    message.error(error);
    return () => {};
  }
  // Left for another page while the mapping loaded.
  if (!main.isConnected) return () => {};
  const lintStatus = h('p', { class: 'lint-status', 'data-testid': 'lint-status', 'aria-live': 'polite' });
  const host = h('div', { class: 'editor', 'data-testid': 'editor' });
  const results = h('div', { 'data-testid': 'apply-result' });
  // Created once the host is in the document: a detached editor would put its styles in a <style>
  // element (refused by the CSP) instead of the document's constructable stylesheets.
  const editor: { view?: EditorView } = {};
  const source = () => editor.view?.state.doc.toString() ?? drafts.get(name) ?? mapping.source;

  const comment = h('input', { type: 'text', maxlength: 500, 'data-testid': 'apply-comment' });
  const apply = () => {
    message.clear();
    results.replaceChildren();
    put<{ version: string; warnings?: string[] }>(`/api/mappings/${enc(name)}`, {
      source: source(),
      ...(comment.value.trim() ? { comment: comment.value.trim() } : {}),
    })
      .then((answer) => {
        message.ok(t('applied', { version: answer.version }));
        mapping = { ...mapping, version: answer.version, source: source() };
        comment.value = '';
        if (answer.warnings?.length) results.append(problemList(answer.warnings, 'apply-warnings'));
        history.load();
      })
      .catch((error: unknown) => {
        // 400 mapping_invalid: nothing was applied; show where the problems are.
        const problems = error instanceof ApiError && Array.isArray(error.body.problems) ? (error.body.problems as unknown[]) : undefined;
        if (problems) {
          message.error(new Error(t('applyRefused')));
          results.append(h('p', {}, error instanceof Error ? error.message : ''), problemList(problems, 'apply-problems'));
        } else message.error(error);
      });
  };
  const checkEdms = () => {
    message.clear();
    clear(results, t('checking'));
    post<{ ok: boolean; problems: Problem[]; notes: string[]; checked: boolean }>(`/api/mappings/${enc(name)}/check-edms`, {
      source: source(),
    })
      .then((answer) =>
        clear(
          results,
          h(
            'p',
            { class: answer.ok ? 'note' : 'note warn', 'data-testid': 'edms-result' },
            t(!answer.checked ? 'edmsNotChecked' : answer.ok ? 'edmsOk' : 'problems'),
          ),
          answer.problems.length > 0 && problemList(answer.problems, 'edms-problems'),
          answer.notes.length > 0 &&
            h('ul', { class: 'notes', 'aria-label': t('notes') }, ...answer.notes.map((note) => h('li', {}, note))),
        ),
      )
      .catch((error: unknown) => {
        results.replaceChildren();
        message.error(error);
      });
  };

  const context: PanelContext = {
    name,
    source,
    appliedVersion: () => mapping.version,
    reload: (notice) => navigateReload(notice),
  };
  const history = historyPanel(context);
  const navigateReload = (notice: string) => {
    drafts.delete(name);
    editor.view?.destroy();
    editor.view = undefined;
    void renderMapping(main, name, { notice, tab: 'history' });
  };

  main.append(
    h(
      'div',
      { class: 'editor-layout' },
      h(
        'div',
        { class: 'editor-column' },
        host,
        lintStatus,
        h(
          'div',
          { class: 'actions' },
          field(t('comment'), comment, 'field grow'),
          guard(button(t('apply'), apply, { 'data-testid': 'apply', class: 'primary' }), 'mapping-editor'),
          button(t('checkEdms'), checkEdms, { 'data-testid': 'check-edms' }),
        ),
        results,
      ),
      tabs(
        [
          { key: 'tabPreview', id: 'preview', body: previewPanel(context) },
          { key: 'tabDiff', id: 'diff', body: diffPanel(context) },
          { key: 'tabHistory', id: 'history', body: history.element, onShow: () => history.load() },
        ],
        redraw?.tab === 'history' ? 2 : 0,
      ),
    ),
  );
  if (redraw) message.ok(redraw.notice);
  editor.view = createEditor({
    parent: host,
    source: drafts.get(name) ?? mapping.source,
    label: t('editorLabel'),
    check: async (source) => (await post<{ problems: Problem[] }>(`/api/mappings/${enc(name)}/check`, { source })).problems,
    onChecking: () => (lintStatus.textContent = t('checking')),
    onChecked: (outcome) => {
      lintStatus.textContent =
        outcome instanceof Error
          ? `${t('errorPrefix')}: ${outcome.message}`
          : outcome.length
            ? t('checkProblems', { count: outcome.length })
            : t('checkOk');
      lintStatus.dataset.count = outcome instanceof Error ? '' : String(outcome.length);
    },
  });
  return () => {
    if (!editor.view) return;
    const text = editor.view.state.doc.toString();
    if (text === mapping.source) drafts.delete(name);
    else drafts.set(name, text);
    editor.view.destroy();
    editor.view = undefined;
  };
}
