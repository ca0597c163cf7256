import { Injectable } from '@nestjs/common';
import { EventBus, type BusTransaction } from '@app/event-bus';
import type { BookingRow } from '../database/schema.js';
import type { BookingStepEvent } from './booking-state-machine.js';

/**
 * The events of booking-service, built from booking rows, written into the
 * outbox in the write's transaction: the bus's relay delivers them after the
 * commit. A failure (which the bus only raises for an invalid payload, i.e.
 * a bug) propagates and rolls the write back too.
 */
@Injectable()
export class BookingEventsPublisher {
  constructor(private readonly bus: EventBus) {}

  async created(
    booking: BookingRow,
    transaction: BusTransaction,
  ): Promise<void> {
    await this.bus.publish(
      'booking.created',
      {
        bookingId: booking.id,
        customerId: booking.customerId,
        startsAt: booking.startsAt.toISOString(),
        endsAt: booking.endsAt.toISOString(),
        ...(booking.locationId !== null && { locationId: booking.locationId }),
        ...(booking.notes !== null && { notes: booking.notes }),
        status: booking.status,
        timestamp: now(),
      },
      { transaction },
    );
  }

  /** `booking.approved`, `booking.assigned`, ... with the status it left. */
  async statusChanged(
    type: BookingStepEvent,
    booking: BookingRow,
    previous: BookingRow,
    transaction: BusTransaction,
  ): Promise<void> {
    await this.bus.publish(
      type,
      {
        bookingId: booking.id,
        customerId: booking.customerId,
        ...(booking.workerId !== null && { workerId: booking.workerId }),
        startsAt: booking.startsAt.toISOString(),
        endsAt: booking.endsAt.toISOString(),
        status: booking.status,
        previousStatus: previous.status,
        ...(booking.reason !== null && { reason: booking.reason }),
        timestamp: now(),
      },
      { transaction },
    );
  }
}

const now = () => new Date().toISOString();
