import {
  awaitedRoleGroups,
  defaultGroupOf,
  roleOfGroup,
} from './declared-consumers.js';

describe('the consumers EVENT_PERMISSIONS declares, for retention', () => {
  const none = new Set<string>();

  it("awaits each consuming role's default group while no group plays the role", () => {
    // user.deleted is consumed by booking, notification and scheduler.
    expect(awaitedRoleGroups('user.deleted', [], {}, none)).toEqual([
      'booking-service',
      'notification-service',
      'scheduler-service',
    ]);
    expect(
      awaitedRoleGroups('user.deleted', ['booking-service'], {}, none),
    ).toEqual(['notification-service', 'scheduler-service']);
  });

  it('takes a renamed group for its role, from its name or from the role it registered', () => {
    expect(
      awaitedRoleGroups(
        'user.deleted',
        ['booking-service-eu', 'directory'],
        { directory: 'notification' },
        none,
      ),
    ).toEqual(['scheduler-service']);
    expect(roleOfGroup('directory', { directory: 'notification' })).toBe(
      'notification',
    );
    expect(roleOfGroup('scheduler-service-2', {})).toBe('scheduler');
    expect(roleOfGroup('ghost', {})).toBeUndefined();
    // A registry value that is no role is ignored.
    expect(roleOfGroup('ghost', { ghost: 'admin' })).toBeUndefined();
  });

  it('awaits no role an operator released, and none for types outside the catalogue or without consumers', () => {
    expect(
      awaitedRoleGroups(
        'user.deleted',
        [],
        {},
        new Set(['booking', 'scheduler']),
      ),
    ).toEqual(['notification-service']);
    expect(awaitedRoleGroups('bench.event', [], {}, none)).toEqual([]);
    expect(awaitedRoleGroups('auth.login', [], {}, none)).toEqual([]);
  });

  it('names a role group as the default SERVICE_NAME does', () => {
    expect(defaultGroupOf('notification')).toBe('notification-service');
  });
});
