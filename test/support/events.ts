import { randomUUID } from 'node:crypto';
import type { EventPayload } from '@app/contracts';
import { createEventEnvelope, type EventEnvelope } from '@app/event-bus';

/** A valid `user.verified` envelope as user-service would publish it. */
export const userVerifiedEvent = (
  userId: string = randomUUID(),
): EventEnvelope<EventPayload<'user.verified'>> =>
  createEventEnvelope({
    type: 'user.verified',
    source: 'user-service',
    dataversion: 1,
    data: {
      userId,
      email: `${userId}@example.com`,
      name: 'Ada',
      timestamp: new Date().toISOString(),
    },
  });
