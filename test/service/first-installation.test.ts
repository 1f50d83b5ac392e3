// A first installation, as an agency's IT would go through it, against a Directum RX whose
// directories are its own (FOREIGN_INSTALLATION): the pre-flight names every value of the shipped
// mapping the installation lacks at its line, the dry run promises nothing the EDMS would refuse,
// the admin fixes the mapping from `edms directories`, and `sync` then registers every appeal with
// its references written as links. The real CLI, in child processes.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { FOREIGN_INSTALLATION } from '../../adapters/directum-rx/emulator/seed.js';
import type { DirectoryListing } from '../../adapters/contract.js';
import { generateAppeals } from '../../fixtures/generator.js';
import { packageRoot } from '../../fixtures/index.js';
import { runCliProcess } from '../helpers/cli-process.js';
import { testRedisUrl } from '../helpers/redis.js';
import { startWorld, type World } from '../pipeline/harness.js';

const APPEALS = 10;

const cli = (world: World, args: string[]) => runCliProcess(args, world.env);

describe('first installation against a Directum RX with its own directories', () => {
  let world: World;
  let mappingFile: string;

  beforeAll(async () => {
    world = await startWorld('directum-rx', testRedisUrl(), {}, { directum: { installation: FOREIGN_INSTALLATION } });
    const mappingsDir = join(world.workDir, 'mappings');
    cpSync(join(packageRoot(), 'mappings'), mappingsDir, { recursive: true });
    world.env.MAPPINGS_DIR = mappingsDir;
    mappingFile = join(mappingsDir, 'directum-rx.yaml');
    await world.sandbox.pos.control.seed(generateAppeals(APPEALS, { seed: 1101 }));
  });
  afterAll(async () => world?.close());

  const directum = () => {
    if (world.sandbox.edms.kind !== 'directum-rx') throw new Error('not a Directum world');
    return world.sandbox.edms.directum;
  };

  it('walks connect → directories → check → dry run → fix → check → sync', async () => {
    // The pre-flight names the shipped example values this installation lacks, at their lines.
    const check = await cli(world, ['mappings', 'check', '--against-edms', mappingFile]);
    expect(check.code, check.stderr).toBe(1);
    const lines = check.stdout.trim().split('\n');
    const source = readFileSync(mappingFile, 'utf8').split('\n');
    const lineOf = (text: string) => source.findIndex((line) => line.includes(text)) + 1;
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `directum-rx\\.yaml:${lineOf('101: Управление дорожного хозяйства')}:\\d+ dictionaries\\.departmentBySubject\\.entries\\.101: Department: "Управление дорожного хозяйства" is not in IDepartments`,
        ),
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `directum-rx\\.yaml:${lineOf('1020101:')}:\\d+ dictionaries\\.questionByFact\\.entries\\.1020101: Questions\\[\\]\\.Code: "0005\\.0005\\.0056\\.1153" is not in IQuestions`,
        ),
      ),
    );
    expect(
      lines.some(
        (line) => line.includes('Управление благоустройства') && line.includes('closest: «Комитет по благоустройству и озеленению»'),
      ),
    ).toBe(true);
    // Found although written differently in the installation (case, double spaces): not reported.
    expect(check.stdout).not.toMatch(/constants\.(deliveryMethod|documentKind)/);
    expect(check.stdout).not.toContain('departmentBySubject.default');

    // The dry run resolves each record's references, read-only: it promises nothing the EDMS would refuse.
    const dry = await cli(world, ['sync', '--dry-run', '--json']);
    expect(dry.code).toBe(1);
    const report = JSON.parse(dry.stdout) as { wouldRegister: number; mappingFailures: { code: string; message: string }[] };
    expect(report.wouldRegister).toBe(0);
    expect(report.mappingFailures).toHaveLength(APPEALS);
    expect(report.mappingFailures.every((failure) => failure.code === 'EDMS_REFERENCE_UNKNOWN')).toBe(true);
    expect(directum().state.count('IRequests')).toBe(0);
    expect((await world.sandbox.pos.control.stats()).acceptedTotal).toBe(0);

    // The admin reads the installation's directories and fills the dictionaries from them.
    const departments = await cli(world, ['edms', 'directories', 'departments', '--json']);
    expect(departments.code, departments.stderr).toBe(0);
    const listing = JSON.parse(departments.stdout) as DirectoryListing;
    expect(listing).toMatchObject({ available: true, directory: 'IDepartments' });
    const questions = JSON.parse((await cli(world, ['edms', 'directories', 'questions', '--json'])).stdout) as DirectoryListing;
    if (!listing.available || !questions.available) throw new Error('directories unreadable');
    const department = listing.entries.find((entry) => entry.name === 'Комитет ЖКХ')!;
    const question = questions.entries.find((entry) => entry.name === 'Рассмотрение обращений граждан')!;

    const doc = parseDocument(readFileSync(mappingFile, 'utf8'));
    for (const dictionary of ['questionByFact', 'questionBySubsubject', 'questionBySubject']) {
      for (const pair of (doc.getIn(['dictionaries', dictionary, 'entries'], true) as { items: { value: { value: unknown } }[] }).items)
        pair.value.value = question.codes.FullCode;
    }
    doc.setIn(['dictionaries', 'questionBySubject', 'default'], question.codes.FullCode);
    for (const pair of (doc.getIn(['dictionaries', 'departmentBySubject', 'entries'], true) as { items: { value: { value: unknown } }[] })
      .items)
      pair.value.value = department.name;
    writeFileSync(mappingFile, doc.toString());

    const fixed = await cli(world, ['mappings', 'check', '--against-edms', mappingFile]);
    expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
    expect(fixed.stdout).toMatch(/valid; \d+ directory value\(s\) found in the EDMS/);

    const sync = await cli(world, ['sync', '--json']);
    expect(sync.code, sync.stderr).toBe(0);
    expect(JSON.parse(sync.stdout)).toMatchObject({ accepted: APPEALS, newFailures: [] });

    const cards = directum().state.rows('IRequests');
    expect(cards).toHaveLength(APPEALS);
    const id = (kind: string, name: string) =>
      directum()
        .state.directory(kind)
        .find((row) => row.Name === name)!.Id;
    for (const card of cards) {
      expect(card.DeliveryMethod).toBe(id('delivery-methods', 'Портал госуслуг  (ПОС)'));
      expect(card.DocumentKind).toBe(id('document-kinds', 'обращение гражданина'));
      expect([department.id, id('departments', 'Общий  отдел')]).toContain(card.Department);
      expect((card.Questions as { Question: number }[]).map((row) => row.Question)).toEqual([question.id]);
    }
    expect((await world.sandbox.pos.control.stats()).acceptedTotal).toBe(APPEALS);

    const coverage = await cli(world, ['mappings', 'coverage', '--json']);
    expect(coverage.code, coverage.stderr).toBe(0);
    const counted = JSON.parse(coverage.stdout) as { rows: { kind: string; appeals: number }[] };
    expect(counted.rows.filter((row) => row.kind === 'subject').reduce((sum, row) => sum + row.appeals, 0)).toBe(APPEALS);
  }, 180_000);
});
