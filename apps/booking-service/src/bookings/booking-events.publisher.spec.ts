import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import type { EventType } from '@app/contracts';
import { assertValidPayload, type EventBus } from '@app/event-bus';
import type { BookingRow } from '../database/schema.js';
import { BookingEventsPublisher } from './booking-events.publisher.js';

/** A bus that validates like the real one and records what it published. */
function setup() {
  const published: { type: string; data: Record<string, unknown> }[] = [];
  const bus = {
    publish: jest.fn(
      (type: EventType, data: Record<string, unknown>, _options?: object) => {
        assertValidPayload(type, data);
        published.push({ type, data });
        return Promise.resolve();
      },
    ),
  };
  const publisher = new BookingEventsPublisher(bus as unknown as EventBus);
  return { publisher, published, bus };
}

const transaction = { execute: jest.fn() } as never;

const row = (overrides: Partial<BookingRow> = {}): BookingRow => ({
  id: randomUUID(),
  customerId: randomUUID(),
  workerId: null,
  startsAt: new Date('2030-06-01T09:00:00Z'),
  endsAt: new Date('2030-06-01T17:00:00Z'),
  locationId: null,
  notes: null,
  status: 'requested',
  reason: null,
  createdAt: new Date(),
  updatedAt: new Date(),
  ...overrides,
});

describe('BookingEventsPublisher', () => {
  it('publishes a valid booking.created without the unset optional fields', async () => {
    const { publisher, published } = setup();
    const booking = row();

    await publisher.created(booking, transaction);

    expect(published[0]).toEqual({
      type: 'booking.created',
      data: {
        bookingId: booking.id,
        customerId: booking.customerId,
        startsAt: '2030-06-01T09:00:00.000Z',
        endsAt: '2030-06-01T17:00:00.000Z',
        status: 'requested',
        timestamp: expect.any(String),
      },
    });
  });

  it('publishes a valid status change with the worker, the previous status and the reason', async () => {
    const { publisher, published } = setup();
    const before = row({ status: 'in_progress', workerId: randomUUID() });
    const after = { ...before, status: 'cancelled' as const, reason: 'ill' };

    await publisher.statusChanged(
      'booking.cancelled',
      after,
      before,
      transaction,
    );

    expect(published[0].data).toMatchObject({
      bookingId: before.id,
      workerId: before.workerId,
      status: 'cancelled',
      previousStatus: 'in_progress',
      reason: 'ill',
    });
  });

  it('publishes into the given transaction (the outbox)', async () => {
    const { publisher, bus } = setup();
    const before = row();
    const after = { ...before, status: 'approved' as const };

    await publisher.created(before, transaction);
    await publisher.statusChanged(
      'booking.approved',
      after,
      before,
      transaction,
    );

    expect(bus.publish).toHaveBeenCalledWith(
      'booking.created',
      expect.objectContaining({ bookingId: before.id }),
      { transaction },
    );
    expect(bus.publish).toHaveBeenCalledWith(
      'booking.approved',
      expect.objectContaining({ previousStatus: 'requested' }),
      { transaction },
    );
  });

  it('lets a refused publish in a transaction fail (rolling the write back)', async () => {
    const { publisher, bus } = setup();
    bus.publish.mockRejectedValueOnce(new Error('invalid payload'));

    await expect(publisher.created(row(), transaction)).rejects.toThrow(
      'invalid payload',
    );
  });
});
