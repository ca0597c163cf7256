import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { AUDIT_LOG_CONTEXT, auditLog } from './audit-log.js';

describe('auditLog', () => {
  afterEach(() => jest.restoreAllMocks());

  it('writes one line naming the admin, the action and the target under [Audit]', () => {
    const log = jest
      .spyOn(Logger.prototype, 'log')
      .mockImplementation(() => undefined);

    auditLog({ id: 'admin-1' }, 'user.role.change', 'user:42', {
      from: 'customer',
      to: 'worker',
      skipped: undefined,
    });

    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.contexts[0]).toMatchObject({ context: AUDIT_LOG_CONTEXT });
    expect(log.mock.calls[0][0]).toBe(
      'actor=admin-1 action=user.role.change target=user:42 from="customer" to="worker"',
    );
  });

  it('quotes details so a value cannot forge another line', () => {
    const log = jest
      .spyOn(Logger.prototype, 'log')
      .mockImplementation(() => undefined);

    auditLog({ id: 'admin-1' }, 'organization.upsert', 'organization:o', {
      name: 'Acme\nactor=someone-else',
    });

    expect(log.mock.calls[0][0]).not.toContain('\n');
  });
});
