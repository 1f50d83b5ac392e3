// Audit records of what a caller did, named after the principal (principal.ts). An action that has
// already happened is not answered with an error because its record could not be written: the
// failure is logged (code only) and the answer stands. Where the record must come first (an
// unmasked view of personal data), call deps.audit.record yourself and let it throw.
import type { FastifyRequest } from 'fastify';
import { describeError } from '../errors.js';
import type { AdminDeps, AuditInput } from './deps.js';
import { principalOf } from './principal.js';

export type AuditAction = Omit<AuditInput, 'who' | 'role'>;

export function auditInput(request: FastifyRequest, action: AuditAction): AuditInput {
  const principal = principalOf(request);
  return { who: principal.name, role: principal.role, ...action };
}

export async function audit(deps: AdminDeps, request: FastifyRequest, action: AuditAction): Promise<void> {
  try {
    await deps.audit.record(auditInput(request, action));
  } catch (error) {
    deps.logger.error({ action: action.action, target: action.target, code: describeError(error).code }, 'could not write an audit record');
  }
}
