// file-storage-service: multipart upload (pos-edms-api.md §5) and the attachment download the
// appeals' absolute URLs point at, named through RFC 6266/5987 Content-Disposition. A file is
// readable only by its organisation: the uploader, or the current owner of the appeal it belongs to.
import type { FastifyInstance } from 'fastify';
import { requireCaller } from './auth-routes.js';
import { messages, notYours, type EmulatorContext } from './context.js';
import { downloadPath } from './state.js';
import type { StoredFile } from './types.js';

/** RFC 5987 value-chars: percent-encode everything but attr-char (encodeURIComponent leaves '()* too). */
function rfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A plain-ASCII stand-in for old clients: non-ASCII, quotes and backslashes become `_`. */
function asciiFallback(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '_')
    .replace(/["\\]/g, '_');
  return ascii.trim() || 'file';
}

export function contentDisposition(name: string): string {
  return `attachment; filename="${asciiFallback(name)}"; filename*=UTF-8''${rfc5987(name)}`;
}

export function registerFileRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const ownerOf = (file: StoredFile): string | undefined =>
    file.uploadedBy ?? (file.appealKey === undefined ? undefined : ctx.state.find(file.appealKey)?.owner);

  app.post('/file-storage-service/filestorage', async (request, reply) => {
    const caller = requireCaller(ctx, request, reply);
    if (!caller) return reply;
    const part = await request.file({ limits: { fileSize: ctx.state.settings.maxUploadBytes, files: 1 } });
    if (!part || part.fieldname !== 'file') return reply.code(400).send(messages('multipart field "file" is required'));
    const data = await part.toBuffer(); // throws FST_REQ_FILE_TOO_LARGE (413) past the limit
    const file = ctx.state.addFile(part.filename || 'file', part.mimetype || 'application/octet-stream', data, true, {
      uploadedBy: caller.clientId,
    });
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
    const caller = requireCaller(ctx, request, reply);
    if (!caller) return reply;
    const file = ctx.state.files.get(request.params.id);
    if (!file) return reply.code(404).send(messages(`Файл ${request.params.id} не найден`));
    if (ownerOf(file) !== caller.clientId) return reply.code(403).send(notYours(`Файл ${request.params.id}`));
    return reply
      .header('Content-Type', file.contentType)
      .header('Content-Length', String(file.data.length))
      .header('Content-Disposition', contentDisposition(file.name))
      .send(file.data);
  });
}
