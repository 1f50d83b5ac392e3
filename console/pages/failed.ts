// #/failed: jobs that ran out of attempts; retry or drop one, or retry every job failed with a code.
import { del, enc, get, post } from '../api.js';
import { h } from '../dom.js';
import { formatTime, t, type MessageKey } from '../i18n.js';
import { guard } from '../session.js';
import { button, messageArea, pageTitle, table, text } from '../ui.js';

interface FailedJob {
  id: string;
  organisation?: string;
  queue: string;
  name: string;
  posId?: number;
  attemptsMade: number;
  failedAt?: string;
  error: { code: string; message: string };
}

export async function renderFailed(main: HTMLElement): Promise<void> {
  const message = messageArea();
  const holder = h('div', {});
  const load = async () => {
    try {
      const jobs = await get<FailedJob[]>('/api/failed');
      holder.replaceChildren(failedTable(jobs));
    } catch (error) {
      message.error(error);
    }
  };
  const act = (call: Promise<unknown>, done: (answer: unknown) => string) => {
    message.clear();
    call
      .then(async (answer) => {
        message.ok(done(answer));
        await load();
      })
      .catch((error: unknown) => message.error(error));
  };

  const failedTable = (jobs: FailedJob[]) => {
    const organisations = new Set(jobs.map((job) => job.organisation ?? ''));
    const several = organisations.size > 1;
    const headers: MessageKey[] = [
      'colPosId',
      ...(several ? (['colOrganisation'] as const) : []),
      'colCode',
      'colMessage',
      'colTime',
      'colAttempts',
      'colActions',
    ];
    const rows = jobs.map((job) => [
      text(job.posId ?? job.name),
      ...(several ? [text(job.organisation)] : []),
      h('code', {}, job.error.code),
      text(job.error.message),
      text(formatTime(job.failedAt)),
      text(job.attemptsMade),
      h(
        'div',
        { class: 'row-actions' },
        guard(
          button(t('retry'), () => act(post(`/api/failed/${enc(job.id)}/retry`), () => t('retried', { count: 1 })), {
            'data-testid': `retry-${job.id}`,
          }),
          'operator',
        ),
        guard(
          button(t('drop'), () => act(del(`/api/failed/${enc(job.id)}`), () => t('dropped')), {
            'data-testid': `drop-${job.id}`,
            class: 'danger',
          }),
          'operator',
        ),
        guard(
          button(
            t('retryCode', { code: job.error.code }),
            () =>
              act(
                post('/api/failed/retry', {
                  code: job.error.code,
                  ...(several && job.organisation ? { organisation: job.organisation } : {}),
                }),
                (answer) => t('retried', { count: (answer as { retried?: number }).retried ?? 0 }),
              ),
            { 'data-testid': `retry-code-${job.id}` },
          ),
          'operator',
        ),
      ),
    ]);
    return table(headers, rows, 'failed-table');
  };

  main.replaceChildren(
    pageTitle('failedTitle'),
    button(t('refresh'), () => void load(), { 'data-testid': 'failed-refresh' }),
    message.element,
    holder,
  );
  await load();
}
