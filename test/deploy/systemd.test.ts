// The systemd units are rendered with this machine's paths (repo, node, an existing user) and
// checked by `systemd-analyze verify`, which needs no running systemd. verify exits 0 on an unknown
// key or a value it cannot parse (it only warns), so any line naming one of our units fails too.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const unitsDir = join(root, 'deploy', 'systemd');
const UNITS = ['pos-bridge.service', 'pos-bridge-sync.service', 'pos-bridge-sync.timer'];

const flagSet = (value: string | undefined) => value !== undefined && value !== '' && value !== '0' && value !== 'false';
const required = flagSet(process.env.CI) || flagSet(process.env.POS_BRIDGE_REQUIRE_SYSTEMD);
const analyzeFound = !spawnSync('systemd-analyze', ['--version']).error;
if (!analyzeFound && !required) {
  console.warn(
    '\n*** test/deploy/systemd.test.ts SKIPPED: systemd-analyze is not installed, the units are NOT verified. ' +
      'Install it (Debian: apt-get install systemd); with CI or POS_BRIDGE_REQUIRE_SYSTEMD set this fails instead. ***\n',
  );
}

const source = (unit: string) => readFileSync(join(unitsDir, unit), 'utf8');

/** One unit with the install defaults replaced; throws when a default is no longer there to replace. */
function render(text: string, paths: { prefix: string; node: string; user: string; group: string }): string {
  const replacements: [RegExp, string][] = [
    [/\/opt\/pos-bridge/g, paths.prefix],
    [/\/usr\/bin\/node /g, `${paths.node} `],
    [/^User=pos-bridge$/gm, `User=${paths.user}`],
    [/^Group=pos-bridge$/gm, `Group=${paths.group}`],
  ];
  let rendered = text;
  for (const [pattern, value] of replacements) rendered = rendered.replace(pattern, value);
  return rendered;
}

/** verify's complaints about our units: its exit code and every output line naming one of them. */
async function verify(dir: string, units: string[]): Promise<{ code: number; problems: string[] }> {
  const result = await run('systemd-analyze', ['verify', ...units.map((unit) => join(dir, unit))]).then(
    (out) => ({ code: 0, output: out.stdout + out.stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code ?? 1,
      output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
    }),
  );
  const problems = result.output.split('\n').filter((line) => units.some((unit) => line.includes(unit.replace(/\.[a-z]+$/, ''))));
  return { code: result.code, problems: result.code === 0 ? problems : [...problems, result.output] };
}

describe('deploy/systemd units', () => {
  it('ship the three units and nothing else', () => {
    expect(readdirSync(unitsDir).sort()).toEqual([...UNITS].sort());
  });

  it('run start and sync as pos-bridge with the install paths and the env file', () => {
    for (const [unit, command] of [
      ['pos-bridge.service', 'start'],
      ['pos-bridge-sync.service', 'sync'],
    ] as const) {
      const text = source(unit);
      expect(text).toContain(`ExecStart=/usr/bin/node /opt/pos-bridge/bin/pos-bridge.js ${command}\n`);
      expect(text).toMatch(/^User=pos-bridge$/m);
      expect(text).toMatch(/^Group=pos-bridge$/m);
      expect(text).toContain('EnvironmentFile=/etc/pos-bridge/pos-bridge.env\n');
      expect(text).toContain('WorkingDirectory=/opt/pos-bridge\n');
      expect(text).toContain('ProtectSystem=strict\n');
      expect(text).toContain('StateDirectory=pos-bridge\n');
      expect(text).toContain('ReadWritePaths=-/exchange/delo\n');
      // V8's JIT writes code it then executes.
      expect(text).not.toMatch(/^MemoryDenyWriteExecute=(yes|true|1)/m);
    }
    expect(source('pos-bridge-sync.service')).toMatch(/^Type=oneshot$/m);
    expect(source('pos-bridge.service')).toMatch(/^RestartPreventExitStatus=2$/m);
  });

  it('gives a stopping service more than JOB_LOCK_TIMEOUT (30s) + 30s, as the README asks', () => {
    const seconds = /^TimeoutStopSec=(\d+)s$/m.exec(source('pos-bridge.service'))?.[1];
    expect(Number(seconds)).toBeGreaterThan(60);
  });

  it('times the sync every 5 minutes, persistently, with a random delay', () => {
    const timer = source('pos-bridge-sync.timer');
    expect(timer).toMatch(/^OnCalendar=\*:0\/5$/m);
    expect(timer).toMatch(/^Persistent=true$/m);
    expect(timer).toMatch(/^RandomizedDelaySec=\d+s$/m);
    expect(timer).toMatch(/^Unit=pos-bridge-sync\.service$/m);
  });
});

describe('systemd-analyze verify', () => {
  it.runIf(!analyzeFound && required)('is installed (required: CI or POS_BRIDGE_REQUIRE_SYSTEMD is set)', () => {
    expect.fail('systemd-analyze is not installed (Debian: apt-get install systemd; .ci/run installs it)');
  });

  describe.runIf(analyzeFound)('on the rendered units', () => {
    let dir = '';
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'pos-bridge-systemd-'));
      const group = (await run('id', ['-gn'])).stdout.trim();
      const paths = { prefix: root.replace(/\/$/, ''), node: process.execPath, user: userInfo().username, group };
      for (const unit of UNITS) {
        const rendered = render(source(unit), paths);
        expect(rendered).not.toContain('/opt/pos-bridge');
        writeFileSync(join(dir, unit), rendered);
      }
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('finds no problem in the service, the sync service and its timer', async () => {
      expect(await verify(dir, UNITS)).toEqual({ code: 0, problems: [] });
    });

    it('does fail on a real problem (a missing binary, a misspelt key, a bad value)', async () => {
      const broken: [RegExp, string][] = [
        [/^ExecStart=\S+/m, 'ExecStart=/nonexistent/node'],
        [/^ProtectSystem=strict$/m, 'ProtectSytem=strict'],
        [/^Restart=on-failure$/m, 'Restart=sometimes'],
      ];
      for (const [from, to] of broken) {
        const text = readFileSync(join(dir, 'pos-bridge.service'), 'utf8');
        expect(text).toMatch(from);
        writeFileSync(join(dir, 'pos-bridge-broken.service'), text.replace(from, to));
        const { code, problems } = await verify(dir, ['pos-bridge-broken.service']);
        expect({ to, failed: code !== 0 || problems.length > 0 }).toEqual({ to, failed: true });
      }
    });
  });
});
