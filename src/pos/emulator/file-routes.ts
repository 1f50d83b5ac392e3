// file-storage-service: multipart upload (pos-edms-api.md §5) and the attachment download the
// appeals' absolute URLs point at, named through RFC 6266/5987 Content-Disposition.
import type { FastifyInstance } from 'fastify';
import { messages, type EmulatorContext } from './context.js';
import { downloadPath } from './state.js';

/** RFC 5987 value-chars: percent-encode everything but attr-char (encodeURIComponent leaves '()* too). */
function rfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A plain-ASCII stand-in for old clients: non-ASCII, quotes and backslashes become `_`. */
function asciiFallback(name: string): string {
  const ascii = name.normalize('NFKD').replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return ascii.trim() || 'file';
}

export function contentDisposition(name: string): string {
  return `attachment; filename="${asciiFallback(name)}"; filename*=UTF-8''${rfc5987(name)}`;
}

export function registerFileRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post('/file-storage-service/filestorage', async (request, reply) => {
    const part = await request.file({ limits: { fileSize: ctx.state.settings.maxUploadBytes, files: 1 } });
    if (!part || part.fieldname !== 'file') return reply.code(400).send(messages('multipart field "file" is required'));
    const data = await part.toBuffer(); // throws FST_REQ_FILE_TOO_LARGE (413) past the limit
    const file = ctx.state.addFile(part.filename || 'file', part.mimetype || 'application/octet-stream', data, true);
    ctx.state.filesUploaded += 1;
    return {
      id: file.id,
      name: file.name,
      size: data.length,
      contentType: file.contentType,
      temporary: true,
      url: `${ctx.baseUrl()}${downloadPath(file.id)}`,
      createdAt: file.createdAt,
    };
  });

  app.get<{ Params: { id: string } }>('/file-storage-service/filestorage/:id', async (request, reply) => {
    const file = ctx.state.files.get(request.params.id);
    if (!file) return reply.code(404).send(messages(`Файл ${request.params.id} не найден`));
    return reply
      .header('Content-Type', file.contentType)
      .header('Content-Length', String(file.data.length))
      .header('Content-Disposition', contentDisposition(file.name))
      .send(file.data);
  });
}
