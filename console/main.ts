// The console's entry: find the session (GET /api/session), draw the shell (navigation, user,
// language, logout) and the page the hash names; without a session, the login page.
import { ApiError, get, post, whenUnauthorized } from './api.js';
import { h } from './dom.js';
import { LANGUAGES, language, setLanguage, t, type Language, type MessageKey } from './i18n.js';
import { currentRoute, navigate, onRouteChange, type Route } from './router.js';
import { roleName, session, setSession, type SessionInfo } from './session.js';
import { renderAppeal } from './pages/appeal.js';
import { renderAudit } from './pages/audit.js';
import { renderDeadlines } from './pages/deadlines.js';
import { renderFailed } from './pages/failed.js';
import { renderLogin } from './pages/login.js';
import { renderMapping } from './pages/mapping.js';
import { renderMappings } from './pages/mappings.js';
import { messageArea } from './ui.js';

const root = document.getElementById('app')!;
let cleanup: () => void = () => {};

const NAV: [string, MessageKey][] = [
  ['mappings', 'navMappings'],
  ['failed', 'navFailed'],
  ['deadlines', 'navDeadlines'],
  ['appeal', 'navAppeal'],
  ['audit', 'navAudit'],
];

function languageSwitch(): HTMLElement {
  const select = h(
    'select',
    { id: 'language', 'data-testid': 'language' },
    ...LANGUAGES.map((lang) => h('option', { value: lang, selected: lang === language() }, lang === 'ru' ? 'Русский' : 'English')),
  );
  select.addEventListener('change', () => {
    setLanguage(select.value as Language);
    show();
  });
  return h('div', { class: 'lang' }, h('label', { for: 'language' }, t('language')), select);
}

function shell(who: SessionInfo, route: Route): HTMLElement {
  const main = h('main', { id: 'main', 'data-testid': `page-${route.page}` });
  const logout = h('button', { type: 'button', 'data-testid': 'logout' }, t('logout'));
  logout.addEventListener('click', () => {
    post('/api/logout')
      .catch(() => undefined)
      .finally(() => {
        setSession(undefined);
        navigate('#/login');
      });
  });
  const header = h(
    'header',
    { class: 'top' },
    h('span', { class: 'brand' }, t('appTitle')),
    h(
      'nav',
      { 'aria-label': t('navMain') },
      h(
        'ul',
        {},
        ...NAV.map(([page, key]) =>
          h(
            'li',
            {},
            h('a', { href: `#/${page}`, 'data-testid': `nav-${page}`, 'aria-current': route.page === page ? 'page' : undefined }, t(key)),
          ),
        ),
      ),
    ),
    h('span', { class: 'who', 'data-testid': 'who', 'data-role': who.role }, t('signedInAs', { user: who.user, role: roleName(who.role) })),
    languageSwitch(),
    logout,
  );
  root.replaceChildren(header, main);
  return main;
}

async function renderPage(main: HTMLElement, route: Route): Promise<void> {
  switch (route.page) {
    case 'mappings':
      if (route.param) cleanup = await renderMapping(main, route.param);
      else await renderMappings(main);
      return;
    case 'failed':
      return renderFailed(main);
    case 'deadlines':
      return renderDeadlines(main);
    case 'appeal':
      return renderAppeal(main, route.param);
    case 'audit':
      return renderAudit(main);
    default: {
      const message = messageArea();
      message.error(new Error(t('notFoundPage')));
      main.replaceChildren(message.element);
    }
  }
}

function show(): void {
  cleanup();
  cleanup = () => {};
  const route = currentRoute();
  const who = session();
  if (!who || route.page === 'login') {
    renderLogin(root, () => navigate(route.page === 'login' ? '#/mappings' : location.hash || '#/mappings'));
    return;
  }
  const main = shell(who, route);
  renderPage(main, route).catch((error: unknown) => {
    const message = messageArea();
    message.error(error);
    main.append(message.element);
  });
}

async function start(): Promise<void> {
  setLanguage(language());
  try {
    setSession(await get<SessionInfo>('/api/session'));
  } catch (error) {
    // 401: not signed in yet. Anything else is shown on the login page's next attempt.
    if (!(error instanceof ApiError) || error.status !== 401) console.warn(error);
    setSession(undefined);
  }
  whenUnauthorized(() => {
    setSession(undefined);
    show();
  });
  onRouteChange(show);
  show();
}

void start();
