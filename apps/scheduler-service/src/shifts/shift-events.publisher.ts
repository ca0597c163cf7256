import { Injectable, Logger } from '@nestjs/common';
import type { ShiftChanged } from '@app/contracts';
import { EventBus, type BusTransaction } from '@app/event-bus';
import type { ShiftRow } from '../database/schema.js';

export type ShiftEventType =
  'shift.created' | 'shift.updated' | 'shift.completed' | 'shift.cancelled';

/** The `ShiftChanged` payload of a shift row: the shift as it is now. */
export function toShiftChanged(row: ShiftRow): ShiftChanged {
  return {
    shiftId: row.id,
    workerId: row.workerId,
    clientEmail: row.clientEmail,
    organizationId: row.organizationId,
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    hourlyRate: row.hourlyRate,
    ...(row.bookingId && { bookingId: row.bookingId }),
    status: row.status,
    timestamp: new Date().toISOString(),
  };
}

/**
 * The shift events, built from shift rows. With the write's transaction, an
 * event goes into the outbox with the write (and a failure rolls both back);
 * without one it is published at once, and a failure (which the bus only
 * raises for an invalid payload, i.e. a bug) is logged rather than turned
 * into a 500.
 */
@Injectable()
export class ShiftEventsPublisher {
  private readonly logger = new Logger(ShiftEventsPublisher.name);

  constructor(private readonly bus: EventBus) {}

  async publish(
    type: ShiftEventType,
    row: ShiftRow,
    transaction?: BusTransaction,
  ): Promise<void> {
    if (transaction) {
      await this.bus.publish(type, toShiftChanged(row), { transaction });
      return;
    }
    try {
      await this.bus.publish(type, toShiftChanged(row));
    } catch (error) {
      this.logger.error(
        `Could not publish ${type} for shift ${row.id}: ${(error as Error).message}`,
      );
    }
  }
}
