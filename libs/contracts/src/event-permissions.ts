import type { EventType } from './event-catalogue.js';

/**
 * The roles a service of the system plays on the bus. A deployment's
 * `SERVICE_NAME` (its consumer group and CloudEvents `source`) can be
 * anything; its role says what it may publish and consume.
 */
export const SERVICE_ROLES = [
  'user',
  'booking',
  'scheduler',
  'notification',
] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];

export interface EventPermission {
  /** The one role whose services publish the type. */
  readonly publisher: ServiceRole;
  /** The roles whose services may run handlers of the type. */
  readonly consumers: readonly ServiceRole[];
}

/**
 * Who may say what: for each type of the catalogue, the role that publishes
 * it and the roles that consume it (the apps' `@EventPattern` handlers).
 * The bus refuses to publish a type for another role, refuses at start-up a
 * handler of a role that is not a consumer, and drops every event signed by
 * a service whose role is not the type's publisher.
 */
export const EVENT_PERMISSIONS = {
  'user.registered': {
    publisher: 'user',
    consumers: ['notification', 'scheduler'],
  },
  'user.verified': { publisher: 'user', consumers: ['notification'] },
  'user.updated': {
    publisher: 'user',
    consumers: ['notification', 'scheduler'],
  },
  'user.deleted': {
    publisher: 'user',
    consumers: ['booking', 'notification', 'scheduler'],
  },
  'auth.login': { publisher: 'user', consumers: [] },
  'booking.created': { publisher: 'booking', consumers: [] },
  'booking.approved': { publisher: 'booking', consumers: ['notification'] },
  'booking.rejected': { publisher: 'booking', consumers: ['notification'] },
  'booking.assigned': { publisher: 'booking', consumers: ['notification'] },
  'booking.confirmed': {
    publisher: 'booking',
    consumers: ['notification', 'scheduler'],
  },
  'booking.started': { publisher: 'booking', consumers: ['notification'] },
  'booking.completed': { publisher: 'booking', consumers: ['notification'] },
  'booking.cancelled': { publisher: 'booking', consumers: ['notification'] },
  'shift.created': { publisher: 'scheduler', consumers: [] },
  'shift.updated': { publisher: 'scheduler', consumers: [] },
  'shift.completed': { publisher: 'scheduler', consumers: ['scheduler'] },
  'shift.cancelled': { publisher: 'scheduler', consumers: [] },
  'invoice.generated': { publisher: 'scheduler', consumers: ['notification'] },
  'organization.updated': {
    publisher: 'scheduler',
    consumers: ['scheduler'],
  },
} as const satisfies Record<EventType, EventPermission>;

export function isServiceRole(value: unknown): value is ServiceRole {
  return (
    typeof value === 'string' &&
    (SERVICE_ROLES as readonly string[]).includes(value)
  );
}

/**
 * The role a service name implies: `user-service`, `user-service-eu-2` and
 * `user` are `user`. Undefined when the name starts with no role.
 */
export function roleOfServiceName(name: string): ServiceRole | undefined {
  const match = /^([a-z]+)(?:-|$)/.exec(name);
  return match && isServiceRole(match[1]) ? match[1] : undefined;
}

export function mayPublish(role: ServiceRole, type: EventType): boolean {
  return EVENT_PERMISSIONS[type].publisher === role;
}

export function mayConsume(role: ServiceRole, type: EventType): boolean {
  return (EVENT_PERMISSIONS[type].consumers as readonly string[]).includes(
    role,
  );
}
