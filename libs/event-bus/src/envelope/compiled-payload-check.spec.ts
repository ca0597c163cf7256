import { randomUUID } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import fc from 'fast-check';
import { EVENT_CATALOGUE, EVENT_TYPES } from '@app/contracts';
import { compiledPayloadCheck } from './compiled-payload-check.js';

/** class-validator's own verdict, as `assertValidPayload` asks it. */
const classValidatorAccepts = (payloadClass: new () => object, data: object) =>
  validateSync(plainToInstance(payloadClass, data), {
    whitelist: true,
    forbidNonWhitelisted: true,
  }).length === 0;

const uuid = fc.uuid();
const now = new Date().toISOString();
/** Values for any field: valid for some constraint of the catalogue, or not. */
const anyValue = fc.oneof(
  uuid,
  fc.constantFrom(
    now,
    '2030-01-01',
    'not a date',
    'ada@example.com',
    'not-an-email',
    '',
    'x',
    'x'.repeat(2_001),
    'USD',
    'customer',
    'emperor',
    'scheduled',
    'requested',
    'org-1',
  ),
  fc.string(),
  fc.integer({ min: -5, max: 100_000 }),
  fc.double(),
  fc.boolean(),
  fc.constantFrom(null, undefined),
  fc.constant({}),
  fc.constant([]),
  fc.record({ name: fc.oneof(fc.string(), fc.integer()), role: fc.string() }),
);

/** A valid payload of each catalogue type, field by field. */
const validFields: Record<string, () => Record<string, unknown>> = {
  UserRegistered: () => ({
    userId: randomUUID(),
    email: 'ada@example.com',
    name: 'Ada',
    role: 'customer',
    verificationToken: 'token',
    timestamp: now,
  }),
  UserVerified: () => ({
    userId: randomUUID(),
    email: 'ada@example.com',
    name: 'Ada',
    timestamp: now,
  }),
  UserUpdated: () => ({
    userId: randomUUID(),
    changes: { name: 'Ada', role: 'worker' },
    timestamp: now,
  }),
  UserDeleted: () => ({
    userId: randomUUID(),
    email: 'ada@example.com',
    timestamp: now,
  }),
  AuthLogin: () => ({
    userId: randomUUID(),
    email: 'ada@example.com',
    role: 'admin',
    timestamp: now,
  }),
  BookingCreated: () => ({
    bookingId: randomUUID(),
    customerId: randomUUID(),
    startsAt: now,
    endsAt: now,
    notes: 'n',
    status: 'requested',
    timestamp: now,
  }),
  BookingStatusChanged: () => ({
    bookingId: randomUUID(),
    customerId: randomUUID(),
    workerId: randomUUID(),
    startsAt: now,
    endsAt: now,
    status: 'approved',
    previousStatus: 'requested',
    timestamp: now,
  }),
  ShiftChanged: () => ({
    shiftId: randomUUID(),
    workerId: randomUUID(),
    clientEmail: 'ada@example.com',
    organizationId: 'org-1',
    startsAt: now,
    endsAt: now,
    hourlyRate: 2_500,
    status: 'scheduled',
    timestamp: now,
  }),
  InvoiceGenerated: () => ({
    invoiceId: randomUUID(),
    shiftId: randomUUID(),
    clientEmail: 'ada@example.com',
    organizationId: 'org-1',
    amount: 100,
    currency: 'USD',
  }),
  OrganizationUpdated: () => ({
    organizationId: 'org-1',
    currency: 'EUR',
    hourlyRate: 0,
    timestamp: now,
  }),
};

const classes = [
  ...new Set(EVENT_TYPES.map((type) => EVENT_CATALOGUE[type].payload)),
] as Array<new () => object>;

describe('compiledPayloadCheck', () => {
  it('knows a valid payload of every class in the catalogue', () => {
    expect(Object.keys(validFields).sort()).toEqual(
      classes.map((payloadClass) => payloadClass.name).sort(),
    );
  });

  it.each(classes)(
    'accepts valid %p payloads without class-validator',
    (payloadClass) => {
      const data = validFields[payloadClass.name]();

      expect(classValidatorAccepts(payloadClass, data)).toBe(true);
      expect(compiledPayloadCheck(payloadClass)(data)).toBe(true);
    },
  );

  it.each(classes)(
    'accepts a %p payload only when class-validator does',
    (payloadClass) => {
      const check = compiledPayloadCheck(payloadClass);
      const valid = validFields[payloadClass.name]();
      const payloads = fc.record(
        Object.fromEntries(
          Object.keys(valid).map((field) => [
            field,
            fc.oneof(fc.constant(valid[field]), anyValue),
          ]),
        ),
        { requiredKeys: [] },
      );
      const extra = fc.option(
        fc.dictionary(fc.string(), anyValue, { maxKeys: 2 }),
      );

      fc.assert(
        fc.property(payloads, extra, (fields, more) => {
          const data = { ...fields, ...(more ?? {}) };
          if (check(data)) {
            expect(classValidatorAccepts(payloadClass, data)).toBe(true);
          }
        }),
        { numRuns: 300 },
      );
    },
  );

  it('leaves to class-validator what it does not cover', () => {
    class WithDefault {
      name = 'default';
    }
    class Instance {}

    expect(compiledPayloadCheck(WithDefault)({})).toBe(false);
    expect(
      compiledPayloadCheck(EVENT_CATALOGUE['user.verified'].payload)(
        new Instance(),
      ),
    ).toBe(false);
  });
});
