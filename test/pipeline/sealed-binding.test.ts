// A sealed appeal belongs to one appeal: copied into the register job of another (through a
// writable queue UI or straight in Redis), it must not register A's content as B, nor mark B
// accepted in ПОС. v2 payloads fail authentication; v1 payloads (no associated data) fail the id check.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import type { PosAppeal } from '../../src/pos/schemas.js';
import { processRegister } from '../../src/pipeline/register.js';
import { registerJobId } from '../../src/pipeline/queues.js';
import { sealV1 } from '../helpers/legacy-seal.js';
import { testRedisUrl } from '../helpers/redis.js';
import { startBridge, startWorld, type InProcessBridge, type World } from './harness.js';

describe("a sealed appeal copied into another appeal's job", () => {
  let world: World;
  let bridge: InProcessBridge;
  let a: PosAppeal;
  let b: PosAppeal;

  beforeEach(async () => {
    world = await startWorld('directum-rx', testRedisUrl());
    bridge = await startBridge(world, { workers: false });
    [a, b] = generateAppeals(2, { seed: 77 }) as unknown as [PosAppeal, PosAppeal];
    await world.sandbox.pos.control.seed([a, b] as never);
  });
  afterEach(async () => {
    await bridge.stop();
    await world.close();
  });

  const registerB = (sealedAppeal: string) =>
    bridge.ctx.queues.register.add('register', { posId: b.id, sealedAppeal }, { jobId: registerJobId(b.id) });

  it.each([
    ['v2 (sealed for A)', () => bridge.ctx.cipher.sealJson(a, { purpose: 'appeal', posId: a.id })],
    ['v1 (before associated data)', () => sealV1(world.config.dataKey!, a)],
  ])('%s: fails with PAYLOAD_INVALID and B is neither registered nor accepted', async (_label, sealA) => {
    const job = await registerB(sealA());
    await expect(processRegister(bridge.ctx, job)).rejects.toMatchObject({ code: 'PAYLOAD_INVALID', retryable: false, posId: b.id });
    expect((await world.sandbox.pos.control.appeal(b.id)).accepted).toBe(false);
    expect(['registered', 'accepted', 'awaiting_registration']).not.toContain((await bridge.ctx.store.get(b.id))?.state);
    expect(await bridge.ctx.adapter.findByPosId(b.id)).toBeFalsy();
  });

  it("B's own payload, v2 or v1, still registers and accepts B", async () => {
    const job = await registerB(sealV1(world.config.dataKey!, b));
    await expect(processRegister(bridge.ctx, job)).resolves.toBe('accepted');
    expect((await world.sandbox.pos.control.appeal(b.id)).accepted).toBe(true);
    const ownV2 = await bridge.ctx.queues.register.add(
      'register',
      { posId: a.id, sealedAppeal: bridge.ctx.cipher.sealJson(a, { purpose: 'appeal', posId: a.id }) },
      { jobId: registerJobId(a.id) },
    );
    await expect(processRegister(bridge.ctx, ownV2)).resolves.toBe('accepted');
  });
});
