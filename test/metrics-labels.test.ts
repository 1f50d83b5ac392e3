// /metrics answers without a token: the HTTP latency series must be labelled by route templates,
// never by attachment paths, OData keys or query strings that can carry personal data (and make a
// series per appeal).
import { describe, expect, it } from 'vitest';
import { BridgeMetrics, routeTemplate } from '../src/metrics.js';

describe('HTTP latency route labels', () => {
  it('are templates of the routes the bridge calls', () => {
    const pos: [string, string][] = [
      ['/user-service/oauth/token', 'user-service/oauth/token'],
      ['/appeal-service/edms', 'appeal-service/edms'],
      ['/appeal-service/edms?page=0&size=20', 'appeal-service/edms'],
      ['/appeal-service/edms/{id}/mark-accepted', 'appeal-service/edms/:id/mark-accepted'],
      ['/appeal-service/edms/100042/mark-accepted', 'appeal-service/edms/:id/mark-accepted'],
      ['/appeal-service/edms/100042', 'appeal-service/edms/:id'],
      ['/file-storage-service/filestorage', 'file-storage-service/filestorage'],
      ['/file-storage-service/filestorage/{id}', 'file-storage-service/filestorage/:id'],
      [
        'https://pos.gosuslugi.ru/file-storage-service/filestorage/5f1c/Иванова_паспорт.pdf?sig=abc',
        'file-storage-service/filestorage/:id',
      ],
      ['external-attachment', 'external-attachment'],
      ['/appeal-service/attachments/Иванова_Мария_паспорт.pdf', 'other'],
      ['/files/ivanova-maria.jpg', 'other'],
    ];
    for (const [route, label] of pos) expect(routeTemplate('pos', route), route).toBe(label);

    const directum: [string, string][] = [
      ['/IRequests', 'IRequests'],
      ['/IRequests({id})', 'IRequests({id})'],
      ['/IRequests(5)', 'IRequests({id})'],
      ["/IPersons?$filter=LastName eq 'Иванова'", 'IPersons'],
      ["/IEmployees('ivanova.m')", 'IEmployees({id})'],
      ['/IRequests(5)/Versions(3)/Body/$value', 'IRequests({id})/Versions({id})/Body/$value'],
      ['/$metadata', '$metadata'],
      ['/Sungero.Docflow.IOfficialDocuments(7)', 'Sungero.Docflow.IOfficialDocuments({id})'],
      ['/IRequests(5)/Иванова.pdf', 'other'],
      ['/some path/with spaces', 'other'],
    ];
    for (const [route, label] of directum) expect(routeTemplate('directum-rx', route), route).toBe(label);
  });

  it('keep personal data and raw paths out of /metrics', async () => {
    const metrics = new BridgeMetrics({ defaultMetrics: false });
    const observe = (system: 'pos' | 'directum-rx', route: string) =>
      metrics.httpObserver({ system, method: 'GET', route, status: 200, seconds: 0.1 });
    observe('pos', '/appeal-service/attachments/Иванова_Мария_паспорт.pdf');
    observe('pos', '/appeal-service/edms/100042/mark-accepted');
    observe('pos', '/appeal-service/edms/100043/mark-accepted');
    observe('directum-rx', "/IEmployees('ivanova.m')");
    observe('directum-rx', "/IPersons?$filter=LastName eq 'Иванова'");
    const text = await metrics.registry.metrics();
    for (const leak of ['Иванова', 'ivanova', 'паспорт', '100042', '$filter']) expect(text, leak).not.toContain(leak);
    const routes = new Set([...text.matchAll(/route="([^"]*)"/g)].map((match) => match[1]));
    expect([...routes].sort()).toEqual(['IEmployees({id})', 'IPersons', 'appeal-service/edms/:id/mark-accepted', 'other']);
  });
});
