// #/appeal[/<posId>]: what the bridge did with one ПОС appeal.
import { enc, get } from '../api.js';
import { clear, field, h } from '../dom.js';
import { formatTime, t, type MessageKey } from '../i18n.js';
import { navigate } from '../router.js';
import { messageArea, pageTitle, table, text } from '../ui.js';
import type { AppealView } from '../../src/admin/wire.js';

export async function renderAppeal(main: HTMLElement, param?: string): Promise<void> {
  const posId = h('input', {
    type: 'number',
    min: 1,
    step: 1,
    inputmode: 'numeric',
    required: true,
    value: param ?? '',
    'data-testid': 'appeal-posid',
  });
  const message = messageArea();
  const holder = h('div', { 'data-testid': 'appeal-view' });
  const form = h(
    'form',
    { class: 'inline', 'data-testid': 'appeal-form' },
    field(t('posId'), posId),
    h('button', { type: 'submit', 'data-testid': 'appeal-find' }, t('find')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (posId.value) navigate(`#/appeal/${enc(posId.value)}`);
  });
  main.replaceChildren(pageTitle('appealTitle'), form, message.element, holder);
  if (!param) return posId.focus();
  try {
    const appeal = await get<AppealView>(`/api/appeals/${enc(param)}`);
    const facts: [MessageKey, string | undefined][] = [
      ['colPosId', String(appeal.posId)],
      ['colOrganisation', appeal.organisation],
      ['state', appeal.state],
      ['colEdmsId', appeal.edmsId],
      ['colRegNumber', appeal.regNumber],
      ['regDate', appeal.regDate],
      ['colDeadline', appeal.deadline],
      ['colExecutor', appeal.executor],
    ];
    clear(
      holder,
      h(
        'dl',
        { class: 'facts' },
        ...facts.filter(([, value]) => value !== undefined).flatMap(([key, value]) => [h('dt', {}, t(key)), h('dd', {}, value ?? '')]),
      ),
      h('h2', {}, t('pushed')),
      table(
        ['colStep', 'colStatus', 'colTime'],
        appeal.pushed.map((push) => [
          text(push.step),
          text(push.statusText ? `${push.status}: ${push.statusText}` : push.status),
          text(formatTime(push.at)),
        ]),
        'appeal-pushed',
      ),
      appeal.lastError &&
        h(
          'section',
          { class: 'message error', 'data-testid': 'appeal-last-error' },
          h('h2', {}, t('lastError')),
          h('code', {}, appeal.lastError.code),
          ` ${appeal.lastError.message} (${formatTime(appeal.lastError.at)})`,
        ),
    );
  } catch (error) {
    message.error(error);
  }
}
