import { randomUUID } from 'node:crypto';
import type { EventPayload } from '@app/contracts';
import { createEventEnvelope, type EventEnvelope } from '@app/event-bus';
import { signedAs } from './signed-events.js';

/** A valid `user.verified` envelope as user-service publishes it: signed with its key. */
export const userVerifiedEvent = (
  userId: string = randomUUID(),
): EventEnvelope<EventPayload<'user.verified'>> =>
  signedAs(
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
    }),
  );
