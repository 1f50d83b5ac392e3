// Who is calling the admin API, and what their role lets them do. Every /api route declares the
// least role it needs in its route config (`config: { role }`); the auth hook sets
// `request.principal` and the role hook refuses the rest with 403 and a reason.
import type { FastifyRequest } from 'fastify';

/** Ordered: each role may do everything the ones before it may. */
export const ADMIN_ROLES = ['viewer', 'mapping-editor', 'operator'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export interface Principal {
  /** A user of ADMIN_USERS_FILE, or ADMIN_TOKEN_PRINCIPAL for the shared ADMIN_TOKEN. */
  name: string;
  role: AdminRole;
  /** How the request authenticated: a bearer token, or a console session cookie (then CSRF applies). */
  via: 'token' | 'session';
}

/** The name ADMIN_TOKEN acts under (an operator). */
export const ADMIN_TOKEN_PRINCIPAL = 'admin';

/** What each role may do, in words, for 403 messages and the docs. */
export const ROLE_DUTIES: Record<AdminRole, string> = {
  viewer: 'read everything: appeals, mappings and their history, failed list, deadlines, audit; check and preview drafts',
  'mapping-editor': 'also apply and roll back mappings, and unmask personal fields in previews',
  operator: 'everything: also retry and drop failed jobs, start a sync, and act in the queue UI',
};

export function roleAllows(have: AdminRole, need: AdminRole): boolean {
  return ADMIN_ROLES.indexOf(have) >= ADMIN_ROLES.indexOf(need);
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** The least role the route needs; /api routes without one are refused at start-up. Absent on open routes (`public: true`). */
    role?: AdminRole;
    /** An /api route that needs no authentication (login). */
    public?: boolean;
  }
}

/** The authenticated caller; only for handlers behind the auth hook. */
export function principalOf(request: FastifyRequest): Principal {
  // A route registered outside the auth hook: a fault of ours, answered 500.
  if (!request.principal) throw new Error('no principal on an authenticated route');
  return request.principal;
}
