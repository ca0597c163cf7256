import { Injectable, Logger } from '@nestjs/common';
import type { ShiftChanged } from '@app/contracts';
import { EventBus } from '@app/event-bus';
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
 * The shift events, built from shift rows. Called after the write has
 * committed: the write stands, so a publish failure (which the bus only
 * raises for an invalid payload, i.e. a bug) is logged rather than turned
 * into a 500 for a request that did succeed.
 */
@Injectable()
export class ShiftEventsPublisher {
  private readonly logger = new Logger(ShiftEventsPublisher.name);

  constructor(private readonly bus: EventBus) {}

  async publish(type: ShiftEventType, row: ShiftRow): Promise<void> {
    try {
      await this.bus.publish(type, toShiftChanged(row));
    } catch (error) {
      this.logger.error(
        `Could not publish ${type} for shift ${row.id}: ${(error as Error).message}`,
      );
    }
  }
}
