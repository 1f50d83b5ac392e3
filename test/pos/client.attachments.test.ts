// Attachment helpers: file names from Content-Disposition and URLs, safe names, bounded reads and
// the multipart upload body.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FileTooLargeError } from '../../src/errors.js';
import {
  attachmentName,
  checkAnnouncedLength,
  fileNameFromContentDisposition,
  fileNameFromUrl,
  multipartFileBody,
  readLimited,
  sanitizeFileName,
} from '../../src/pos/attachments.js';

const latin1View = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

describe('fileNameFromContentDisposition', () => {
  it.each([
    [`attachment; filename*=UTF-8''%D0%A4%D0%BE%D1%82%D0%BE.jpg`, 'Фото.jpg'],
    [`attachment; filename="fallback.jpg"; filename*=UTF-8''%D0%A4%D0%BE%D1%82%D0%BE.jpg`, 'Фото.jpg'],
    [`attachment; filename*=utf-8'ru'%D0%B0%20%D0%B1.txt; filename="x.txt"`, 'а б.txt'],
    [`attachment; filename*=ISO-8859-1''caf%E9.txt`, 'café.txt'],
    [`attachment; filename*="UTF-8''%D0%BF.pdf"`, 'п.pdf'],
    ['attachment; filename="report; final.pdf"', 'report; final.pdf'],
    ['attachment; filename="say \\"hi\\".txt"', 'say "hi".txt'],
    ['attachment; filename=plain.txt', 'plain.txt'],
    ['inline; FILENAME="Upper.PDF"', 'Upper.PDF'],
    [latin1View('attachment; filename="Жалоба.docx"'), 'Жалоба.docx'],
    ['attachment; filename="%D0%A1%D0%BA%D0%B0%D0%BD.png"', 'Скан.png'],
    ['attachment; filename="100%25 done.txt"', '100%25 done.txt'],
    ['attachment; filename="../../etc/passwd"', 'passwd'],
    ['attachment; filename="C:\\\\Users\\\\a\\\\doc.txt"', 'doc.txt'],
  ])('%s → %s', (header, expected) => {
    expect(fileNameFromContentDisposition(header)).toBe(expected);
  });

  it('falls back to filename when filename* is broken', () => {
    expect(fileNameFromContentDisposition(`attachment; filename*=UTF-8''%FF%FE.txt; filename="ok.txt"`)).toBe('ok.txt');
    expect(fileNameFromContentDisposition(`attachment; filename*=KOI8-R''%F0.txt; filename="ok.txt"`)).toBe('ok.txt');
  });

  it('gives nothing when there is no usable name', () => {
    expect(fileNameFromContentDisposition(undefined)).toBeUndefined();
    expect(fileNameFromContentDisposition('attachment')).toBeUndefined();
    expect(fileNameFromContentDisposition('attachment; filename=""')).toBeUndefined();
    expect(fileNameFromContentDisposition('attachment; filename=".."')).toBeUndefined();
  });
});

describe('names from URLs and sanitising', () => {
  it('uses the last path segment, decoded, ignoring the query', () => {
    expect(fileNameFromUrl('https://pos.test/files/%D0%BF%D0%BB%D0%B0%D0%BD.png?token=1')).toBe('план.png');
    expect(fileNameFromUrl('https://pos.test/files/abc/')).toBe('abc');
    expect(fileNameFromUrl('https://pos.test/')).toBe('attachment');
    expect(fileNameFromUrl('https://pos.test/bad%E0name')).toBe('bad%E0name');
  });

  it('prefers the header and falls back to the URL', () => {
    expect(attachmentName('https://pos.test/files/42', 'attachment; filename="a.pdf"')).toBe('a.pdf');
    expect(attachmentName('https://pos.test/files/42', 'attachment')).toBe('42');
  });

  it('strips control characters and keeps the extension of a very long name', () => {
    expect(sanitizeFileName('a\u0000b\r\nc.txt')).toBe('abc.txt');
    const long = sanitizeFileName(`${'я'.repeat(400)}.pdf`)!;
    expect(long).toHaveLength(255);
    expect(long.endsWith('.pdf')).toBe(true);
  });
});

describe('size limits', () => {
  it('checkAnnouncedLength refuses a Content-Length over the limit', () => {
    expect(() => checkAnnouncedLength('2000', 1000, 'download')).toThrow(FileTooLargeError);
    expect(() => checkAnnouncedLength('1000', 1000, 'download')).not.toThrow();
    expect(() => checkAnnouncedLength(undefined, 1000, 'download')).not.toThrow();
  });

  it('readLimited stops pulling from the stream once past the limit', async () => {
    let pulled = 0;
    const source = new Readable({
      read() {
        pulled += 1;
        this.push(pulled > 10_000 ? null : Buffer.alloc(100));
      },
    });
    await expect(readLimited(source, 250, 'download')).rejects.toBeInstanceOf(FileTooLargeError);
    expect(pulled).toBeLessThan(100);
    expect(source.destroyed).toBe(true);
  });

  it('readLimited returns everything within the limit', async () => {
    const data = await readLimited(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4, 'download');
    expect(data.toString()).toBe('abcd');
  });
});

describe('multipartFileBody', () => {
  it('keeps the UTF-8 name and escapes quotes and line breaks', () => {
    const { body, contentType } = multipartFileBody('file', {
      name: 'Ответ "итог"\r\n.pdf',
      contentType: 'application/pdf',
      data: Buffer.from([0, 1, 2]),
    });
    const boundary = /boundary=(.+)$/.exec(contentType)![1]!;
    const text = body.toString('utf8');
    expect(text.startsWith(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="Ответ %22итог%22%0D%0A.pdf"\r\n`)).toBe(
      true,
    );
    expect(body.subarray(body.length - boundary.length - 8).toString()).toBe(`\r\n--${boundary}--\r\n`);
    expect(body.includes(Buffer.from([0, 1, 2]))).toBe(true);
  });
});
