// #/mappings: the mappings in use, each a link to its editor.
import { get, enc } from '../api.js';
import { h } from '../dom.js';
import { formatTime } from '../i18n.js';
import { messageArea, pageTitle, table, text } from '../ui.js';

interface MappingSummary {
  name: string;
  version: string;
  target: string;
  updatedAt?: string;
  author?: string;
}

export async function renderMappings(main: HTMLElement): Promise<void> {
  const message = messageArea();
  main.replaceChildren(pageTitle('mappingsTitle'), message.element);
  try {
    const mappings = await get<MappingSummary[]>('/api/mappings');
    const rows = mappings.map((mapping) => [
      h('a', { href: `#/mappings/${enc(mapping.name)}`, 'data-testid': `mapping-link-${mapping.name}` }, mapping.name),
      text(mapping.target),
      text(mapping.version),
      text(formatTime(mapping.updatedAt)),
      text(mapping.author),
    ]);
    main.append(table(['colName', 'colTarget', 'colVersion', 'colUpdated', 'colAuthor'], rows, 'mappings-table'));
  } catch (error) {
    message.error(error);
  }
}
