import type { INestApplicationContext } from '@nestjs/common';
import { EventTrust } from '@app/event-bus';

/**
 * Prefix of the keys (streams, consumer groups, inboxes, history) of the
 * bench's unsigned publishers and consumers. Their events must not reach
 * the signed consumers of the same service (group `notification-service`),
 * which would refuse them as unsigned and dead-letter them. The broadcast
 * channel is not prefixed (it is the event type), so stock subscribers
 * receive both.
 */
export const UNSIGNED_KEY_PREFIX = 'bench-unsigned:';

/** Role options of the bus publisher and consumer. */
export interface BusRoleOptions {
  redisUrl: string;
  /** Default true; false: see {@link turnSignaturesOff}. */
  signatures?: boolean;
  keyPrefix?: string;
}

/**
 * Bench only: the app's `EventTrust` lets every event through unchanged,
 * so that the bench can measure what signing (`seal`, on publish) and
 * verifying (`open`, on consume) cost (`sealBatched` is what `EventBus.publish`
 * calls; `seal` signs one envelope alone), beside the same path with them on.
 * The library has no such switch, on purpose; this patches the instance
 * after the app is created and before anything is published or consumed
 * (the durable server calls `open` through the instance, so it sees the
 * patch whenever it was created).
 */
export function turnSignaturesOff(app: INestApplicationContext): void {
  const trust = app.get(EventTrust);
  trust.seal = (event) => event;
  trust.sealBatched = (event) =>
    Promise.resolve({ envelope: event, text: JSON.stringify(event) });
  trust.open = (envelope) => ({ ok: true, envelope });
}
