import { describe, expect, it } from 'vitest';
import type { EdmsProgress } from '../../adapters/contract.js';
import type { StatusMap } from '../../src/mapping/types.js';
import { posAnswerSchema } from '../../src/pos/schemas.js';
import { deriveSteps, missingSteps } from '../../src/pipeline/status.js';

const map: StatusMap = {
  registered: { status: 'Зарегистрировано', statusText: 'Обращение зарегистрировано' },
  in_work: { status: 'В работе', statusText: 'Обращение принято в работу' },
  postponed: { status: 'В работе', statusText: 'Срок рассмотрения продлён', appealAnswerType: 'POSTPONED' },
  forwarded: { status: 'Закрыто', statusText: 'Обращение перенаправлено', appealAnswerType: 'FORWARDED' },
  answered: { status: 'Закрыто', statusText: 'Обращение рассмотрено', appealAnswerType: 'SOLVED', notifyApplicant: true },
  rejected: { status: 'Закрыто', statusText: 'Обращение отклонено', appealAnswerType: 'REJECTED' },
  answerTypeByResolution: { Denied: 'REJECTED', Explained: 'SOLVED' },
};
const now = new Date('2026-12-01T00:00:00Z');

function progress(over: Partial<EdmsProgress>): EdmsProgress {
  return { posId: 7, edmsId: '70', state: 'registered', postponements: [], updatedAt: now.toISOString(), ...over };
}

const full = progress({
  state: 'answered',
  registration: { number: 'ОГ-1/26', date: '2026-11-20T10:00:00Z' },
  executor: { surname: 'Петров', name: 'Пётр' },
  manager: { surname: 'Сидорова', name: '' },
  postponements: [
    { until: '2026-11-25T00:00:00Z', reason: 'already passed' },
    { until: '2026-12-20T00:00:00Z', reason: 'нужна экспертиза' },
  ],
  answer: { text: 'Яма заделана', resolution: 'Explained', files: [{ ref: 'v1', name: 'Ответ.pdf', contentType: 'application/pdf' }] },
});

describe('status derivation', () => {
  it('orders steps by lifecycle and skips postponements already past', () => {
    const steps = deriveSteps(full, map, now);
    expect(steps.map((s) => s.key)).toEqual(['registered', 'in_work', 'postponed:2026-12-20T00:00:00Z', 'final']);
    expect(steps[0]!.body).toMatchObject({ id: 7, answer: false, status: 'Зарегистрировано', regNumber: 'ОГ-1/26' });
    expect(steps[1]!.body.executorInfo).toEqual({ surname: 'Петров', name: 'Пётр' });
    expect(steps[1]!.body.managerInfo).toEqual({ surname: 'Сидорова' });
    expect(steps[2]!.body).toMatchObject({ appealAnswerType: 'POSTPONED', postponedDate: '2026-12-20T00:00:00Z', answer: false });
    expect(steps[3]!.body).toMatchObject({ answer: true, appealAnswerType: 'SOLVED', answerText: 'Яма заделана', notifyApplicant: true });
    expect(steps[3]!.files).toHaveLength(1);
  });

  it('produces bodies ПОС accepts', () => {
    for (const step of deriveSteps(full, map, now)) {
      const body = step.files.length ? { ...step.body, attachmentIds: ['f1'] } : step.body;
      expect(posAnswerSchema.safeParse(body).success).toBe(true);
    }
    for (const state of ['forwarded', 'rejected'] as const) {
      const steps = deriveSteps(progress({ state, forwardedTo: 'Минтранс', rejection: { reason: 'Не по компетенции' } }), map, now);
      const final = steps.at(-1)!;
      expect(final.key).toBe('final');
      expect(posAnswerSchema.safeParse(final.body).success).toBe(true);
    }
  });

  it('takes the answer type from the EDMS verdict when the map has one', () => {
    const denied = progress({ state: 'answered', answer: { text: 'Нет оснований', resolution: 'Denied', files: [] } });
    expect(deriveSteps(denied, map, now).at(-1)!.body.appealAnswerType).toBe('REJECTED');
  });

  it('sends only what was not delivered, and nothing after the final answer', () => {
    const steps = deriveSteps(full, map, now);
    expect(missingSteps(steps, new Set(['registered'])).map((s) => s.key)).toEqual(['in_work', 'postponed:2026-12-20T00:00:00Z', 'final']);
    expect(missingSteps(steps, new Set(['final']))).toEqual([]);
    // A stale snapshot (older progress) derives a subset of what was delivered: nothing to send.
    const older = deriveSteps(progress({ state: 'registered', registration: full.registration }), map, now);
    expect(missingSteps(older, new Set(steps.slice(0, 2).map((s) => s.key)))).toEqual([]);
  });

  it('derives nothing for a record the EDMS has not registered yet', () => {
    expect(deriveSteps(progress({ state: 'received' }), map, now)).toEqual([]);
  });
});
