import {
  EVENT_CATALOGUE,
  EVENT_PERMISSIONS,
  type EventPayload,
  type EventType,
} from '@app/contracts';
import {
  createEventEnvelope,
  EventTrust,
  streamKey,
  type EventEnvelope,
} from '@app/event-bus';
import { Redis } from 'ioredis';

const trusts = new Map<string, EventTrust>();

/**
 * The trust layer of `service`, with its key pair in the keys folder the
 * services of the test use (`EVENT_BUS_KEYS_DIR`, default `.data/keys`),
 * created on first use as a service creates it.
 */
export function trustOf(service: string): EventTrust {
  const keysDir = process.env.EVENT_BUS_KEYS_DIR;
  const key = `${service}@${keysDir ?? ''}`;
  let trust = trusts.get(key);
  if (!trust) {
    trust = new EventTrust({ service, trust: { keysDir } });
    trusts.set(key, trust);
  }
  return trust;
}

/** `event` sealed and signed as `service` publishes it (default its source). */
export function signedAs<T>(
  event: EventEnvelope<T>,
  service: string = event.source,
): EventEnvelope<T> {
  return trustOf(service).seal(event);
}

/** The service of the role that publishes `type`: `user.deleted` -> `user-service`. */
export const publisherOf = (type: EventType): string =>
  `${EVENT_PERMISSIONS[type].publisher}-service`;

/**
 * Publishes as the service that owns `type` would (signed by its key,
 * sensitive fields sealed): appended to the type's stream and sent on its
 * broadcast channel, as `EventBus.publish(..., { redisOnly: true })` does.
 * `redis` is a client or the URL of the bus.
 */
export async function publishAs<TType extends EventType>(
  redis: Redis | string,
  type: TType,
  data: EventPayload<TType>,
  options: {
    correlationId?: string;
    service?: string;
    /** Always over Redis only; accepted as `EventBus.publish` takes it. */
    redisOnly?: boolean;
  } = {},
): Promise<{ event: EventEnvelope<EventPayload<TType>> }> {
  const service = options.service ?? publisherOf(type);
  const event = signedAs(
    createEventEnvelope({
      type,
      source: service,
      data,
      dataversion: EVENT_CATALOGUE[type].version,
      correlationId: options.correlationId,
    }),
  );
  const json = JSON.stringify(event);
  const client = typeof redis === 'string' ? new Redis(redis) : redis;
  try {
    await client.xadd(streamKey('eventbus:', type), '*', 'envelope', json);
    await client.publish(type, JSON.stringify({ pattern: type, data: event }));
  } finally {
    if (client !== redis) await client.quit();
  }
  return { event };
}

/**
 * `event` with its sensitive fields decrypted, as a consuming service's
 * handler gets it (signature and source checked; age not).
 */
export function decrypted<T>(event: EventEnvelope<T>): EventEnvelope<T> {
  const opened = trustOf('test-reader').open(event, { checkAge: false });
  if (!opened.ok) throw new Error(opened.reason);
  return opened.envelope as EventEnvelope<T>;
}
