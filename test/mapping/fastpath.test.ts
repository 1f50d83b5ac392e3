// The fast path against JSONata itself on expressions chosen for JSONata's tricky corners:
// missing paths, nulls, arrays in the data, sequences and their flattening, singleton
// unwrapping, boolean and string casts, scoping, and errors.
import { describe, expect, it } from 'vitest';
import { evaluateExpression, evaluateWithJsonata } from '../../src/mapping/evaluate.js';
import { compileExpression, type CompiledExpression } from '../../src/mapping/expression.js';
import { Deopt } from '../../src/mapping/fast/semantics.js';
import type { CallContext, MappingRuntime } from '../../src/mapping/functions.js';
import { plainCalendar } from '../../src/mapping/working-days.js';

const runtime: MappingRuntime = {
  constants: { c: 'константа', n: 3 },
  dictionaries: new Map([
    [
      'd',
      {
        keyType: 'number',
        default: 'прочее',
        entries: new Map<string, unknown>([
          ['1', 'один'],
          ['2', { Code: 'два' }],
        ]),
      },
    ],
  ]),
  calendar: plainCalendar,
  controlDays: 2,
};
const NOW = new Date('2025-03-01T09:00:00Z');

const input = {
  id: 1,
  description: 'Текст обращения',
  applicant: { surname: 'Иванов', name: null },
  coApplicants: [{ surname: 'A', tags: ['x', 'y'] }, { surname: 'B', tags: ['z'] }, { surname: null }],
  nested: [[1, 2], [3]],
  n: 1.5,
  zero: 0,
  empty: '',
  obj: {},
  arr: [],
  single: ['only'],
  answerAt: '2025-03-17T09:00:00+03:00',
};

function compile(source: string): CompiledExpression {
  const { expression, problems } = compileExpression(source, { dictionaries: new Set(['d']), constants: new Set(['c', 'n']) });
  expect(problems).toEqual([]);
  return expression as CompiledExpression;
}

/** A canonical form that keeps undefined, nulls and array-ness apart. */
function canon(value: unknown): unknown {
  if (value === undefined) return { $: 'undefined' };
  if (Array.isArray(value)) return { $array: value.map(canon) };
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canon((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

type Outcome = { value?: unknown; error?: true; deopt?: true; warnings: string[] };

function call(warnings: string[]): CallContext {
  return { runtime, now: NOW, warn: (message) => warnings.push(message) };
}

async function viaJsonata(expression: CompiledExpression): Promise<Outcome> {
  const warnings: string[] = [];
  try {
    return { value: canon(await evaluateWithJsonata(expression, input, call(warnings))), warnings: warnings.sort() };
  } catch {
    return { error: true, warnings: [] };
  }
}

function viaFastPath(expression: CompiledExpression): Outcome {
  const warnings: string[] = [];
  try {
    return { value: canon(expression.fast?.run(input, call(warnings))), warnings: warnings.sort() };
  } catch (error) {
    return error instanceof Deopt ? { deopt: true, warnings: [] } : { error: true, warnings: [] };
  }
}

const COMPILED = [
  'missing',
  'applicant.missing.deeper',
  'applicant.name',
  'coApplicants.surname',
  'coApplicants.tags',
  'single',
  'single & "!"',
  'nested',
  'nested.$',
  '[coApplicants.surname]',
  '[[1, 2], 3]',
  '[single]',
  '[missing, 1, [missing]]',
  'coApplicants.{"s": surname}',
  '{"all": coApplicants.surname, "none": missing, "k": single}',
  'coApplicants.({"s": surname}).s',
  'coApplicants.surname.{"v": $}',
  'coApplicants ? "yes" : "no"',
  'arr ? 1 : 2',
  'obj ? 1 : 2',
  'zero ? 1 : 2',
  'empty ? 1 : 2',
  'missing ? 1',
  '[0, 0] ? 1 : 2',
  'coApplicants.surname ? 1 : 2',
  'applicant.name ? 1 : 2',
  'n & ""',
  '0.1 + 0.2 & ""',
  '$string({"a": 0.1 + 0.2, "b": [1, null]})',
  'coApplicants.tags & ""',
  'applicant & ""',
  'missing = missing',
  'missing != 1',
  'applicant.name = null',
  'coApplicants.surname = ["A", "B", null]',
  '{"a": 1} = {"a": 1}',
  'n > 1',
  '"a" < "b"',
  'missing < 3',
  'n < "x"',
  '"A" in coApplicants.surname',
  '"C" in coApplicants.surname',
  '-n',
  '-missing',
  '-description',
  'n * 2 - zero / 4',
  'n + missing',
  'n + "1"',
  '7 % 3',
  '($x := 1; $y := $x + 1; $x & $y)',
  '($x := 1; ($x := 2); $x)',
  '$z := 5',
  '($c := $const.c; $c & $const.n)',
  '$$.id',
  '$$.applicant.surname',
  '$.coApplicants.surname',
  '($v := coApplicants; $v.tags)',
  '($o := applicant; $o.name)',
  'applicant.($$.id)',
  'coApplicants.($.surname)',
  '$.description',
  '$const.c',
  '$const',
  '$join(coApplicants.surname, ",")',
  '$join($compact(coApplicants.surname), ",")',
  '$join(single)',
  '$join([], "-")',
  '$count(coApplicants)',
  '$count(missing)',
  '$count(applicant)',
  '$count(applicant.name)',
  '$exists(applicant.name)',
  '$exists(missing)',
  '$substring(description, -3, 2)',
  '$substring("😀ab", 1)',
  '$substring(missing, 1)',
  '$uppercase(applicant.name)',
  '$uppercase(description)',
  '$lowercase(missing)',
  '$trim("  a \\n b ")',
  '$length("😀ab")',
  '$contains(description, "обр")',
  '$substringBefore(description, " ")',
  '$substringAfter(description, "zz")',
  '$boolean(arr)',
  '$not(empty)',
  '$not(missing)',
  '$string(n)',
  '$string(missing)',
  'applicant and missing',
  'applicant or missing',
  'zero or empty',
  'description ?: "x"',
  'missing ?: "x"',
  'missing ?? "dflt"',
  'applicant.name ?? "dflt"',
  '$dict("d", 1)',
  '$dict("d", 2).Code',
  '$dict("d", 99)',
  '$dict("d", applicant.name)',
  '$dictHas("d", 1)',
  '$truncate(description, 5)',
  '$truncate(missing, 5)',
  '$clean("  a  b ")',
  '$clean(empty)',
  '$coalesce(missing, empty, applicant.name, "z")',
  '$digits("+7 (912) 000-11-22")',
  '$postcode("г. Москва, 117342, ул. Мира")',
  '$controlDate(answerAt)',
  '$controlDate(answerAt, 0)',
  '$addDays(answerAt, 30)',
  '$now()',
  '$millis()',
  '$truncate(coApplicants.surname, 5)',
];

const FALLBACK = [
  'coApplicants[0]',
  '$map(arr, function($v) { $v })',
  'coApplicants^(surname)',
  '$number("1")',
  '[1..3]',
  'single[]',
  '**.surname',
  '$match(description, /обр/)',
  '$uppercase()',
  'coApplicants{surname: tags}',
  'coApplicants@$c.surname',
  '{description: 1}',
  '$string ~> $type()',
];

describe('fast path ≡ JSONata', () => {
  it.each(COMPILED)('%s', async (source) => {
    const expression = compile(source);
    expect(expression.fast, expression.fallbackReason).toBeDefined();
    const slow = await viaJsonata(expression);
    const fast = viaFastPath(expression);
    if (fast.deopt) {
      // The fast path gave up: the engine then uses JSONata, which must be what it returns.
      const warnings: string[] = [];
      const engine = await evaluateExpression(expression, input, call(warnings), warnings).then(canon, () => 'error');
      expect(engine).toEqual(slow.error ? 'error' : slow.value);
      return;
    }
    expect(fast).toEqual(slow);
  });

  it('gives up only where it would differ: errors and grouping become JSONata’s', () => {
    for (const source of [
      '-description',
      'n < "x"',
      'n + "1"',
      '$uppercase(applicant.name)',
      '$join(coApplicants.surname, ",")',
      'nested.{"v": $}',
    ]) {
      expect(viaFastPath(compile(source)).deopt, source).toBe(true);
    }
  });

  it.each(FALLBACK)('leaves %s to JSONata', async (source) => {
    const { expression } = compileExpression(source, { dictionaries: new Set(), constants: new Set(['c']) });
    if (!expression) return; // rejected by the reference check is fine too
    expect(expression.fast).toBeUndefined();
    expect(expression.fallbackReason).toBeTruthy();
    const warnings: string[] = [];
    const viaEngine = await evaluateExpression(expression, input, call(warnings), warnings).then(canon, () => 'error');
    const direct = await evaluateWithJsonata(expression, input, call([])).then(canon, () => 'error');
    expect(viaEngine).toEqual(direct);
  });
});

describe('work budget', () => {
  const steps = (step: string, times: number) => Array.from({ length: times }, () => step).join('.');
  const RUNAWAYS = [
    // Each step makes ten items of every item: 10^9 at the end.
    `$.${steps('[$, $, $, $, $, $, $, $, $, $]', 9)}`,
    // Objects sharing their parts: 2^40 nodes once written out.
    `$string($.${steps('{"a": $, "b": $}', 40)})`,
    // Back to the root at every step: 3^20 evaluations of the next step.
    `${steps('coApplicants.$$', 20)}.id`,
    // Text doubled by re-binding: a billion characters.
    `($x := description; ${Array.from({ length: 30 }, () => '$x := $x & $x').join('; ')}; $length($x))`,
  ];

  // Each would run for hours or exhaust memory: giving up on the budget at all is what keeps it short.
  it.each(RUNAWAYS)('gives up on %s when its work budget is spent, leaving it to JSONata under the deadline', (source) => {
    const expression = compile(source);
    expect(expression.fast, expression.fallbackReason).toBeDefined();
    expect(() => expression.fast?.run(input, call([]))).toThrow(new Deopt('work budget spent'));
  });
});
