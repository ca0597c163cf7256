import { randomUUID } from 'node:crypto';
import { ForbiddenException, Logger, NotFoundException } from '@nestjs/common';
import type { BookingStatus, UserDeleted } from '@app/contracts';
import { createEventEnvelope } from '@app/event-bus';
import { FakeEventInbox } from '../../../../test/support/fake-event-inbox.js';
import {
  admin,
  caller,
  FAKE_TRANSACTION,
  FakeBookingEvents,
  FakeBookingsRepository,
} from '../../test/support/fakes.js';
import type { BookingEventsPublisher } from './booking-events.publisher.js';
import type { BookingsRepository } from './bookings.repository.js';
import { BookingsService } from './bookings.service.js';
import { InvalidTransitionException } from './invalid-transition.exception.js';

function setup() {
  const repository = new FakeBookingsRepository();
  const events = new FakeBookingEvents();
  const inbox = new FakeEventInbox();
  const service = new BookingsService(
    repository as unknown as BookingsRepository,
    events as unknown as BookingEventsPublisher,
    inbox.asInbox(),
  );
  return { service, repository, events, inbox };
}

/** A `user.deleted` event, as the bus delivers it. */
const userDeleted = (userId: string) =>
  createEventEnvelope<UserDeleted>({
    type: 'user.deleted',
    source: 'user-service',
    dataversion: 1,
    data: {
      userId,
      email: `${userId}@example.com`,
      timestamp: new Date().toISOString(),
    },
  });

const customer = caller(randomUUID(), 'customer');
const worker = caller(randomUUID(), 'worker');

const request = {
  customerId: customer.id,
  startsAt: '2030-06-01T09:00:00Z',
  endsAt: '2030-06-01T17:00:00+02:00',
};

describe('BookingsService', () => {
  // The service logs every step; keep the test output readable.
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));

  describe('create', () => {
    it('stores a requested booking and emits booking.created', async () => {
      const { service, repository, events } = setup();

      const booking = await service.create(customer, {
        ...request,
        locationId: 'site-7',
      });

      expect(booking).toEqual({
        id: expect.any(String),
        customerId: customer.id,
        workerId: null,
        startsAt: '2030-06-01T09:00:00.000Z',
        endsAt: '2030-06-01T15:00:00.000Z',
        locationId: 'site-7',
        notes: null,
        status: 'requested',
        reason: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(repository.rows.has(booking.id)).toBe(true);
      // Published in the write's transaction (the outbox).
      expect(events.ofType('booking.created')).toEqual([
        {
          type: 'booking.created',
          booking: repository.rows.get(booking.id),
          transaction: FAKE_TRANSACTION,
        },
      ]);
    });

    it('refuses a customer booking for someone else with 403', async () => {
      const { service, repository, events } = setup();

      await expect(
        service.create(customer, { ...request, customerId: randomUUID() }),
      ).rejects.toBeInstanceOf(ForbiddenException);
      expect(repository.rows.size).toBe(0);
      expect(events.emitted).toHaveLength(0);
    });

    it('lets an admin book for any customer', async () => {
      const { service } = setup();
      const customerId = randomUUID();

      await expect(
        service.create(admin(), { ...request, customerId }),
      ).resolves.toMatchObject({ customerId });
    });
  });

  describe('findOne', () => {
    it('answers 404 for an unknown booking, even to an admin', async () => {
      const { service } = setup();

      await expect(
        service.findOne(admin(), randomUUID()),
      ).rejects.toBeInstanceOf(NotFoundException);
    });

    it("answers 403 for another customer's booking", async () => {
      const { service, repository } = setup();
      const row = await repository.seed();

      await expect(service.findOne(customer, row.id)).rejects.toBeInstanceOf(
        ForbiddenException,
      );
    });

    it('gives the assigned worker the booking', async () => {
      const { service, repository } = setup();
      const row = await repository.seed({
        status: 'assigned',
        workerId: worker.id,
      });

      await expect(service.findOne(worker, row.id)).resolves.toMatchObject({
        id: row.id,
      });
    });
  });

  describe('the lifecycle', () => {
    it('runs requested -> completed, emitting each step with its previous status', async () => {
      const { service, events } = setup();
      const { id } = await service.create(customer, request);

      await service.takeStep(admin(), id, 'approve');
      await service.takeStep(admin(), id, 'assign', { workerId: worker.id });
      await service.takeStep(admin(), id, 'confirm');
      await service.takeStep(worker, id, 'start');
      const done = await service.takeStep(worker, id, 'complete');

      expect(done).toMatchObject({ status: 'completed', workerId: worker.id });
      expect(
        events.emitted.map((e) => [
          e.type,
          e.previous?.status,
          e.booking.status,
        ]),
      ).toEqual([
        ['booking.created', undefined, 'requested'],
        ['booking.approved', 'requested', 'approved'],
        ['booking.assigned', 'approved', 'assigned'],
        ['booking.confirmed', 'assigned', 'confirmed'],
        ['booking.started', 'confirmed', 'in_progress'],
        ['booking.completed', 'in_progress', 'completed'],
      ]);
      // Each step's event is published in the step's transaction (outbox).
      expect(events.emitted.map((e) => e.transaction)).toEqual(
        Array(6).fill(FAKE_TRANSACTION),
      );
    });

    it('re-assigns an assigned booking to another worker', async () => {
      const { service, repository } = setup();
      const row = await repository.seed({
        status: 'assigned',
        workerId: worker.id,
      });
      const other = randomUUID();

      const booking = await service.takeStep(admin(), row.id, 'assign', {
        workerId: other,
      });

      expect(booking).toMatchObject({ status: 'assigned', workerId: other });
    });

    it('records the reason of a rejection', async () => {
      const { service, repository, events } = setup();
      const row = await repository.seed();

      const booking = await service.takeStep(admin(), row.id, 'reject', {
        reason: 'no capacity',
      });

      expect(booking).toMatchObject({
        status: 'rejected',
        reason: 'no capacity',
      });
      expect(events.ofType('booking.rejected')[0].booking.reason).toBe(
        'no capacity',
      );
    });

    it('lets the owner cancel, with or without a reason', async () => {
      const { service, repository } = setup();
      const first = await repository.seed({ customerId: customer.id });
      const second = await repository.seed({
        customerId: customer.id,
        status: 'in_progress',
        workerId: worker.id,
      });

      const withReason = await service.takeStep(customer, first.id, 'cancel', {
        reason: 'plans changed',
      });
      const without = await service.takeStep(customer, second.id, 'cancel');

      expect(withReason).toMatchObject({
        status: 'cancelled',
        reason: 'plans changed',
      });
      expect(without).toMatchObject({ status: 'cancelled', reason: null });
    });

    it('refuses a step the status does not allow with 409, changing nothing', async () => {
      const { service, repository, events } = setup();
      const row = await repository.seed();

      const error = await service
        .takeStep(admin(), row.id, 'complete')
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(InvalidTransitionException);
      expect((error as InvalidTransitionException).getResponse()).toEqual({
        statusCode: 409,
        error: 'Conflict',
        message: 'Cannot complete a booking that is requested',
        currentStatus: 'requested',
        allowedSteps: ['approve', 'reject', 'cancel'],
      });
      expect(repository.rows.get(row.id)!.status).toBe('requested');
      expect(events.emitted).toHaveLength(0);
    });

    it('checks access before the status (403 before 409)', async () => {
      const { service, repository } = setup();
      const row = await repository.seed({ status: 'completed' });

      await expect(
        service.takeStep(customer, row.id, 'approve'),
      ).rejects.toBeInstanceOf(ForbiddenException);
    });

    it('answers 404 for a step on an unknown booking', async () => {
      const { service } = setup();

      await expect(
        service.takeStep(admin(), randomUUID(), 'approve'),
      ).rejects.toBeInstanceOf(NotFoundException);
    });

    it('refuses start by a worker the booking is not assigned to', async () => {
      const { service, repository } = setup();
      const row = await repository.seed({
        status: 'confirmed',
        workerId: randomUUID(),
      });

      await expect(
        service.takeStep(worker, row.id, 'start'),
      ).rejects.toBeInstanceOf(ForbiddenException);
    });

    it('gives the loser of a race 409 with the status the winner left', async () => {
      const { service, repository, events } = setup();
      const row = await repository.seed();
      repository.beforeNextTransition = () =>
        repository.set(row.id, { status: 'rejected' });

      const error = await service
        .takeStep(admin(), row.id, 'approve')
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(InvalidTransitionException);
      expect((error as InvalidTransitionException).getResponse()).toMatchObject(
        { currentStatus: 'rejected', allowedSteps: [] },
      );
      expect(events.emitted).toHaveLength(0);
    });

    it('refuses a re-assignment that raced another one', async () => {
      const { service, repository } = setup();
      const row = await repository.seed({
        status: 'assigned',
        workerId: worker.id,
      });
      repository.beforeNextTransition = () =>
        repository.set(row.id, { workerId: randomUUID() });

      await expect(
        service.takeStep(admin(), row.id, 'assign', { workerId: randomUUID() }),
      ).rejects.toBeInstanceOf(InvalidTransitionException);
    });
  });

  describe('list', () => {
    it('gives a customer only their own bookings, newest first', async () => {
      const { service, repository } = setup();
      const older = await repository.seed({ customerId: customer.id });
      const newer = await repository.seed({ customerId: customer.id });
      await repository.seed();

      const { items } = await service.list(customer, {});

      expect(items.map((b) => b.id)).toEqual([newer.id, older.id]);
    });

    it('filters by status', async () => {
      const { service, repository } = setup();
      const approved = await repository.seed({ status: 'approved' });
      await repository.seed();

      const { items } = await service.list(admin(), { status: 'approved' });

      expect(items.map((b) => b.id)).toEqual([approved.id]);
    });

    it('gives a worker the bookings assigned to them', async () => {
      const { service, repository } = setup();
      const mine = await repository.seed({
        status: 'assigned',
        workerId: worker.id,
      });
      await repository.seed({ status: 'assigned', workerId: randomUUID() });

      const { items } = await service.list(worker, {});

      expect(items.map((b) => b.id)).toEqual([mine.id]);
    });

    it("refuses a customer listing another customer's bookings", async () => {
      const { service } = setup();

      await expect(
        service.list(customer, { customerId: randomUUID() }),
      ).rejects.toBeInstanceOf(ForbiddenException);
    });
  });

  describe('cancelOpenBookingsOfCustomer', () => {
    const statuses: BookingStatus[] = [
      'requested',
      'approved',
      'assigned',
      'confirmed',
      'in_progress',
      'completed',
      'rejected',
      'cancelled',
    ];

    async function seedAll(repository: FakeBookingsRepository) {
      const customerId = randomUUID();
      const rows = new Map<BookingStatus, string>();
      for (const status of statuses) {
        const row = await repository.seed({
          customerId,
          status,
          workerId: ['requested', 'approved', 'rejected'].includes(status)
            ? null
            : worker.id,
        });
        rows.set(status, row.id);
      }
      return { customerId, rows };
    }

    it("cancels the customer's open bookings with the reason 'customer deleted'", async () => {
      const { service, repository, events } = setup();
      const { customerId, rows } = await seedAll(repository);
      const untouched = await repository.seed();

      const cancelled = await service.cancelOpenBookingsOfCustomer(
        userDeleted(customerId),
      );

      expect(cancelled).toBe(5);
      for (const status of statuses.slice(0, 5)) {
        expect(repository.rows.get(rows.get(status)!)).toMatchObject({
          status: 'cancelled',
          reason: 'customer deleted',
        });
      }
      expect(repository.rows.get(rows.get('completed')!)!.status).toBe(
        'completed',
      );
      expect(repository.rows.get(rows.get('rejected')!)!.status).toBe(
        'rejected',
      );
      expect(repository.rows.get(untouched.id)!.status).toBe('requested');
      expect(
        events.ofType('booking.cancelled').map((e) => e.previous!.status),
      ).toEqual(statuses.slice(0, 5));
      expect(
        events.ofType('booking.cancelled').map((e) => e.transaction),
      ).toEqual(Array(5).fill(FAKE_TRANSACTION));
    });

    it('records the event in the inbox and changes nothing on redelivery', async () => {
      const { service, repository, events, inbox } = setup();
      const { customerId } = await seedAll(repository);
      const event = userDeleted(customerId);
      await service.cancelOpenBookingsOfCustomer(event);
      await repository.seed({ customerId });

      const again = await service.cancelOpenBookingsOfCustomer(event);

      expect(again).toBe(0);
      expect(inbox.accepted).toEqual([
        { eventId: event.id, transaction: FAKE_TRANSACTION },
      ]);
      expect(events.ofType('booking.cancelled')).toHaveLength(5);
    });

    it('finds nothing left to cancel for a second user.deleted', async () => {
      const { service, repository, events } = setup();
      const { customerId } = await seedAll(repository);
      await service.cancelOpenBookingsOfCustomer(userDeleted(customerId));

      const again = await service.cancelOpenBookingsOfCustomer(
        userDeleted(customerId),
      );

      expect(again).toBe(0);
      expect(events.ofType('booking.cancelled')).toHaveLength(5);
    });

    it('cancels a booking that moved on under it from its new status', async () => {
      const { service, repository, events } = setup();
      const row = await repository.seed({
        status: 'confirmed',
        workerId: worker.id,
      });
      repository.beforeNextTransition = () =>
        repository.set(row.id, { status: 'in_progress' });

      await service.cancelOpenBookingsOfCustomer(userDeleted(row.customerId));

      expect(repository.rows.get(row.id)!.status).toBe('cancelled');
      expect(events.ofType('booking.cancelled')[0].previous!.status).toBe(
        'in_progress',
      );
    });

    it('leaves a booking that was completed under it', async () => {
      const { service, repository, events } = setup();
      const row = await repository.seed({
        status: 'in_progress',
        workerId: worker.id,
      });
      repository.beforeNextTransition = () =>
        repository.set(row.id, { status: 'completed' });

      await expect(
        service.cancelOpenBookingsOfCustomer(userDeleted(row.customerId)),
      ).resolves.toBe(0);
      expect(repository.rows.get(row.id)!.status).toBe('completed');
      expect(events.emitted).toHaveLength(0);
    });
  });
});
