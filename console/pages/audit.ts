// #/audit: who did what, newest first, a page at a time.
import { get } from '../api.js';
import { field, h } from '../dom.js';
import { formatTime, t } from '../i18n.js';
import { button, messageArea, pageTitle, table, text } from '../ui.js';
import type { AuditEntry } from '../../src/admin/wire.js';

const PAGE = 100;

export async function renderAudit(main: HTMLElement): Promise<void> {
  const action = h('input', { type: 'text', 'data-testid': 'audit-action', placeholder: 'mapping.apply' });
  const message = messageArea();
  const holder = h('div', {});
  let entries: AuditEntry[] = [];
  const more = button(t('older'), () => void load(true), { 'data-testid': 'audit-older', hidden: true });
  const load = async (older: boolean) => {
    message.clear();
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (action.value.trim()) query.set('action', action.value.trim());
    const last = entries[entries.length - 1];
    if (older && last) query.set('before', last.id);
    try {
      const page = await get<AuditEntry[]>(`/api/audit?${query.toString()}`);
      entries = older ? [...entries, ...page] : page;
      more.hidden = page.length < PAGE;
      const rows = entries.map((entry) => [
        text(formatTime(entry.at)),
        text(entry.who),
        text(entry.role),
        h('code', {}, entry.action),
        text(entry.target),
        text(
          entry.details
            ? Object.entries(entry.details)
                .map(([key, value]) => `${key}=${String(value)}`)
                .join(', ')
            : '',
        ),
      ]);
      holder.replaceChildren(table(['colTime', 'colWho', 'colRole', 'colAction', 'colTargetObj', 'colDetails'], rows, 'audit-table'));
    } catch (error) {
      message.error(error);
    }
  };
  const form = h(
    'form',
    { class: 'inline' },
    field(t('action'), action),
    h('button', { type: 'submit', 'data-testid': 'audit-filter' }, t('filter')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void load(false);
  });
  main.replaceChildren(pageTitle('auditTitle'), form, message.element, holder, more);
  await load(false);
}
