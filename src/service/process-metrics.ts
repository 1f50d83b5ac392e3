// One /metrics for `start --workers N`: the supervisor's registry and each worker process's (sent
// over IPC as `getMetricsAsJSON()`), merged with prom-client's AggregatorRegistry.aggregate by each
// metric's `aggregator` (src/metrics.ts): counters and histograms sum; gauges say how.
// Process-level default metrics carry a `process` label (`supervisor`, `worker-1`, …) and so stay
// one series per process. Counters of a worker that died are kept from its last scrape, so that a
// restart does not make a summed counter go down (Prometheus would read that as a reset).
import { AggregatorRegistry, type Aggregator, type Registry } from 'prom-client';

export interface MetricSample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** One metric of `registry.getMetricsAsJSON()`, as it crosses the IPC channel. */
export interface MetricJson {
  name: string;
  help: string;
  type: string;
  aggregator: Aggregator;
  values: MetricSample[];
}

/** A worker process's answer to one scrape; no `metrics`: it did not answer in time. */
export interface WorkerMetrics {
  pid: number;
  metrics?: MetricJson[];
}

const AGGREGATORS: ReadonlySet<string> = new Set<Aggregator>(['omit', 'sum', 'first', 'min', 'max', 'average']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toSample(value: unknown): MetricSample | undefined {
  if (!isRecord(value) || !isRecord(value.labels)) return undefined;
  const labels: Record<string, string | number> = {};
  for (const [name, label] of Object.entries(value.labels)) {
    if (typeof label === 'string' || typeof label === 'number') labels[name] = label;
  }
  // JSON carries NaN and ±Infinity as null.
  const number = typeof value.value === 'number' ? value.value : Number.NaN;
  return { value: number, labels, ...(typeof value.metricName === 'string' ? { metricName: value.metricName } : {}) };
}

function toMetric(value: unknown): MetricJson | undefined {
  if (!isRecord(value) || typeof value.name !== 'string' || !Array.isArray(value.values)) return undefined;
  const aggregator = typeof value.aggregator === 'string' && AGGREGATORS.has(value.aggregator) ? (value.aggregator as Aggregator) : 'sum';
  const values = value.values.map(toSample).filter((sample): sample is MetricSample => sample !== undefined);
  return { name: value.name, help: typeof value.help === 'string' ? value.help : '', type: String(value.type), aggregator, values };
}

/** A metric list from a registry or a message; malformed entries are dropped, never trusted. */
export function toMetricList(value: unknown): MetricJson[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map(toMetric).filter((metric): metric is MetricJson => metric !== undefined);
}

export async function registryJson(registry: Registry): Promise<MetricJson[]> {
  const json: unknown = await registry.getMetricsAsJSON();
  return toMetricList(json) ?? [];
}

const perProcess = (metric: MetricJson) => metric.values.length > 0 && metric.values.every((sample) => 'process' in sample.labels);

/**
 * prom-client marks process_start_time_seconds `omit` (a sum of start times means nothing); with a
 * `process` label the series of different processes never meet, so each is kept as it is.
 */
function keepPerProcessSeries(list: MetricJson[]): MetricJson[] {
  return list.map((metric) => (metric.aggregator === 'omit' && perProcess(metric) ? { ...metric, aggregator: 'first' } : metric));
}

/** Merges metric lists; for `first` the earlier list wins, so the supervisor's goes first. */
export function mergeMetricLists(lists: MetricJson[][]): Registry {
  return AggregatorRegistry.aggregate(lists.map(keepPerProcessSeries));
}

/** What a dead process counted that must stay in the sums: its counters and histograms without a `process` label. */
function lasting(list: MetricJson[]): MetricJson[] {
  return list.filter(
    (metric) => (metric.type === 'counter' || metric.type === 'histogram') && !metric.values.some((sample) => 'process' in sample.labels),
  );
}

const MAX_EXITED = 256;

/** The supervisor's side of the merged /metrics: its own registry, the live workers' and the dead ones' counters. */
export class MergedMetrics {
  /** The snapshot of each live worker last shown in /metrics (stands in when it does not answer in time). */
  private readonly shown = new Map<number, MetricJson[]>();
  private readonly exited = new Set<number>();
  private retired: MetricJson[][] = [];

  constructor(private readonly own: Registry) {}

  /** A worker process exited: what it counted up to the last scrape stays in the sums. */
  retire(pid: number): void {
    this.exited.add(pid);
    // Only answers already on their way can name an exited pid: the last few are enough to know.
    if (this.exited.size > MAX_EXITED) this.exited.delete(this.exited.values().next().value!);
    const last = this.shown.get(pid);
    this.shown.delete(pid);
    if (last) this.retired.push(lasting(last));
  }

  async registry(workers: readonly WorkerMetrics[]): Promise<Registry> {
    if (this.retired.length > 1) this.retired = [await registryJson(mergeMetricLists(this.retired))];
    const live: MetricJson[][] = [];
    for (const worker of workers) {
      // An answer that crossed its process's exit would count that process twice.
      if (this.exited.has(worker.pid)) continue;
      if (worker.metrics) this.shown.set(worker.pid, worker.metrics);
      const snapshot = this.shown.get(worker.pid);
      if (snapshot) live.push(snapshot);
    }
    return mergeMetricLists([await registryJson(this.own), ...this.retired, ...live]);
  }
}
