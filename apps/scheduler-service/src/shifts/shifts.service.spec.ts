import { randomUUID } from 'node:crypto';
import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  NotFoundException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { BookingStatusChanged } from '@app/contracts';
import { createEventEnvelope } from '@app/event-bus';
import { FakeEventInbox } from '../../../../test/support/fake-event-inbox.js';
import {
  caller,
  FAKE_TRANSACTION,
  FakeOrganizationsRepository,
  FakePricingCache,
  FakeShiftEvents,
  FakeShiftsRepository,
  FakeUserDirectory,
} from '../../test/support/fakes.js';
import type { UserDirectoryRepository } from '../directory/user-directory.repository.js';
import type { PricingCache } from '../organizations/pricing-cache.js';
import type { CreateShiftDto } from './dto/create-shift.dto.js';
import type { ShiftEventsPublisher } from './shift-events.publisher.js';
import { ShiftsService } from './shifts.service.js';
import type { ShiftsRepository } from './shifts.repository.js';

function setup(env: Record<string, string> = {}) {
  const shifts = new FakeShiftsRepository();
  const organizations = new FakeOrganizationsRepository(['default', 'acme']);
  const directory = new FakeUserDirectory();
  const events = new FakeShiftEvents();
  const inbox = new FakeEventInbox();
  const service = new ShiftsService(
    shifts as unknown as ShiftsRepository,
    directory as unknown as UserDirectoryRepository,
    new FakePricingCache(organizations) as unknown as PricingCache,
    events as unknown as ShiftEventsPublisher,
    new ConfigService(env),
    inbox.asInbox(),
  );
  return { service, shifts, organizations, directory, events, inbox };
}

const admin = caller(randomUUID(), 'admin');

const createDto = (
  overrides: Partial<CreateShiftDto> = {},
): CreateShiftDto => ({
  workerId: randomUUID(),
  clientEmail: 'client@example.com',
  organizationId: 'default',
  startsAt: '2030-01-01T09:00:00.000Z',
  endsAt: '2030-01-01T11:30:00.000Z',
  hourlyRate: 2500,
  ...overrides,
});

/** A `booking.confirmed` event, as the bus delivers it. */
const confirmed = (overrides: Partial<BookingStatusChanged> = {}) =>
  createEventEnvelope<BookingStatusChanged>({
    type: 'booking.confirmed',
    source: 'booking-service',
    dataversion: 1,
    data: {
      bookingId: randomUUID(),
      customerId: randomUUID(),
      workerId: randomUUID(),
      startsAt: '2030-02-01T08:00:00.000Z',
      endsAt: '2030-02-01T12:00:00.000Z',
      status: 'confirmed',
      previousStatus: 'assigned',
      timestamp: new Date().toISOString(),
      ...overrides,
    },
  });

/** The 400's message list, as the HTTP response carries it. */
async function badRequestMessages(run: Promise<unknown>): Promise<string> {
  const error: unknown = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BadRequestException);
  return JSON.stringify((error as BadRequestException).getResponse());
}

describe('ShiftsService', () => {
  describe('create', () => {
    it('creates a scheduled shift and emits shift.created', async () => {
      const { service, events } = setup();
      const dto = createDto();

      const shift = await service.create(dto);

      expect(shift).toMatchObject({
        workerId: dto.workerId,
        status: 'scheduled',
        startsAt: dto.startsAt,
        endsAt: dto.endsAt,
        hourlyRate: 2500,
        bookingId: null,
        completedAt: null,
      });
      expect(events.ofType('shift.created')).toHaveLength(1);
      // Published in the write's transaction (the outbox).
      expect(events.ofType('shift.created')[0].transaction).toBe(
        FAKE_TRANSACTION,
      );
    });

    it('accepts a shift in the past', async () => {
      const { service } = setup();

      await expect(
        service.create(
          createDto({
            startsAt: '2001-01-01T09:00:00Z',
            endsAt: '2001-01-01T10:00:00Z',
          }),
        ),
      ).resolves.toMatchObject({ status: 'scheduled' });
    });

    it.each([
      ['2030-01-01T11:00:00Z', '2030-01-01T11:00:00Z'],
      ['2030-01-01T12:00:00Z', '2030-01-01T11:00:00Z'],
    ])(
      'refuses startsAt %s with endsAt %s: 400 naming endsAt',
      async (startsAt, endsAt) => {
        const { service, events } = setup();

        const run = service.create(createDto({ startsAt, endsAt }));

        expect(await badRequestMessages(run)).toMatch(
          /endsAt must be after startsAt/,
        );
        expect(events.emitted).toHaveLength(0);
      },
    );

    it('refuses a shift longer than 31 days', async () => {
      const { service } = setup();

      expect(
        await badRequestMessages(
          service.create(
            createDto({
              startsAt: '2030-01-01T00:00:00Z',
              endsAt: '2030-02-01T00:00:01Z',
            }),
          ),
        ),
      ).toMatch(/at most 31 days/);
    });

    it('accepts an organization without stored settings (the contract’s defaults apply)', async () => {
      const { service, events } = setup();
      const organizationId = randomUUID();

      const shift = await service.create(createDto({ organizationId }));

      expect(shift).toMatchObject({ organizationId, hourlyRate: 2500 });
      expect(events.ofType('shift.created')).toHaveLength(1);
    });

    it('refuses a second shift for one booking: 409', async () => {
      const { service } = setup();
      const bookingId = randomUUID();
      await service.create(createDto({ bookingId }));

      await expect(service.create(createDto({ bookingId }))).rejects.toThrow(
        ConflictException,
      );
    });
  });

  describe('update', () => {
    it('applies changed fields and emits shift.updated', async () => {
      const { service, shifts, events } = setup();
      const shift = shifts.seed();

      const updated = await service.update(shift.id, {
        hourlyRate: 3000,
        organizationId: 'acme',
      });

      expect(updated).toMatchObject({
        hourlyRate: 3000,
        organizationId: 'acme',
      });
      expect(events.ofType('shift.updated')).toHaveLength(1);
      // Published in the write's transaction (the outbox).
      expect(events.ofType('shift.updated')[0].transaction).toBe(
        FAKE_TRANSACTION,
      );
    });

    it('emits nothing when nothing differs', async () => {
      const { service, shifts, events } = setup();
      const shift = shifts.seed();

      await service.update(shift.id, { hourlyRate: shift.hourlyRate });

      expect(events.emitted).toHaveLength(0);
    });

    it('checks the times against the stored ones', async () => {
      const { service, shifts } = setup();
      const shift = shifts.seed();

      expect(
        await badRequestMessages(
          service.update(shift.id, { startsAt: '2030-01-01T12:00:00Z' }),
        ),
      ).toMatch(/endsAt must be after startsAt/);
    });

    it.each(['completed', 'cancelled'] as const)(
      'refuses to change a %s shift: 409',
      async (status) => {
        const { service, shifts } = setup();
        const shift = shifts.seed({ status });

        await expect(
          service.update(shift.id, { hourlyRate: 1 }),
        ).rejects.toThrow(ConflictException);
      },
    );

    it('answers 404 for an unknown shift', async () => {
      const { service } = setup();

      await expect(
        service.update(randomUUID(), { hourlyRate: 1 }),
      ).rejects.toThrow(NotFoundException);
    });
  });

  describe('complete', () => {
    it('lets the worker complete their shift, setting completedAt', async () => {
      const { service, shifts, events } = setup();
      const shift = shifts.seed();

      const completed = await service.complete(
        caller(shift.workerId),
        shift.id,
      );

      expect(completed.status).toBe('completed');
      expect(completed.completedAt).toEqual(expect.any(String));
      expect(events.ofType('shift.completed')).toHaveLength(1);
      // Published in the write's transaction (the outbox).
      expect(events.ofType('shift.completed')[0].transaction).toBe(
        FAKE_TRANSACTION,
      );
    });

    it('is idempotent: a second completion answers the shift, emits nothing', async () => {
      const { service, shifts, events } = setup();
      const shift = shifts.seed();
      const first = await service.complete(admin, shift.id);

      const second = await service.complete(admin, shift.id);

      expect(second).toEqual(first);
      expect(events.ofType('shift.completed')).toHaveLength(1);
    });

    it('refuses a cancelled shift: 409', async () => {
      const { service, shifts } = setup();
      const shift = shifts.seed({ status: 'cancelled' });

      await expect(service.complete(admin, shift.id)).rejects.toThrow(
        ConflictException,
      );
    });

    it("refuses someone else's shift: 403, after 404 for unknown ids", async () => {
      const { service, shifts } = setup();
      const shift = shifts.seed();
      const other = caller(randomUUID());

      await expect(service.complete(other, shift.id)).rejects.toThrow(
        ForbiddenException,
      );
      await expect(service.complete(other, randomUUID())).rejects.toThrow(
        NotFoundException,
      );
    });
  });

  describe('cancel', () => {
    it('cancels a scheduled shift and emits shift.cancelled', async () => {
      const { service, shifts, events } = setup();
      const shift = shifts.seed();

      await expect(service.cancel(shift.id)).resolves.toMatchObject({
        status: 'cancelled',
      });
      expect(events.ofType('shift.cancelled')).toHaveLength(1);
      // Published in the write's transaction (the outbox).
      expect(events.ofType('shift.cancelled')[0].transaction).toBe(
        FAKE_TRANSACTION,
      );
    });

    it.each(['completed', 'cancelled'] as const)(
      'refuses a %s shift: 409',
      async (status) => {
        const { service, shifts, events } = setup();
        const shift = shifts.seed({ status });

        await expect(service.cancel(shift.id)).rejects.toThrow(
          ConflictException,
        );
        expect(events.emitted).toHaveLength(0);
      },
    );
  });

  describe('list', () => {
    it('gives a worker only their own shifts', async () => {
      const { service, shifts } = setup();
      const mine = shifts.seed();
      shifts.seed();

      const { items } = await service.list(caller(mine.workerId), {});

      expect(items.map((s) => s.id)).toEqual([mine.id]);
    });

    it("refuses a worker asking for another worker's shifts: 403", async () => {
      const { service } = setup();

      await expect(
        service.list(caller(randomUUID()), { workerId: randomUUID() }),
      ).rejects.toThrow(ForbiddenException);
    });

    it('gives an admin every shift, filtered by booking', async () => {
      const { service, shifts } = setup();
      const bookingId = randomUUID();
      const booked = shifts.seed({ bookingId });
      shifts.seed();

      expect((await service.list(admin, {})).items).toHaveLength(2);
      expect(
        (await service.list(admin, { bookingId })).items.map((s) => s.id),
      ).toEqual([booked.id]);
    });
  });

  describe('scheduleForBooking', () => {
    it("schedules the worker's shift for the customer at the default organization's rate", async () => {
      const { service, directory, organizations, events } = setup({
        DEFAULT_ORGANIZATION_ID: 'acme',
      });
      organizations.seed({ id: 'acme', hourlyRate: 4200 });
      const event = confirmed();
      const booking = event.data;
      directory.add(booking.customerId, 'customer@example.com');

      const shift = await service.scheduleForBooking(event);

      expect(shift).toMatchObject({
        workerId: booking.workerId,
        clientEmail: 'customer@example.com',
        organizationId: 'acme',
        hourlyRate: 4200,
        bookingId: booking.bookingId,
        startsAt: booking.startsAt,
        endsAt: booking.endsAt,
        status: 'scheduled',
      });
      expect(events.ofType('shift.created')).toHaveLength(1);
      // Published in the write's transaction (the outbox).
      expect(events.ofType('shift.created')[0].transaction).toBe(
        FAKE_TRANSACTION,
      );
    });

    it('schedules the shift at DEFAULT_HOURLY_RATE when the default organization has no stored settings', async () => {
      const { service, directory } = setup({
        DEFAULT_ORGANIZATION_ID: 'not-stored',
        DEFAULT_HOURLY_RATE: '3100',
      });
      const event = confirmed();
      directory.add(event.data.customerId, 'customer@example.com');

      const shift = await service.scheduleForBooking(event);

      expect(shift).toMatchObject({
        organizationId: 'not-stored',
        hourlyRate: 3100,
      });
    });

    it('records the event in the inbox in the shift’s transaction, and changes nothing on redelivery', async () => {
      const { service, directory, shifts, events, inbox } = setup();
      const event = confirmed();
      directory.add(event.data.customerId, 'customer@example.com');

      await service.scheduleForBooking(event);
      await expect(service.scheduleForBooking(event)).resolves.toBeUndefined();

      expect(inbox.accepted).toEqual([
        { eventId: event.id, transaction: FAKE_TRANSACTION },
      ]);
      expect(shifts.rows.size).toBe(1);
      expect(events.emitted).toHaveLength(1);
    });

    it('makes one shift however often the booking is confirmed', async () => {
      const { service, directory, shifts, events } = setup();
      const first = confirmed();
      const again = confirmed(first.data);
      directory.add(first.data.customerId, 'customer@example.com');

      await service.scheduleForBooking(first);
      await service.scheduleForBooking(again);

      expect(shifts.rows.size).toBe(1);
      expect(events.emitted).toHaveLength(1);
    });

    it('skips a customer whose e-mail is unknown', async () => {
      const { service, shifts } = setup();

      await expect(service.scheduleForBooking(confirmed())).resolves.toBe(
        undefined,
      );
      expect(shifts.rows.size).toBe(0);
    });

    it('skips a booking without a worker', async () => {
      const { service, directory, shifts } = setup();
      const event = confirmed({ workerId: undefined });
      directory.add(event.data.customerId, 'customer@example.com');

      await service.scheduleForBooking(event);

      expect(shifts.rows.size).toBe(0);
    });
  });
});
