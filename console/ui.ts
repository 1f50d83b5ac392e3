// Shared page pieces: messages (errors as the server words them), tables and buttons.
import { ApiError } from './api.js';
import { h, type Attrs } from './dom.js';
import { t, type MessageKey } from './i18n.js';

/** The error as the server said it; a 403 says the role is short (the message names the role needed). */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return `${t(error.status === 403 ? 'forbidden' : 'errorPrefix')}: ${error.message}`;
  return `${t('errorPrefix')}: ${error instanceof Error ? error.message : String(error)}`;
}

/** A live region for a page's outcome messages: show(error) or ok(text). */
export function messageArea(testid = 'message') {
  const area = h('div', { class: 'message', 'data-testid': testid, role: 'status', 'aria-live': 'polite' });
  return {
    element: area,
    clear: () => {
      area.replaceChildren();
      area.className = 'message';
      area.setAttribute('role', 'status');
    },
    ok: (text: string) => {
      area.textContent = text;
      area.className = 'message ok';
      area.setAttribute('role', 'status');
    },
    error: (error: unknown) => {
      area.textContent = errorText(error);
      area.className = 'message error';
      area.setAttribute('role', 'alert');
      if (error instanceof ApiError) area.dataset.code = error.code;
    },
  };
}

export function button(label: string, onClick: () => void, attrs: Attrs = {}): HTMLButtonElement {
  return h('button', { type: 'button', ...attrs, onclick: onClick }, label);
}

export function table(headers: MessageKey[], rows: Node[][], testid: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty', 'data-testid': `${testid}-empty` }, t('none'));
  return h(
    'table',
    { 'data-testid': testid },
    h('thead', {}, h('tr', {}, ...headers.map((key) => h('th', { scope: 'col' }, t(key))))),
    h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells.map((cell) => h('td', {}, cell))))),
  );
}

export const text = (value: string | number | boolean | undefined | null): Node =>
  document.createTextNode(value === undefined || value === null ? '' : String(value));

export function pageTitle(key: MessageKey, vars: Record<string, string> = {}): HTMLElement {
  const title = t(key, vars);
  document.title = `${title} — pos-bridge`;
  return h('h1', { tabindex: -1, 'data-testid': 'page-title' }, title);
}

/** Lines of a unified diff, coloured by class (no inline styles under the CSP). */
export function diffView(diff: string, testid = 'diff'): HTMLElement {
  const lines = diff.split('\n').map((line) => {
    const kind =
      line.startsWith('+') && !line.startsWith('+++')
        ? 'add'
        : line.startsWith('-') && !line.startsWith('---')
          ? 'del'
          : line.startsWith('@@')
            ? 'hunk'
            : '';
    return h('span', { class: `diff-line ${kind}` }, `${line}\n`);
  });
  return h('pre', { class: 'diff', 'data-testid': testid }, ...lines);
}
