// GET /Integration/odata/$metadata: the installation's model as CSDL XML (EDMX 4.0), generated from
// the live model, so a property an installation lacks (undeclare) is absent here too. Every type is
// in NAMESPACE; an EntitySet names its EntityType by qualified name, single links are
// NavigationProperty Type="<ns>.<type>", child collections Type="Collection(<ns>.<type>)" with
// ContainsTarget, and enumerations are EnumTypes named <type>_<property>.
import { NAMESPACE, qualifiedName, type EntityModel, type EntityTypeDef, type PropDef } from './model.js';

const EDM: Record<Exclude<PropDef['type'], 'enum'>, string> = {
  string: 'Edm.String',
  int: 'Edm.Int32',
  datetime: 'Edm.DateTimeOffset',
  boolean: 'Edm.Boolean',
};

const attr = (value: string | number | boolean): string =>
  String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Each entity type once (Versions is shared by two sets), parents before their child types. */
function allTypes(model: EntityModel): EntityTypeDef[] {
  const seen = new Map<string, EntityTypeDef>();
  const visit = (def: EntityTypeDef) => {
    if (seen.has(def.typeName)) return;
    seen.set(def.typeName, def);
    for (const child of Object.values(def.collections)) visit(child);
  };
  for (const def of Object.values(model)) visit(def);
  return [...seen.values()];
}

const enumName = (def: EntityTypeDef, property: string) => `${def.typeName}_${property}`;

function entityType(def: EntityTypeDef, model: EntityModel, lines: string[]): void {
  lines.push(`      <EntityType Name="${attr(def.typeName)}">`);
  lines.push('        <Key>', '          <PropertyRef Name="Id"/>', '        </Key>');
  for (const [name, prop] of Object.entries(def.scalars)) {
    const type = prop.type === 'enum' ? `${NAMESPACE}.${enumName(def, name)}` : EDM[prop.type];
    const nullable = name === 'Id' || def.required.includes(name) ? 'false' : 'true';
    const maxLength = prop.maxLength === undefined ? '' : ` MaxLength="${prop.maxLength}"`;
    lines.push(`        <Property Name="${attr(name)}" Type="${attr(type)}" Nullable="${nullable}"${maxLength}/>`);
  }
  for (const [name, set] of Object.entries(def.navs)) {
    lines.push(`        <NavigationProperty Name="${attr(name)}" Type="${attr(qualifiedName(model[set]!))}"/>`);
  }
  for (const [name, child] of Object.entries(def.collections)) {
    lines.push(`        <NavigationProperty Name="${attr(name)}" Type="Collection(${attr(qualifiedName(child))})" ContainsTarget="true"/>`);
  }
  lines.push('      </EntityType>');
}

export function metadataXml(model: EntityModel): string {
  const types = allTypes(model);
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    '  <edmx:DataServices>',
    `    <Schema Namespace="${NAMESPACE}" xmlns="http://docs.oasis-open.org/odata/ns/edm">`,
  ];
  for (const def of types) {
    for (const [name, prop] of Object.entries(def.scalars)) {
      if (prop.type !== 'enum') continue;
      lines.push(`      <EnumType Name="${attr(enumName(def, name))}">`);
      prop.values!.forEach((value, index) => lines.push(`        <Member Name="${attr(value)}" Value="${index}"/>`));
      lines.push('      </EnumType>');
    }
  }
  for (const def of types) entityType(def, model, lines);
  lines.push('      <EntityContainer Name="Container">');
  for (const [set, def] of Object.entries(model)) {
    const bindings = Object.entries(def.navs).map(
      ([name, target]) => `          <NavigationPropertyBinding Path="${attr(name)}" Target="${attr(target)}"/>`,
    );
    if (!bindings.length) {
      lines.push(`        <EntitySet Name="${attr(set)}" EntityType="${attr(qualifiedName(def))}"/>`);
      continue;
    }
    lines.push(`        <EntitySet Name="${attr(set)}" EntityType="${attr(qualifiedName(def))}">`, ...bindings, '        </EntitySet>');
  }
  lines.push('      </EntityContainer>', '    </Schema>', '  </edmx:DataServices>', '</edmx:Edmx>', '');
  return lines.join('\n');
}
