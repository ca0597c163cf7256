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
