// Who is signed in and what their role allows; buttons a role may not use are disabled with a
// title naming the role that may.
import { setCsrfToken } from './api.js';
import { t, type MessageKey } from './i18n.js';

export const ROLES = ['viewer', 'mapping-editor', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export interface SessionInfo {
  user: string;
  role: Role;
  via?: string;
  csrfToken?: string;
}

let current: SessionInfo | undefined;

export function session(): SessionInfo | undefined {
  return current;
}

export function setSession(next: SessionInfo | undefined): void {
  current = next;
  setCsrfToken(next?.csrfToken);
}

export function roleName(role: Role): string {
  return t(`role${role}` as MessageKey);
}

export function may(need: Role): boolean {
  return current !== undefined && ROLES.indexOf(current.role) >= ROLES.indexOf(need);
}

/** Disables a control the signed-in role may not use and says which role may. */
export function guard<E extends HTMLButtonElement | HTMLInputElement>(control: E, need: Role): E {
  if (!may(need)) {
    control.disabled = true;
    control.title = t('needsRole', { role: roleName(need) });
    control.dataset.needsRole = need;
  }
  return control;
}
