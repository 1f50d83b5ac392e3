// The shipped ПОС appeal fixtures (fixtures/appeals) as preview sources for the console: made-up
// applicants, so they may be shown unmasked. Titles carry the topic and the case, nothing personal.
import { loadEdgeCaseFixtures, type NamedFixture } from '../../fixtures/index.js';

export interface FixtureView {
  id: string;
  title: string;
  organisation?: string;
}

export interface FixtureSource {
  list(): FixtureView[];
  /** The appeal as the file holds it; null: no such fixture. */
  get(id: string): unknown;
}

function topicOf(appeal: unknown): string {
  const { subjectName, subsubjectName, factName } = (appeal ?? {}) as Record<string, unknown>;
  const parts = [subjectName, factName ?? subsubjectName].filter((part): part is string => typeof part === 'string' && part !== '');
  return parts.length > 0 ? parts.join(' / ') : 'без темы (no topic)';
}

export function fixtureSource(load: () => NamedFixture[] = loadEdgeCaseFixtures): FixtureSource {
  let cached: NamedFixture[] | undefined;
  const all = () => (cached ??= load());
  return {
    list: () => all().map((fixture) => ({ id: fixture.name, title: `${topicOf(fixture.appeal)} (${fixture.name})` })),
    get: (id) => all().find((fixture) => fixture.name === id)?.appeal ?? null,
  };
}
