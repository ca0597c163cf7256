import {
  EVENT_PERMISSIONS,
  isEventType,
  isServiceRole,
  roleOfServiceName,
  type ServiceRole,
} from '@app/contracts';

/**
 * The consumer group a role's service takes when nothing renames it: its
 * default `SERVICE_NAME`, `<role>-service`.
 */
export const defaultGroupOf = (role: ServiceRole): string => `${role}-service`;

/**
 * The role of a consumer group: the one its service registered, or else the
 * one its name implies.
 */
export function roleOfGroup(
  group: string,
  registeredRoles: Readonly<Record<string, string>>,
): ServiceRole | undefined {
  const registered = registeredRoles[group];
  return isServiceRole(registered) ? registered : roleOfServiceName(group);
}

/**
 * The groups retention waits for on `type` beyond the known ones: for each
 * role `EVENT_PERMISSIONS` declares as a consumer of the type that no known
 * group plays, and that an operator has not released, that role's default
 * group. A service that has never started against this Redis then holds
 * what it will read from the start of the stream when it does. Types outside
 * the catalogue declare no consumers.
 */
export function awaitedRoleGroups(
  type: string,
  knownGroups: readonly string[],
  registeredRoles: Readonly<Record<string, string>>,
  releasedRoles: ReadonlySet<string>,
): string[] {
  if (!isEventType(type)) return [];
  const consumers: readonly ServiceRole[] = EVENT_PERMISSIONS[type].consumers;
  const played = new Set(
    knownGroups.map((group) => roleOfGroup(group, registeredRoles)),
  );
  return consumers
    .filter((role) => !played.has(role) && !releasedRoles.has(role))
    .map(defaultGroupOf)
    .filter((group) => !knownGroups.includes(group));
}
