import {
  EVENT_CATALOGUE,
  EVENT_PERMISSIONS,
  USER_ROLES,
  type EventType,
} from '@app/contracts';
import fc from 'fast-check';
import { createEventEnvelope } from '../../libs/event-bus/src/envelope/event-envelope.js';
import type { EventEnvelope } from '../../libs/event-bus/src/envelope/event-envelope.js';

const timestamp = fc
  .date({
    noInvalidDate: true,
    min: new Date('2000-01-01T00:00:00Z'),
    max: new Date('2100-01-01T00:00:00Z'),
  })
  .map((date) => date.toISOString());
const email = fc.stringMatching(/^[a-z0-9]{1,20}@[a-z]{1,12}\.(com|org|io)$/);
const text = (maxLength: number) =>
  fc.string({ minLength: 1, maxLength, unit: 'grapheme' });

/** Valid payloads of a few catalogue types, one with a sensitive field. */
export const PAYLOADS = {
  'user.registered': fc.record({
    userId: fc.uuid(),
    email,
    name: text(200),
    role: fc.constantFrom(...USER_ROLES),
    verificationToken: text(64),
    timestamp,
  }),
  'user.deleted': fc.record({ userId: fc.uuid(), email, timestamp }),
  'auth.login': fc.record({
    userId: fc.uuid(),
    email,
    role: fc.constantFrom(...USER_ROLES),
    timestamp,
  }),
  'organization.updated': fc.record({
    organizationId: text(100),
    currency: fc.stringMatching(/^[A-Z]{3}$/),
    hourlyRate: fc.nat(),
    timestamp,
  }),
} satisfies Partial<Record<EventType, fc.Arbitrary<object>>>;

export type GeneratedType = keyof typeof PAYLOADS;

/** A valid envelope (as read from the wire) of one of `PAYLOADS`' types. */
export const validEnvelope: fc.Arbitrary<EventEnvelope> = fc.oneof(
  ...(Object.keys(PAYLOADS) as GeneratedType[]).map((type) =>
    (PAYLOADS[type] as fc.Arbitrary<object>).map((data) =>
      createEventEnvelope({
        type,
        source: `${EVENT_PERMISSIONS[type].publisher}-service`,
        dataversion: EVENT_CATALOGUE[type].version,
        data,
      }),
    ),
  ),
);
