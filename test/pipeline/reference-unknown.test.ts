// An appeal whose mapped reference the installation lacks: set aside before anything is written,
// with a reason that names the mapping's own value (never one computed from the appeal), counted
// in the metric; after the mapping is fixed, `failed retry --all` registers it.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOREIGN_INSTALLATION } from '../../adapters/directum-rx/emulator/seed.js';
import { generateAppeals } from '../../fixtures/generator.js';
import { packageRoot } from '../../fixtures/index.js';
import { loadMappingForTarget } from '../../src/mapping/load-file.js';
import { FailedJobs } from '../../src/pipeline/failed.js';
import { runSync } from '../../src/pipeline/sync.js';
import { testRedisUrl } from '../helpers/redis.js';
import { startBridge, startWorld, waitFor, type InProcessBridge, type World } from './harness.js';

describe('a reference the installation lacks', () => {
  let world: World;
  let bridge: InProcessBridge;
  let mappingsDir: string;

  beforeEach(async () => {
    world = await startWorld('directum-rx', testRedisUrl(), {}, { directum: { installation: FOREIGN_INSTALLATION } });
    mappingsDir = join(world.workDir, 'mappings');
    cpSync(join(packageRoot(), 'mappings'), mappingsDir, { recursive: true });
    bridge = await startBridge(world);
    // The admin's edits apply to the next job, as the registry does in the service.
    bridge.ctx.mappings = { forTarget: (kind) => loadMappingForTarget(mappingsDir, kind) };
  });
  afterEach(async () => {
    await bridge.stop();
    await world.close();
  });

  it('sets the appeal aside with nothing written, says which value of the mapping, and registers it after the fix and a replay', async () => {
    const file = join(mappingsDir, 'directum-rx.yaml');
    // Every category falls to «Общий отдел», which this installation has; the question code it lacks.
    const source = readFileSync(file, 'utf8');
    writeFileSync(file, source.replace(/(departmentBySubject:[\s\S]*?entries:\n)([\s\S]*?)(\n\ncontrolDays:)/, '$1      1: Общий отдел$3'));
    const appeals = generateAppeals(4, { seed: 1201 }).map((appeal) => ({ ...appeal, subjectId: 101, subsubjectId: 10101, factId: null }));
    await world.sandbox.pos.control.seed(appeals);
    const directum = world.sandbox.edms.kind === 'directum-rx' ? world.sandbox.edms.directum : undefined;
    const persons = directum!.state.count('IPersons');

    const summary = await runSync(bridge.ctx, { timeoutMs: 30_000 });
    expect(summary.accepted).toBe(0);
    expect(directum!.state.count('IRequests')).toBe(0);
    expect(directum!.state.count('IPersons'), 'not even the applicant is written').toBe(persons);
    const failed = await new FailedJobs(bridge.ctx.queues, bridge.ctx.store).list();
    expect(failed).toHaveLength(4);
    for (const entry of failed) {
      expect(entry.error.code).toBe('EDMS_REFERENCE_UNKNOWN');
      expect(entry.error.message).toContain('Questions[].Code: "0003.0009.0099.0700" is not in IQuestions; closest: «');
      expect(entry.error.message).toContain('pos-bridge failed retry --all');
    }
    for (const appeal of appeals) {
      expect((await bridge.ctx.store.get(appeal.id))?.state).toBe('set_aside');
      expect((await world.sandbox.pos.control.appeal(appeal.id)).accepted).toBe(false);
    }
    const metric = await bridge.ctx.metrics.registry.getSingleMetricAsString('pos_bridge_appeals_set_aside_total');
    expect(metric).toMatch(/reason="EDMS_REFERENCE_UNKNOWN"} 4/);

    writeFileSync(file, readFileSync(file, 'utf8').replace('10101: "0003.0009.0099.0700"', '10101: "0003.0008.0087.0601"'));
    expect(await new FailedJobs(bridge.ctx.queues, bridge.ctx.store).retryAll()).toBe(4);
    await waitFor(
      'the replays to register',
      async () => directum!.state.count('IRequests') === 4 && (await world.sandbox.pos.control.stats()).acceptedTotal === 4,
    );
    const ids = directum!.state.rows('IRequests').map((card) => (card.Questions as { Question: number }[])[0]!.Question);
    expect(new Set(ids)).toEqual(
      new Set([directum!.state.directory('questions').find((row) => row.FullCode === '0003.0008.0087.0601')!.Id]),
    );
  }, 60_000);

  it('never echoes a value computed from the appeal', async () => {
    const file = join(mappingsDir, 'directum-rx.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        'Department: $dict("departmentBySubject", subjectId)',
        'Department: $clean(applicant.surname) & " отдел"',
      ),
    );
    const [appeal] = generateAppeals(1, { seed: 1202 });
    await world.sandbox.pos.control.seed([appeal!]);
    await runSync(bridge.ctx, { timeoutMs: 30_000 });
    const [entry] = await new FailedJobs(bridge.ctx.queues, bridge.ctx.store).list();
    expect(entry?.error.code).toBe('EDMS_REFERENCE_UNKNOWN');
    // The department is computed from the appeal: neither it nor closest names; the question code is the mapping's own.
    expect(entry!.error.message).toMatch(
      /^Department: no entry of IDepartments matches the mapped value; Questions\[\]\.Code: "[\d.]+" is not in IQuestions/,
    );
    expect(entry!.error.message).not.toContain(appeal!.applicant!.surname!);
  }, 60_000);
});
