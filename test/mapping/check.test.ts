import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkMappings, formatProblem } from '../../src/mapping/cli.js';
import { compileMapping } from '../../src/mapping/compile.js';
import type { MappingProblem } from '../../src/mapping/types.js';

const dir = mkdtempSync(join(tmpdir(), 'pos-bridge-mapping-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STATUSES = `statuses:
  registered: { status: Зарегистрировано, statusText: Зарегистрировано }
  in_work: { status: В работе, statusText: Принято в работу }
  postponed: { status: Продлено, statusText: Продлено, appealAnswerType: POSTPONED }
  forwarded: { status: Перенаправлено, statusText: Перенаправлено, appealAnswerType: FORWARDED }
  answered: { status: Закрыто, statusText: Рассмотрено, appealAnswerType: SOLVED }
  rejected: { status: Закрыто, statusText: Отказано, appealAnswerType: REJECTED }
`;

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function at(problems: MappingProblem[]): string[] {
  return problems.map((problem) => `${problem.line}:${problem.column}`);
}

describe('mappings check', () => {
  it('finds no problems in the shipped mappings', async () => {
    const result = await checkMappings('mappings/');
    expect(result.files.map((file) => file.replace(/\\/g, '/'))).toEqual(['mappings/delo.yaml', 'mappings/directum-rx.yaml']);
    expect(result.problems.map(formatProblem)).toEqual([]);
  });

  it('reports every planted error at once, each at its exact line and column', async () => {
    const file = write(
      'directum-rx.yaml',
      [
        'target: directum-rx', //                                           1
        'dictionaries:', //                                                 2
        '  questionBySubject:', //                                          3
        '    keyType: number', //                                           4
        '    default: "0001.0001.0001.0000"', //                            5
        '    entries:', //                                                  6
        '      101: "0003.0009.0099.0000"', //                              7
        '      12a: "0005.0005.0056.0000"', //                              8  wrong key type
        'fields:', //                                                       9  Questions missing
        '  Subject: $truncate(description, 250)', //                        10
        '  FullText: description & & address', //                           11 syntax error
        '  RequestDate: createdAt', //                                      12
        '  Colour: "\'red\'"', //                                           13 unknown field
        'statuses:', //                                                     14
        '  registered:', //                                                 15
        '    status: Зарегистрировано', //                                  16
        '    statusText: Обращение: зарегистрировано', //                   17 bad YAML
        '  in_work: { status: В работе, statusText: Принято в работу }', // 18
        '  postponed: { status: Продлено, statusText: Продлено, appealAnswerType: POSTPONED }',
        '  forwarded: { status: Перенаправлено, statusText: Перенаправлено, appealAnswerType: FORWARDED }',
        '  answered: { status: Закрыто, statusText: Рассмотрено, appealAnswerType: DONE }', // 21 bad enum
        '  rejected: { status: Закрыто, statusText: Отказано, appealAnswerType: REJECTED }',
        '',
      ].join('\n'),
    );
    const { problems } = await checkMappings(file);
    const lines = problems.map(formatProblem);
    const expectAt = (where: string, text: string) =>
      expect(
        lines.some((line) => line.startsWith(`${file}:${where} `) && line.includes(text)),
        `${where} ${text}\n${lines.join('\n')}`,
      ).toBe(true);
    expectAt('8:7', 'key "12a" is not a whole number');
    expectAt('9:1', 'required field "Questions"');
    expectAt('11:27', 'fields.FullText: expression error S0211');
    expectAt('13:3', '"Colour" is not a field of the directum-rx record');
    expectAt('17:17', 'YAML: Nested mappings are not allowed');
    // The column points at the value DONE inside the flow map.
    expectAt('21:75', 'statuses.answered.appealAnswerType');
    expect(lines[0]).toContain(':8:7 '); // sorted by position
    expect(lines).toHaveLength(7);
  });

  it('points into block scalars: the column is where the expression goes wrong', () => {
    const source = [
      'target: delo',
      'fields:',
      '  Annotation: |-',
      '    $join([',
      '      description,',
      '      address ? "Адрес: " & ',
      '    ], "\\n")',
      '  DocumentDate: createdAt',
      '  Rubrics: \'[{"Code": $dict("rubrics", subjectId)}]\'',
      '  Consists: $const.consist & $nosuch(1)',
      '  Deadline: >-',
      '    $controlDate(answerAt,',
      '      1, 2)',
      STATUSES,
    ].join('\n');
    const { mapping, problems } = compileMapping(source, 'delo.yaml');
    expect(mapping).toBeUndefined();
    const found = problems.map((p) => `${p.line}:${p.column} ${p.message}`);
    // The `]` on line 7 cannot follow `& `: JSONata reports that token.
    expect(found).toContainEqual(expect.stringMatching(/^7:5 fields\.Annotation: expression error S0211/));
    expect(found).toContainEqual('9:29 fields.Rubrics: unknown dictionary "rubrics"');
    expect(found).toContainEqual('10:20 fields.Consists: unknown constant "consist"');
    expect(found).toContainEqual('10:30 fields.Consists: unknown variable or function $nosuch');
    expect(found).toContainEqual('12:5 fields.Deadline: $controlDate takes 1–2 argument(s), got 3');
  });

  it('refuses $eval wherever it appears, at its line and column, so citizen text is never run as an expression', async () => {
    const file = write(
      'delo.yaml',
      [
        'target: delo',
        'fields:',
        '  Annotation: $eval(description)', //                 3: called
        '  DocumentDate: createdAt',
        '  Rubrics: \'[{"Code": "1"}]\'',
        '  Consists: >-',
        '    $map(["1 + 1"], $eval)', //                       7: passed as a value
        '  Deadline: ( $eval := function($x) { $x }; $eval(createdAt) )', // its own function: allowed
        STATUSES,
      ].join('\n'),
    );
    const { problems } = await checkMappings(file);
    expect(problems.map(formatProblem)).toEqual([
      `${file}:3:15 fields.Annotation: $eval is not allowed (it would evaluate text as an expression)`,
      `${file}:7:21 fields.Consists: $eval is not allowed (it would evaluate text as an expression)`,
    ]);
  });

  it('locates structure problems: missing sections, unknown settings, bad names and dates', () => {
    const source = [
      'target: directum-rx',
      'colour: red',
      'constants:',
      '  bad-name: 1',
      'controlDays:',
      '  workingDays: 3',
      '  holidays: [2025-13, 2025-01-01]',
      'fields:',
      '  Subject: description',
      '  FullText: description',
      '  RequestDate: createdAt',
      '  Questions: \'[{"Code": "1"}]\'',
      '',
    ].join('\n');
    const { problems } = compileMapping(source, 'custom.yaml');
    const found = problems.map((p) => `${p.line}:${p.column} ${p.message}`);
    expect(found).toContainEqual('1:1 statuses: missing (Invalid input: expected object, received undefined)');
    expect(found).toContainEqual('2:1 (file): unknown setting "colour"');
    expect(found).toContainEqual(expect.stringMatching(/^4:3 constants\.bad-name: name must be a name of letters/));
    expect(found).toContainEqual('7:14 controlDays.holidays.0: must be a date written YYYY-MM-DD');
  });

  it('catches a file whose name and target disagree, and incomplete status maps', () => {
    const source = ['target: directum-rx', 'fields:', '  Annotation: description', STATUSES.replace(/ {2}answered:.*\n/, '')].join('\n');
    const found = compileMapping(source, '/etc/pos/delo.yaml').problems.map((p) => `${p.line}:${p.column} ${p.message}`);
    expect(found).toContainEqual('1:9 target: the file delo.yaml is the mapping for delo, but its target is directum-rx');
    expect(found).toContainEqual(expect.stringMatching(/^4:1 statuses\.answered: missing/));
  });

  it('reports every file of a directory and unreadable paths', async () => {
    const sub = mkdtempSync(join(dir, 'many-'));
    writeFileSync(join(sub, 'a.yaml'), 'target: [');
    writeFileSync(join(sub, 'b.yml'), 'just text');
    writeFileSync(join(sub, 'notes.txt'), 'ignored');
    const result = await checkMappings(sub);
    expect(result.files).toEqual([join(sub, 'a.yaml'), join(sub, 'b.yml')]);
    expect(new Set(result.problems.map((p) => p.file))).toEqual(new Set(result.files));
    expect(at(result.problems.filter((p) => p.file.endsWith('b.yml')))).toEqual(['1:1']);

    const missing = await checkMappings(join(dir, 'nope'));
    expect(missing.problems.map(formatProblem)).toEqual([`${join(dir, 'nope')}:1:1 cannot read: ENOENT`]);
  });
});
