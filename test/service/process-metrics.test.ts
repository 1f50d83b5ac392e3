// The merged /metrics of `start --workers N` without processes: registries of BridgeMetrics as
// the supervisor and two workers hold them, merged as the supervisor merges them.
import { describe, expect, it } from 'vitest';
import { BridgeMetrics } from '../../src/metrics.js';
import { MergedMetrics, registryJson, toMetricList } from '../../src/service/process-metrics.js';
import { parseWorkerMessage } from '../../src/service/worker-ipc.js';

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** A registry's JSON as it arrives over the IPC channel (JSON serialisation). */
async function overIpc(metrics: BridgeMetrics) {
  return toMetricList(JSON.parse(JSON.stringify(await metrics.registry.getMetricsAsJSON())))!;
}

describe('merged metrics of several processes', () => {
  it("sums counters and histograms, keeps the supervisor's gauges and one series per process", async () => {
    const supervisor = new BridgeMetrics({ process: 'supervisor' });
    const one = new BridgeMetrics({ process: 'worker-1' });
    const two = new BridgeMetrics({ process: 'worker-2' });
    one.appealsAccepted.inc({ organisation: 'default' }, 3);
    two.appealsAccepted.inc({ organisation: 'default' }, 4);
    one.httpLatency.observe({ system: 'pos', method: 'GET', route: 'x', status: '200' }, 0.02);
    two.httpLatency.observe({ system: 'pos', method: 'GET', route: 'x', status: '200' }, 0.02);
    supervisor.queueDepth.set({ queue: 'register', state: 'waiting' }, 5);
    supervisor.edmsAvailable.set(0); // read from Redis at the scrape: the workers' own 1s are stale
    for (const metrics of [supervisor, one, two]) metrics.setMappingVersion('directum-rx', 'abc');
    one.organisationUp.set({ organisation: 'default' }, 1);
    two.organisationUp.set({ organisation: 'default' }, 0);

    const merged = new MergedMetrics(supervisor.registry);
    const text = await (
      await merged.registry([
        { pid: 11, metrics: await overIpc(one) },
        { pid: 12, metrics: await overIpc(two) },
      ])
    ).metrics();
    expect(value(text, 'pos_bridge_appeals_accepted_total{organisation="default"}')).toBe(7);
    expect(value(text, 'pos_bridge_http_request_duration_seconds_count{system="pos",method="GET",route="x",status="200"}')).toBe(2);
    expect(
      value(text, 'pos_bridge_http_request_duration_seconds_bucket{le="0.025",system="pos",method="GET",route="x",status="200"}'),
    ).toBe(2);
    expect(value(text, 'pos_bridge_queue_jobs{queue="register",state="waiting"}')).toBe(5);
    expect(value(text, 'pos_bridge_edms_available')).toBe(0);
    expect(value(text, 'pos_bridge_mapping_info{name="directum-rx",version="abc"}')).toBe(1);
    expect(value(text, 'pos_bridge_organisation_up{organisation="default"}')).toBe(0);
    for (const name of ['supervisor', 'worker-1', 'worker-2']) {
      expect(value(text, `pos_bridge_process_start_time_seconds{process="${name}"}`)).toBeGreaterThan(0);
      expect(value(text, `pos_bridge_nodejs_heap_size_used_bytes{process="${name}"}`)).toBeGreaterThan(0);
    }
  });

  it('keeps what a dead worker counted, so a restart never makes a summed counter go down', async () => {
    const supervisor = new BridgeMetrics({ defaultMetrics: false });
    const merged = new MergedMetrics(supervisor.registry);
    const first = new BridgeMetrics({ defaultMetrics: false });
    const other = new BridgeMetrics({ defaultMetrics: false });
    first.appealsAccepted.inc({ organisation: 'default' }, 10);
    first.queueDepth.set({ queue: 'push', state: 'waiting' }, 9);
    other.appealsAccepted.inc({ organisation: 'default' }, 5);
    const accepted = async (workers: Parameters<MergedMetrics['registry']>[0]) =>
      value(await (await merged.registry(workers)).metrics(), 'pos_bridge_appeals_accepted_total{organisation="default"}');

    expect(
      await accepted([
        { pid: 1, metrics: await overIpc(first) },
        { pid: 2, metrics: await overIpc(other) },
      ]),
    ).toBe(15);
    // pid 2 too slow this time: its last answer stands in.
    expect(await accepted([{ pid: 1, metrics: await overIpc(first) }, { pid: 2 }])).toBe(15);
    merged.retire(1);
    const restarted = new BridgeMetrics({ defaultMetrics: false });
    restarted.appealsAccepted.inc({ organisation: 'default' }, 1);
    expect(
      await accepted([
        { pid: 3, metrics: await overIpc(restarted) },
        { pid: 2, metrics: await overIpc(other) },
      ]),
    ).toBe(16);
    // An answer of the dead process that arrives after its exit is not counted a second time.
    expect(await accepted([{ pid: 1, metrics: await overIpc(first) }, { pid: 3, metrics: await overIpc(restarted) }, { pid: 2 }])).toBe(16);
    merged.retire(3);
    merged.retire(2);
    const text = await (await merged.registry([])).metrics();
    expect(value(text, 'pos_bridge_appeals_accepted_total{organisation="default"}')).toBe(16);
    // A dead process's gauges are not kept: they said what it saw, and it sees nothing now.
    expect(value(text, 'pos_bridge_queue_jobs{queue="push",state="waiting"}')).toBeUndefined();
  });

  it('trusts only well-formed worker messages', async () => {
    const metrics = new BridgeMetrics({ defaultMetrics: false });
    const list = await registryJson(metrics.registry);
    expect(parseWorkerMessage({ type: 'pos-bridge:metrics-reply', id: 1, metrics: list })).toMatchObject({ id: 1 });
    expect(parseWorkerMessage({ type: 'pos-bridge:metrics-reply', id: '1', metrics: list })).toBeUndefined();
    expect(parseWorkerMessage({ type: 'pos-bridge:metrics-reply', id: 1, metrics: 'lots' })).toBeUndefined();
    expect(parseWorkerMessage({ type: 'pos-bridge:worker-ready' })).toEqual({ type: 'pos-bridge:worker-ready' });
    expect(parseWorkerMessage('pos-bridge:worker-ready')).toBeUndefined();
    expect(parseWorkerMessage(null)).toBeUndefined();
  });
});
