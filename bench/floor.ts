// The raw floor: the HTTP calls the bridge makes for a backlog, and nothing else. One page reader
// feeds WORKER_CONCURRENCY workers through an in-memory list; each worker downloads the appeal's
// attachments, makes the Directum RX calls DirectumAdapter.register makes (bench/floor-directum.ts)
// and marks the appeal accepted. Same keep-alive HTTP stack as the bridge (createHttpClient), no
// queue, no Redis, no mapping engine (the bench maps every appeal before the floor starts and
// hands the records over in FLOOR_RECORDS), no encryption, no schema checks of responses.
// Run by the bench as a child process with the lab's settings; prints one JSON line when done.
import { readFileSync } from 'node:fs';
import type { AxiosInstance } from 'axios';
import type { AppealFile } from '../adapters/contract.js';
import type { DirectumRecord } from '../adapters/directum-rx/record.js';
import { createHttpClient, type HttpObserver } from '../src/http/client.js';
import { attachmentContentType, attachmentName } from '../src/pos/attachments.js';
import { DirectumCalls } from './floor-directum.js';

interface PageItem {
  id: number;
  attachments?: string[] | null;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

class PosCalls {
  private token = '';

  constructor(private readonly http: AxiosInstance) {}

  async login(): Promise<void> {
    const [id, secret] = required('POS_PLATFORM_CLIENT').split(':');
    const form = new URLSearchParams({
      grant_type: 'password',
      username: required('POS_CLIENT_ID'),
      password: required('POS_CLIENT_SECRET'),
      scope: 'any',
    });
    const response = await this.http.post<{ access_token: string }>('/user-service/oauth/token', form.toString(), {
      headers: {
        Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
    });
    this.token = response.data.access_token;
  }

  private get auth(): Record<string, string> {
    return { Authorization: `Bearer ${this.token}` };
  }

  async page(page: number, size: number): Promise<{ content: PageItem[]; last: boolean }> {
    const response = await this.http.get<{ content: PageItem[]; last: boolean }>('/appeal-service/edms', {
      params: { page, size },
      headers: this.auth,
    });
    return response.data;
  }

  async download(url: string): Promise<AppealFile> {
    const response = await this.http.get<ArrayBuffer>(url, { responseType: 'arraybuffer', headers: { ...this.auth, Accept: '*/*' } });
    const disposition = response.headers['content-disposition'];
    return {
      name: attachmentName(url, typeof disposition === 'string' ? disposition : undefined),
      contentType: attachmentContentType(response.headers['content-type']),
      data: Buffer.from(response.data),
    };
  }

  async accept(posId: number): Promise<void> {
    await this.http.post(`/appeal-service/edms/${posId}/mark-accepted`, undefined, { headers: this.auth });
  }
}

/** Per-route request latencies, for the summary line: where the floor's time goes. */
const latencies = new Map<string, number[]>();
const observer: HttpObserver = (event) => {
  const route = `${event.method} ${event.route.replace(/\/file-storage-service\/filestorage\/.*/, '/file-storage-service/filestorage/{id}')}`;
  let list = latencies.get(route);
  if (!list) latencies.set(route, (list = []));
  list.push(event.seconds * 1000);
};

function latencySummary(): Record<string, { count: number; p50Ms: number }> {
  const summary: Record<string, { count: number; p50Ms: number }> = {};
  for (const [route, values] of latencies) {
    values.sort((a, b) => a - b);
    summary[route] = { count: values.length, p50Ms: Number(values[Math.floor(values.length / 2)]!.toFixed(2)) };
  }
  return summary;
}

async function main(): Promise<void> {
  const total = Number(required('FLOOR_APPEALS'));
  const concurrency = Number(process.env.WORKER_CONCURRENCY ?? 8);
  const pageSize = Number(process.env.POS_PAGE_SIZE ?? 20);
  const records = JSON.parse(readFileSync(required('FLOOR_RECORDS'), 'utf8')) as Record<string, DirectumRecord>;
  const pos = new PosCalls(
    createHttpClient({
      baseURL: required('POS_BASE_URL'),
      system: 'pos',
      timeoutMs: 30_000,
      headers: { Accept: 'application/json' },
      observer,
    }),
  );
  const directum = new DirectumCalls(required('DIRECTUM_BASE_URL'), required('DIRECTUM_USERNAME'), required('DIRECTUM_PASSWORD'), observer);
  await pos.login();

  const seen = new Set<number>();
  const work: PageItem[] = [];
  let accepted = 0;
  let wake: (() => void) | undefined;
  const signal = () => {
    wake?.();
    wake = undefined;
  };

  // Seen appeals stay a prefix of the list: reading from (seen - accepted - in flight) rows in, the
  // first page after the seen ones, never skips one. A page with nothing new means read further.
  const reader = async () => {
    let next: number | undefined = 0;
    while (seen.size < total) {
      // Enough listed for the workers: wait rather than read ahead of them.
      while (work.length >= concurrency * 4) await new Promise<void>((resolve) => setTimeout(resolve, 2));
      const page: number = next ?? Math.floor(Math.max(0, seen.size - accepted - concurrency) / pageSize);
      const { content, last } = await pos.page(page, pageSize);
      const fresh = content.filter((item) => !seen.has(item.id));
      for (const item of fresh) {
        seen.add(item.id);
        work.push(item);
      }
      if (fresh.length) signal();
      next = fresh.length ? undefined : last ? 0 : page + 1;
    }
    signal();
  };

  const worker = async () => {
    for (;;) {
      const item = work.shift();
      if (!item) {
        if (seen.size >= total) return;
        await new Promise<void>((resolve) => {
          const previous = wake;
          wake = () => {
            previous?.();
            resolve();
          };
        });
        continue;
      }
      const record = records[String(item.id)];
      if (!record) throw new Error(`no record for appeal ${item.id}`);
      const files: AppealFile[] = [];
      for (const url of item.attachments ?? []) files.push(await pos.download(url));
      await directum.register(item.id, record, files);
      await pos.accept(item.id);
      accepted += 1;
    }
  };

  const started = Date.now();
  await Promise.all([reader(), ...Array.from({ length: concurrency }, worker)]);
  directum.close();
  // maxRSS (KiB): the bench may not catch the last moments of a short run in /proc.
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(
    `${JSON.stringify({ accepted, seconds: (Date.now() - started) / 1000, peakRssBytes, latency: latencySummary() })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`floor failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
