import { Injectable } from '@nestjs/common';
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
 * The shift events, built from shift rows, written into the outbox in the
 * write's transaction (a failure, i.e. an invalid payload, rolls both back).
 */
@Injectable()
export class ShiftEventsPublisher {
  constructor(private readonly bus: EventBus) {}

  async publish(
    type: ShiftEventType,
    row: ShiftRow,
    transaction: BusTransaction,
  ): Promise<void> {
    await this.bus.publish(type, toShiftChanged(row), { transaction });
  }
}
