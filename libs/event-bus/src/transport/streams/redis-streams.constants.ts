/** `transportId` of the durable transport, for `@EventPattern(type, DURABLE_TRANSPORT)`. */
export const DURABLE_TRANSPORT = Symbol.for('event-bus:durable');

/** Field of a stream entry holding the CloudEvents envelope (JSON). */
export const ENVELOPE_FIELD = 'envelope';

/** The stream of one event type, e.g. `eventbus:stream:user.registered`. */
export const streamKey = (keyPrefix: string, type: string): string =>
  `${keyPrefix}stream:${type}`;

/** The stream every consumer group's dead letters go to. */
export const deadLetterKey = (keyPrefix: string): string =>
  `${keyPrefix}dead-letters`;

/**
 * Field of a replayed entry naming the one consumer group it is for; the
 * other groups acknowledge it without handling it.
 */
export const TARGET_GROUP_FIELD = 'group';

/** The inbox entry of one event id in one consumer group. */
export const inboxKey = (
  keyPrefix: string,
  group: string,
  eventId: string,
): string => `${keyPrefix}inbox:${group}:${eventId}`;

export const INBOX_IN_PROGRESS = 'in-progress';
export const INBOX_DONE = 'done';

/**
 * The delayed retries of one consumer group: a sorted set of
 * `<stream>|<entry id>` scored by the time the entry is due again.
 */
export const retriesKey = (keyPrefix: string, group: string): string =>
  `${keyPrefix}retries:${group}`;

/**
 * Where each stream's consumer group is recreated if Redis loses it: a hash
 * of stream -> the id just before the group's oldest entry not yet
 * acknowledged.
 */
export const groupPositionsKey = (keyPrefix: string, group: string): string =>
  `${keyPrefix}group-positions:${group}`;

/**
 * The set of consumer groups that consume one event type, registered by each
 * durable server when it starts: retention waits for every group in it, also
 * while the group's service is down.
 */
export const consumerGroupsKey = (keyPrefix: string, type: string): string =>
  `${keyPrefix}groups:${type}`;

/**
 * The role each consumer group plays (`EVENT_PERMISSIONS`), a hash of group
 * -> role registered with `consumerGroupsKey`: retention knows which
 * declared consuming roles have a group, whatever `SERVICE_NAME` calls it.
 */
export const consumerRolesKey = (keyPrefix: string): string =>
  `${keyPrefix}retention:group-roles`;

/**
 * Consuming roles an operator released (their last group removed for good):
 * retention stops holding streams for them until a service of the role
 * starts again.
 */
export const releasedRolesKey = (keyPrefix: string): string =>
  `${keyPrefix}retention:released-roles`;
