// Prometheus metrics (prom-client). One registry per process; names are the operators' contract
// (README "Monitoring"). Labels never carry personal data or appeal ids (cardinality).
// `aggregator`: how `start --workers N` merges the processes' registries into one /metrics
// (src/service/process-metrics.ts); counters and histograms sum, which is prom-client's default.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ExternalSystem } from './errors.js';
import type { HttpObserver } from './http/client.js';

const ID = String.raw`(?:\d+|\{id\}|:id)`;
/** Every ПОС route the bridge calls; anything else (an attachment elsewhere on the host) is `other`. */
const POS_ROUTES: [RegExp, string][] = [
  [/^user-service\/oauth\/token$/, 'user-service/oauth/token'],
  [/^appeal-service\/edms$/, 'appeal-service/edms'],
  [new RegExp(`^appeal-service/edms/${ID}/mark-accepted$`), 'appeal-service/edms/:id/mark-accepted'],
  [new RegExp(`^appeal-service/edms/${ID}$`), 'appeal-service/edms/:id'],
  [/^file-storage-service\/filestorage$/, 'file-storage-service/filestorage'],
  [/^file-storage-service\/filestorage\/.+$/, 'file-storage-service/filestorage/:id'],
  [/^external-attachment$/, 'external-attachment'],
];
/** An OData path segment: an entity set, navigation, bound operation or $-segment, with any key folded. */
const ODATA_SEGMENT = /^(\$[a-z]+|[A-Za-z_][A-Za-z0-9_]{0,63}(?:\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,4})(\(.*\))?$/;

/**
 * The `route` label of an outbound call: a template (`appeal-service/edms/:id/mark-accepted`,
 * `IRequests({id})/Versions({id})/Body/$value`), never a raw path or query: attachment paths and
 * OData keys can hold personal data, and /metrics is not authenticated. Unknown shapes are `other`.
 */
export function routeTemplate(system: ExternalSystem, route: string): string {
  const path = route
    .replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '')
    .split(/[?#]/)[0]!
    .replace(/^\/+|\/+$/g, '');
  if (system === 'pos') return POS_ROUTES.find(([pattern]) => pattern.test(path))?.[1] ?? 'other';
  const segments = path.split('/');
  if (path === '' || segments.length > 8) return 'other';
  const shown: string[] = [];
  for (const segment of segments) {
    const match = ODATA_SEGMENT.exec(segment);
    if (!match) return 'other';
    shown.push(match[2] === undefined ? match[1]! : `${match[1]}({id})`);
  }
  return shown.join('/');
}

export class BridgeMetrics {
  readonly registry = new Registry();

  // `organisation`: the ЛКО's key from BRIDGE_CONFIG (`default` with POS_CLIENT_ID).
  readonly appealsPulled = new Counter({
    name: 'pos_bridge_appeals_pulled_total',
    help: 'Appeals read from the ПОС list and handed to registration',
    labelNames: ['organisation'] as const,
    registers: [this.registry],
  });
  readonly appealsRegistered = new Counter({
    name: 'pos_bridge_appeals_registered_total',
    help: 'Appeals registered in the EDMS (new records)',
    labelNames: ['organisation', 'edms'] as const,
    registers: [this.registry],
  });
  readonly appealsAccepted = new Counter({
    name: 'pos_bridge_appeals_accepted_total',
    help: 'Appeals marked accepted in ПОС',
    labelNames: ['organisation'] as const,
    registers: [this.registry],
  });
  readonly appealsSetAside = new Counter({
    name: 'pos_bridge_appeals_set_aside_total',
    help: 'Appeals set aside (malformed, mapping failure, EDMS rejection)',
    labelNames: ['organisation', 'reason'] as const,
    registers: [this.registry],
  });
  readonly pushes = new Counter({
    name: 'pos_bridge_pushes_total',
    help: 'Status and answer posts to ПОС',
    labelNames: ['organisation', 'status', 'outcome'] as const,
    registers: [this.registry],
  });
  /**
   * 1 while the organisation's last ПОС call of a pull succeeded, 0 after its credentials or ПОС failed.
   * Merged: min — each worker process knows only the pulls it ran, so a failure seen by any shows.
   */
  readonly organisationUp = new Gauge({
    name: 'pos_bridge_organisation_up',
    help: "The organisation's last pull from ПОС succeeded (1) or failed (0)",
    labelNames: ['organisation'] as const,
    aggregator: 'min',
    registers: [this.registry],
  });
  // These three, merged: first — the supervisor's values (first in the merge), which it reads from
  // Redis at each scrape; a worker's are whatever it last saw.
  readonly failedJobs = new Gauge({
    name: 'pos_bridge_failed_jobs',
    help: 'Jobs that ran out of retries, per queue',
    labelNames: ['queue'] as const,
    aggregator: 'first',
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'pos_bridge_queue_jobs',
    help: 'Jobs per queue and state',
    labelNames: ['queue', 'state'] as const,
    aggregator: 'first',
    registers: [this.registry],
  });
  readonly edmsAvailable = new Gauge({
    name: 'pos_bridge_edms_available',
    help: 'The EDMS answers and accepts the credentials (1), or intake is paused for it (0)',
    aggregator: 'first',
    registers: [this.registry],
  });
  // Read from the deadline index in Redis at each scrape (refreshGauges), all organisations together.
  readonly appealsDue = new Gauge({
    name: 'pos_bridge_appeals_due',
    help: 'Appeals registered, not finally answered, whose ПОС deadline falls within the window (1d, 3d) from now, overdue included',
    labelNames: ['window'] as const,
    aggregator: 'first',
    registers: [this.registry],
  });
  readonly appealsOverdue = new Gauge({
    name: 'pos_bridge_appeals_overdue',
    help: 'Appeals registered, not finally answered, whose ПОС deadline has passed',
    aggregator: 'first',
    registers: [this.registry],
  });
  readonly workersReplaced = new Counter({
    name: 'pos_bridge_workers_replaced_total',
    help: 'Queue workers replaced because they took no job while jobs waited (a stuck Redis connection)',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });
  readonly intakePaused = new Counter({
    name: 'pos_bridge_intake_paused_total',
    help: 'Times intake was paused because the EDMS refused the credentials or did not answer',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly httpLatency = new Histogram({
    name: 'pos_bridge_http_request_duration_seconds',
    help: 'Latency of calls to ПОС and the EDMS',
    labelNames: ['system', 'method', 'route', 'status'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  // Merged: max — every process holds 1 for the version it runs; a sum would read as 3 versions.
  readonly mappingVersion = new Gauge({
    name: 'pos_bridge_mapping_info',
    help: 'Mapping version in use (value 1)',
    labelNames: ['name', 'version'] as const,
    aggregator: 'max',
    registers: [this.registry],
  });

  /**
   * `process`: a label for the default (process-level) metrics, set by `start --workers N`
   * (`supervisor`, `worker-1`, …) so that each process's memory and CPU stay apart when merged.
   */
  constructor(options: { defaultMetrics?: boolean; process?: string } = {}) {
    this.edmsAvailable.set(1);
    if (options.defaultMetrics ?? true) {
      collectDefaultMetrics({
        register: this.registry,
        prefix: 'pos_bridge_',
        ...(options.process ? { labels: { process: options.process } } : {}),
      });
    }
  }

  /** Feeds HTTP latency from the shared HTTP client, labelled by route template only. */
  readonly httpObserver: HttpObserver = ({ system, method, route, status, seconds }) => {
    this.httpLatency.observe({ system, method, route: routeTemplate(system, route), status: String(status) }, seconds);
  };

  setMappingVersion(name: string, version: string): void {
    this.mappingVersion.reset();
    this.mappingVersion.set({ name, version }, 1);
  }
}
