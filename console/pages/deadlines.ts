// #/deadlines: appeals whose answer is due soon or overdue, grouped by organisation.
import { get, enc } from '../api.js';
import { field, h } from '../dom.js';
import { formatDate, formatTime, t, type MessageKey } from '../i18n.js';
import { messageArea, pageTitle, table, text } from '../ui.js';
import type { DeadlineItem, DeadlinesView as Deadlines } from '../../src/admin/wire.js';

const WINDOWS: [string, MessageKey][] = [
  ['1d', 'd1'],
  ['3d', 'd3'],
  ['7d', 'd7'],
  ['14d', 'd14'],
  ['30d', 'd30'],
];

export async function renderDeadlines(main: HTMLElement): Promise<void> {
  const within = h(
    'select',
    { 'data-testid': 'deadlines-within' },
    ...WINDOWS.map(([value, key]) => h('option', { value, selected: value === '3d' }, t(key))),
  );
  const message = messageArea();
  const holder = h('div', { 'data-testid': 'deadlines' });
  const load = async () => {
    message.clear();
    try {
      const answer = await get<Deadlines>(`/api/deadlines?within=${enc(within.value)}`);
      // The server sends items grouped (consecutive) by organisation.
      const groups: DeadlineItem[][] = [];
      for (const item of answer.items) {
        const last = groups[groups.length - 1];
        if (last && last[0]!.organisation === item.organisation) last.push(item);
        else groups.push([item]);
      }
      holder.replaceChildren(
        h('p', { class: 'note' }, t('generatedAt', { at: formatTime(answer.generatedAt, answer.timeZone), zone: answer.timeZone })),
        ...(groups.length === 0 ? [h('p', { class: 'empty', 'data-testid': 'deadlines-empty' }, t('none'))] : []),
        ...groups.map((items) =>
          h(
            'section',
            { 'data-testid': `deadlines-${items[0]!.organisation}` },
            h('h2', {}, items[0]!.organisation),
            table(
              ['colPosId', 'colDeadline', 'colDaysLeft', 'colRegNumber', 'colExecutor', 'colEdmsId'],
              items.map((item) => [
                h('a', { href: `#/appeal/${item.posId}` }, String(item.posId)),
                h('time', { datetime: item.deadline }, formatDate(item.deadline, answer.timeZone)),
                item.daysLeft < 0 ? h('strong', { class: 'overdue' }, `${item.daysLeft} (${t('overdue')})`) : text(item.daysLeft),
                text(item.regNumber),
                text(item.executor),
                text(item.edmsId),
              ]),
              `deadlines-table-${items[0]!.organisation}`,
            ),
          ),
        ),
      );
    } catch (error) {
      message.error(error);
    }
  };
  within.addEventListener('change', () => void load());
  main.replaceChildren(pageTitle('deadlinesTitle'), field(t('within'), within), message.element, holder);
  await load();
}
