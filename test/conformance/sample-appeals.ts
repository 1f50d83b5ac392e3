// Small, deterministic ПОС appeals and file bodies for the conformance suite. Stand-in for the
// shared fixtures generator: only what the suite needs, nothing random.
import type { AppealFile } from '../../adapters/contract.js';
import type { PosAppeal } from '../../src/pos/schemas.js';

const SURNAMES = ['Иванова', 'Петров', 'Сидоренко', 'Кузнецова', 'Ёлкин', 'Смирнов'];
const NAMES = ['Мария', 'Алексей', 'Ольга', 'Дмитрий', 'Анна', 'Сергей'];
const PATRONYMICS = ['Ивановна', 'Петрович', 'Сергеевна', 'Олегович', 'Андреевна', 'Ильич'];
const TOPICS = [
  'Не убран снег во дворе дома, тротуары не посыпаны противогололёдными средствами.',
  'Третью неделю не вывозят мусор с контейнерной площадки, контейнеры переполнены.',
  'Во дворе не работает уличное освещение, вечером небезопасно ходить с детьми.',
  'Яма на проезжей части у остановки «Школа № 5», машины объезжают по встречной полосе.',
];

let nextId = 700_000 + (process.pid % 1000) * 1000;

/** A fresh ПОС appeal id, unique within the test process. */
export function nextPosId(): number {
  nextId += 1;
  return nextId;
}

export interface SampleAppealOptions {
  id?: number;
  description?: string;
  coApplicants?: number;
}

export function sampleAppeal(options: SampleAppealOptions = {}): PosAppeal {
  const id = options.id ?? nextPosId();
  const k = id % SURNAMES.length;
  const created = new Date(Date.UTC(2025, 2, 1 + (id % 27), 9, id % 60));
  const answerAt = new Date(created.getTime() + 30 * 86_400_000);
  const person = (shift: number) => ({
    surname: SURNAMES[(k + shift) % SURNAMES.length]!,
    name: NAMES[(k + shift) % NAMES.length]!,
    patronymic: PATRONYMICS[(k + shift) % PATRONYMICS.length]!,
    email: `citizen${id}-${shift}@example.ru`,
    phone: `+7 (912) 555-${String(1000 + ((id + shift) % 9000)).padStart(4, '0')}`,
    postAddress: `г. Пермь, ул. Ленина, д. ${1 + (id % 90)}, кв. ${1 + shift}`,
    sendWithRussiaPost: false,
  });
  return {
    id,
    description: options.description ?? `${TOPICS[id % TOPICS.length]} Прошу принять меры. Обращение № ${id}.`,
    createdAt: created.toISOString(),
    answerAt: answerAt.toISOString(),
    subjectId: 10 + (id % 3),
    subjectName: 'Благоустройство',
    subsubjectId: 100 + (id % 5),
    subsubjectName: 'Уборка территории',
    factName: 'Неудовлетворительное содержание двора',
    fastTrack: false,
    regionId: 59,
    regionName: 'Пермский край',
    address: `г. Пермь, ул. Ленина, д. ${1 + (id % 90)}`,
    opaId: 4242,
    opaName: 'Администрация города Перми',
    shared: (options.coApplicants ?? 0) > 0,
    applicant: person(0),
    coApplicants: Array.from({ length: options.coApplicants ?? 0 }, (_, i) => person(i + 1)),
    attachments: [],
  };
}

/** A small but well-formed one-page PDF whose text mentions `label`. */
export function samplePdf(label: string): Buffer {
  const text = `BT /F1 12 Tf 72 720 Td (${label.replace(/[()\\]/g, '')}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/** Bytes that look like a JPEG (SOI/EOI markers) with every byte value inside, deterministic per seed. */
export function sampleJpeg(seed: number, size = 4096): Buffer {
  const data = Buffer.alloc(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = x & 0xff;
  }
  data[0] = 0xff; data[1] = 0xd8; data[size - 2] = 0xff; data[size - 1] = 0xd9;
  return data;
}

/** The two attachments every registration case sends: Cyrillic names, a PDF and a binary image. */
export function sampleFiles(posId: number): AppealFile[] {
  return [
    { name: 'Заявление гражданина.pdf', contentType: 'application/pdf', data: samplePdf(`Appeal ${posId}`) },
    { name: 'Фото двора №1.jpg', contentType: 'image/jpeg', data: sampleJpeg(posId) },
  ];
}

/** Text of exactly `length` characters: Cyrillic, punctuation, line breaks and a non-BMP character. */
export function longText(length: number): string {
  const unit = 'Жители дома просят разобраться с ситуацией — «срочно»!\nПовтор 😀 ';
  let text = '';
  while (text.length < length) text += unit;
  let head = text.slice(0, length - 3);
  // Never end on half a surrogate pair: that would not be valid UTF-8 text anywhere.
  if (/[\uD800-\uDBFF]$/.test(head)) head = `${head.slice(0, -1)} `;
  return `${head}КОН`;
}
