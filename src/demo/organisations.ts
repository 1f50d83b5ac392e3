// `demo --organisations N`: N organisation cabinets (ЛКО) in the ПОС emulator, one EDMS for all,
// and the BRIDGE_CONFIG that lists them, as a district administration with subordinate bodies has it.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PosEmulator } from '../pos/emulator/index.js';

const NAMES = [
  'Администрация города',
  'Управление образования',
  'Комитет по культуре',
  'Управление ЖКХ',
  'Комитет по физкультуре и спорту',
  'Управление социальной защиты',
];

export interface DemoOrganisation {
  key: string;
  clientId: string;
  name: string;
}

export interface DemoOrganisations {
  organisations: DemoOrganisation[];
  /** BRIDGE_CONFIG and each organisation's secret variable. */
  env: Record<string, string>;
}

/** Adds the cabinets to the emulator and writes the bridge's organisations: list into `workDir`. */
export async function setUpOrganisations(pos: PosEmulator, count: number, workDir: string): Promise<DemoOrganisations> {
  const organisations: DemoOrganisation[] = [];
  const env: Record<string, string> = {};
  const lines = ['organisations:'];
  for (let index = 1; index <= count; index += 1) {
    const org = {
      key: `lko-${index}`,
      clientId: `demo-lko-${index}`,
      name: NAMES[(index - 1) % NAMES.length]! + (index > NAMES.length ? ` ${index}` : ''),
    };
    const secret = randomBytes(12).toString('hex');
    const variable = `POS_SECRET_LKO_${index}`;
    await pos.control.addOrganisation({ clientId: org.clientId, secret, opaName: org.name });
    env[variable] = secret;
    // «Дело» takes the package's recipient from the organisation's constants; Directum ignores it.
    lines.push(
      `  - key: ${org.key}`,
      `    clientId: "${org.clientId}"`,
      `    clientSecretEnv: ${variable}`,
      `    constants: { recipient: "${org.name}" }`,
    );
    organisations.push(org);
  }
  const path = join(workDir, 'bridge.yaml');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return { organisations, env: { ...env, BRIDGE_CONFIG: path } };
}

/** Seeds `total` appeals spread over the organisations (the first gets what does not divide). */
export async function seedOrganisations(pos: PosEmulator, organisations: readonly DemoOrganisation[], total: number): Promise<number[]> {
  const ids: number[] = [];
  const share = Math.floor(total / organisations.length);
  let startId = 100_001;
  for (const [index, org] of organisations.entries()) {
    const count = index === 0 ? total - share * (organisations.length - 1) : share;
    ids.push(...(await pos.control.generate(count, 2026 + index, { startId, organisation: org.clientId })));
    startId += count + 1000;
  }
  return ids;
}
