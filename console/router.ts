// Hash routes: #/mappings, #/mappings/<name>, #/failed, #/deadlines, #/appeal[/<posId>], #/audit, #/login.
export interface Route {
  page: string;
  param?: string;
}

export function currentRoute(): Route {
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const page = parts[0] || 'mappings';
  const rest = parts.slice(1).join('/');
  return rest ? { page, param: decodeURIComponent(rest) } : { page };
}

export function navigate(hash: string): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

export function onRouteChange(handler: (route: Route) => void): void {
  window.addEventListener('hashchange', () => handler(currentRoute()));
}
