// Plays the EDMS side in the demo: the clerks who take registered appeals into work, prolong some,
// answer most, forward or reject a few. Each appeal's fate follows from its id, so runs repeat.
import type { AppealFile, EdmsControl, Official } from '../../adapters/contract.js';
import { onePagePdf } from '../../fixtures/pdf.js';

export type Fate = 'answer' | 'postpone-then-answer' | 'forward' | 'reject';

type Action = (control: EdmsControl, edmsId: string, posId: number) => Promise<void>;

const EXECUTORS: Official[] = [
  { surname: 'Кузнецова', name: 'Марина', patronymic: 'Игоревна', email: 'kuznetsova@adm.example.ru', phone: '+7 495 000-10-01' },
  { surname: 'Орлов', name: 'Денис', patronymic: 'Сергеевич', email: 'orlov@adm.example.ru', phone: '+7 495 000-10-02' },
  { surname: 'Белова', name: 'Анна', patronymic: 'Петровна', email: 'belova@adm.example.ru', phone: '+7 495 000-10-03' },
];
const MANAGER: Official = { surname: 'Громов', name: 'Игорь', patronymic: 'Васильевич', email: 'gromov@adm.example.ru' };

export function fateOf(posId: number): Fate {
  const slot = posId % 20;
  if (slot < 12) return 'answer';
  if (slot < 15) return 'postpone-then-answer';
  if (slot < 18) return 'forward';
  return 'reject';
}

/** The answer letter a clerk attaches: a small valid PDF. */
export function answerPdf(posId: number): AppealFile {
  return { name: `Ответ на обращение ${posId}.pdf`, contentType: 'application/pdf', data: onePagePdf(`Answer to appeal ${posId}`) };
}

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString();
}

const assign: Action = (control, edmsId, posId) => control.assign(edmsId, EXECUTORS[posId % EXECUTORS.length]!, MANAGER);
const answer: Action = (control, edmsId, posId) =>
  control.answer(edmsId, {
    text: 'Меры приняты, работы выполнены. Благодарим за обращение.',
    file: answerPdf(posId),
    resolution: 'ActionsTaken',
  });

const SCRIPTS: Record<Fate, Action[]> = {
  answer: [assign, answer],
  'postpone-then-answer': [assign, (control, edmsId) => control.postpone(edmsId, inDays(20), 'Требуется выезд комиссии'), answer],
  forward: [assign, (control, edmsId) => control.forward(edmsId, 'Министерство транспорта и дорожной инфраструктуры')],
  reject: [(control, edmsId) => control.reject(edmsId, 'Обращение не содержит сути предложения, заявления или жалобы')],
};

/** Moves each appeal one step further per tick, so statuses arrive in ПОС spread over time. */
export class ClerkPlay {
  private readonly nextStep = new Map<number, number>();
  readonly fates = new Map<Fate, number>();

  constructor(private readonly control: EdmsControl) {}

  /** Acts on the given (registered) appeals; returns how many actions it took. */
  async tick(appeals: { posId: number; edmsId: string }[]): Promise<number> {
    let actions = 0;
    for (const { posId, edmsId } of appeals) {
      const fate = fateOf(posId);
      const step = this.nextStep.get(posId) ?? 0;
      const script = SCRIPTS[fate];
      if (step >= script.length) continue;
      if (step === 0) this.fates.set(fate, (this.fates.get(fate) ?? 0) + 1);
      await script[step]!(this.control, edmsId, posId);
      this.nextStep.set(posId, step + 1);
      actions += 1;
    }
    return actions;
  }

  finished(posId: number): boolean {
    return (this.nextStep.get(posId) ?? 0) >= SCRIPTS[fateOf(posId)].length;
  }
}
