import { Logger } from '@nestjs/common';
import type { AuthenticatedUser } from '../auth/authenticated-user.js';

/** Logger context of the audit trail: grep `[Audit]` in a service's log. */
export const AUDIT_LOG_CONTEXT = 'Audit';

const auditLogger = new Logger(AUDIT_LOG_CONTEXT);

/** Plain facts about an action: ids, names, states; never secrets or payloads. */
export type AuditDetails = Record<
  string,
  string | number | boolean | undefined
>;

/**
 * Writes one audit line for an admin action: who (`actor=<user id>`), what
 * (`action=<verb>`), on what (`target=<kind>:<id>`), then the details, as
 * `key=value` pairs that log processors can split.
 *
 * @example
 * auditLog(caller, 'user.role.change', `user:${id}`, { from: 'customer', to: 'worker' });
 * // [Audit] actor=<admin id> action=user.role.change target=user:<id> from=customer to=worker
 */
export function auditLog(
  actor: Pick<AuthenticatedUser, 'id'>,
  action: string,
  target: string,
  details: AuditDetails = {},
): void {
  const pairs = Object.entries(details)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  auditLogger.log(
    [
      `actor=${actor.id}`,
      `action=${action}`,
      `target=${target}`,
      ...pairs,
    ].join(' '),
  );
}
