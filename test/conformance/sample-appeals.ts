// Deterministic ПОС appeals (from the shared fixtures generator) and file bodies for the
// conformance suite: Cyrillic file names, a real PDF, binary images, very long texts.
import type { AppealFile } from '../../adapters/contract.js';
import { onePagePdf } from '../../fixtures/pdf.js';
import { generateAppeals, toPosAppeal } from '../../fixtures/generator.js';
import type { PosAppeal } from '../../src/pos/schemas.js';

// Fixed start: each test file gets the same appeals on every run (ids only need to be unique per EDMS).
let nextId = 700_000;

/** A fresh ПОС appeal id, unique within the test process. */
export function nextPosId(): number {
  nextId += 1;
  return nextId;
}

export interface SampleAppealOptions {
  id?: number;
  description?: string;
}

/** A realistic appeal from the shared generator (seeded by its id), attachments left to the caller. */
export function sampleAppeal(options: SampleAppealOptions = {}): PosAppeal {
  const id = options.id ?? nextPosId();
  const [seed] = generateAppeals(1, { seed: id, startId: id, now: new Date('2025-03-20T09:00:00Z') });
  const appeal = toPosAppeal(seed!, () => '');
  return { ...appeal, attachments: [], ...(options.description !== undefined ? { description: options.description } : {}) };
}

/** A small but well-formed one-page PDF whose text mentions `label`. */
export const samplePdf = onePagePdf;

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
  data[0] = 0xff;
  data[1] = 0xd8;
  data[size - 2] = 0xff;
  data[size - 1] = 0xd9;
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
