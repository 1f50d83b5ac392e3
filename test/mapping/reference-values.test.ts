import { describe, expect, it } from 'vitest';
import type { ReferenceField } from '../../adapters/contract.js';
import { staticReferenceValues } from '../../src/mapping/reference-values.js';

const FIELDS: ReferenceField[] = [
  { field: 'DocumentKind', directory: 'document-kinds', directoryName: 'IDocumentKinds', suggest: true },
  { field: 'Department', directory: 'departments', directoryName: 'IDepartments', suggest: true },
  { field: 'BusinessUnit', directory: 'business-units', directoryName: 'IBusinessUnits', suggest: true },
  { field: 'Addressee', directory: 'employees', directoryName: 'IEmployees', suggest: false },
  { field: 'Questions[].Code', directory: 'questions', directoryName: 'IQuestions', suggest: true },
];

const SOURCE = `target: directum-rx
constants:
  kind: Обращение гражданина
  unit: { Id: 7 }
dictionaries:
  dept:
    keyType: number
    default: Общий отдел
    entries:
      101: Управление дорог
      102: Управление ЖКХ
  questions:
    keyType: number
    entries:
      1: "0001.0001.0001.0001"
fields:
  DocumentKind: $const.kind
  Department: $dict("dept", subjectId)
  BusinessUnit: $const.unit
  Addressee: >-
    applicant.surname = "x" ? "Орлова Т. П." : $clean(opaName)
  Questions: |-
    [{ "Code": $dictHas("questions", factId) ? $dict("questions", factId) : "0009.0009.0009.0009" }]
  Subject: "Обращение " & description
`;

describe('static values a mapping can write into reference fields', () => {
  const { located, values } = staticReferenceValues(SOURCE, 'm.yaml', FIELDS);
  const at = (offset: number) => {
    const { line, column } = located.problemAtOffset(offset, '');
    return `${line}:${column}`;
  };
  const seen = values.map((value) => ({ field: value.field, value: value.value, origin: value.origin.kind, at: at(value.offset) }));

  it('follows constants, dictionary entries and defaults to the line that holds them', () => {
    expect(seen).toContainEqual({ field: 'DocumentKind', value: 'Обращение гражданина', origin: 'constant', at: '3:9' });
    expect(seen).toContainEqual({ field: 'Department', value: 'Управление дорог', origin: 'dictionary', at: '10:12' });
    expect(seen).toContainEqual({ field: 'Department', value: 'Управление ЖКХ', origin: 'dictionary', at: '11:12' });
    expect(seen).toContainEqual({ field: 'Department', value: 'Общий отдел', origin: 'dictionary-default', at: '8:14' });
  });

  it('reads explicit ids, condition branches and literals inside object constructors', () => {
    expect(seen).toContainEqual({ field: 'BusinessUnit', value: { Id: 7 }, origin: 'constant', at: '4:9' });
    expect(seen).toContainEqual({ field: 'Addressee', value: 'Орлова Т. П.', origin: 'field', at: '21:31' });
    expect(seen).toContainEqual({ field: 'Questions[].Code', value: '0001.0001.0001.0001', origin: 'dictionary', at: '15:10' });
    expect(seen).toContainEqual({ field: 'Questions[].Code', value: '0009.0009.0009.0009', origin: 'field', at: '23:77' });
  });

  it('leaves values computed from the appeal to registration, and ignores conditions and non-reference fields', () => {
    expect(seen.filter((value) => value.field === 'Addressee')).toHaveLength(1);
    expect(values.some((value) => value.value === 'x' || value.value === 'Обращение ')).toBe(false);
    expect(values).toHaveLength(8);
  });
});
