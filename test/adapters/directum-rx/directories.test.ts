import { describe, expect, it } from 'vitest';
import type { DirectoryEntry } from '../../../adapters/contract.js';
import { closestNames, normalizeName, resolveIn } from '../../../adapters/directum-rx/directories.js';
import { parseMetadata } from '../../../adapters/directum-rx/metadata.js';
import { recordReferences } from '../../../adapters/record-references.js';
import { DIRECTUM_REFERENCE_FIELDS } from '../../../adapters/directum-rx/record.js';

const entry = (id: number, name: string, codes: Record<string, string> = {}, active = true): DirectoryEntry => ({
  id,
  name,
  codes,
  active,
});
const DEPARTMENTS = [
  entry(11, 'Управление  жилищно-коммунального хозяйства', { Code: 'УЖКХ' }),
  entry(12, 'Комитет по благоустройству'),
  entry(13, 'Отдел ЖКХ', {}, true),
  entry(14, 'Отдел ЖКХ', {}, true),
  entry(15, 'Управление культуры', {}, false),
  entry(16, 'Отдел зелёного хозяйства'),
];

describe('finding a directory entry by name, code or id', () => {
  it('forgives case, repeated spaces and ё/е', () => {
    expect(normalizeName('  Отдел ЗЕЛЁНОГО   хозяйства ')).toBe('отдел зеленого хозяйства');
    expect(resolveIn(DEPARTMENTS, 'отдел зеленого хозяйства', true)).toEqual({ id: 16 });
    expect(resolveIn(DEPARTMENTS, 'Управление жилищно-коммунального хозяйства', true)).toEqual({ id: 11 });
  });

  it('finds by a code before the name, and by an explicit id', () => {
    expect(resolveIn(DEPARTMENTS, 'ужкх', true)).toEqual({ id: 11 });
    expect(resolveIn(DEPARTMENTS, { Id: 12 }, true)).toEqual({ id: 12 });
  });

  it('names both ids when a name matches two entries', () => {
    expect(resolveIn(DEPARTMENTS, 'Отдел ЖКХ', true)).toEqual({ value: 'Отдел ЖКХ', reason: 'ambiguous', matches: [13, 14], closest: [] });
  });

  it('refuses a closed entry, by name or id', () => {
    expect(resolveIn(DEPARTMENTS, 'Управление культуры', true)).toMatchObject({ reason: 'closed', matches: [15] });
    expect(resolveIn(DEPARTMENTS, { Id: 15 }, true)).toMatchObject({ reason: 'closed', matches: [15] });
    expect(resolveIn(DEPARTMENTS, { Id: 99 }, true)).toMatchObject({ reason: 'unknown', matches: [] });
  });

  it('offers the closest active names for an unknown value, only where the field suggests', () => {
    const unknown = resolveIn(DEPARTMENTS, 'Управление жилищного хозяйства', true);
    expect(unknown).toMatchObject({ reason: 'unknown' });
    expect((unknown as { closest: string[] }).closest[0]).toBe('Управление  жилищно-коммунального хозяйства');
    expect(closestNames('Управление культуры и спорта', DEPARTMENTS)).not.toContain('Управление культуры');
    expect(resolveIn(DEPARTMENTS, 'Управление жилищного хозяйства', false)).toMatchObject({ reason: 'unknown', closest: [] });
  });
});

describe("a record's references", () => {
  it('reads top-level links and each question, by code or id', () => {
    const record = { DocumentKind: 'Обращение', Department: { Id: 3 }, Subject: 'x', Questions: [{ Code: '0001' }, { Id: 9 }] };
    expect(recordReferences(record, DIRECTUM_REFERENCE_FIELDS)).toEqual([
      { field: 'DocumentKind', value: 'Обращение' },
      { field: 'Department', value: { Id: 3 } },
      { field: 'Questions[].Code', value: '0001' },
      { field: 'Questions[].Code', value: { Id: 9 } },
    ]);
  });
});

describe('$metadata (CSDL)', () => {
  const CSDL = `<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="Sungero.Domain" Alias="D" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="IEntity"><Key><PropertyRef Name="Id"/></Key><Property Name="Id" Type="Edm.Int32" Nullable="false"/></EntityType>
      <EntityType Name="IRequest" BaseType="D.IEntity">
        <Property Name="Subject" Type="Edm.String"/>
        <Property Name="Note" Type="Edm.String"/>
        <NavigationProperty Name="DocumentKind" Type="Sungero.Domain.IDocumentKind"/>
        <NavigationProperty Name="Versions" Type="Collection(Sungero.Domain.IVersion)"/>
      </EntityType>
      <EntityType Name="IDocumentKind" BaseType="Sungero.Domain.IEntity"><Property Name="Name" Type="Edm.String"/></EntityType>
      <EntityContainer Name="Container">
        <EntitySet Name="IRequests" EntityType="Sungero.Domain.IRequest"/>
        <EntitySet Name="IDocumentKinds" EntityType="D.IDocumentKind"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>`;

  it("lists each set's properties and navigations, inherited ones included", async () => {
    const metadata = await parseMetadata(CSDL);
    expect(metadata.setNames.sort()).toEqual(['IDocumentKinds', 'IRequests']);
    expect(metadata.declares('IRequests', 'Id')).toBe(true);
    expect(metadata.declares('IRequests', 'DocumentKind')).toBe(true);
    expect(metadata.declares('IRequests', 'FastTrack')).toBe(false);
    expect(metadata.entitySet('IRequests')?.navigations.get('Versions')).toBe('Collection(Sungero.Domain.IVersion)');
    expect(metadata.declares('IDocumentKinds', 'Name')).toBe(true);
  });

  it('refuses what is not CSDL with a coded error', async () => {
    await expect(parseMetadata('{"value": []}')).rejects.toMatchObject({ code: 'MALFORMED_RESPONSE' });
    await expect(parseMetadata('<a/>')).rejects.toMatchObject({ code: 'MALFORMED_RESPONSE' });
  });
});
