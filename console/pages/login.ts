// Sign-in: the token goes to POST /api/login once; the session cookie (HttpOnly) does the rest and
// the CSRF token is kept in memory only.
import { ApiError, post } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { setSession, type SessionInfo } from '../session.js';
import { messageArea, pageTitle } from '../ui.js';

export function renderLogin(root: HTMLElement, signedIn: () => void): void {
  const token = h('input', {
    id: 'login-token',
    type: 'password',
    name: 'token',
    autocomplete: 'current-password',
    required: true,
    'aria-describedby': 'login-hint',
    'data-testid': 'login-token',
  });
  const message = messageArea('login-error');
  const form = h(
    'form',
    { class: 'login', 'data-testid': 'login-form', novalidate: true },
    pageTitle('loginTitle'),
    h('label', { for: 'login-token' }, t('loginToken')),
    token,
    h('p', { id: 'login-hint', class: 'hint' }, t('loginHint')),
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'login-submit' }, t('loginSubmit')),
    message.element,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    message.clear();
    post<SessionInfo & { expiresAt?: string }>('/api/login', { token: token.value.trim() })
      .then((answer) => {
        token.value = '';
        setSession({ user: answer.user, role: answer.role, via: 'session', csrfToken: answer.csrfToken });
        signedIn();
      })
      .catch((error: unknown) => {
        // 401: a wrong, mistyped or revoked token; said in the console's language, not the server's.
        message.error(error instanceof ApiError && error.status === 401 ? new Error(t('loginFailed')) : error);
        token.focus();
      });
  });
  root.replaceChildren(h('main', { id: 'main', class: 'narrow' }, form));
  token.focus();
}
