import { Injectable } from '@nestjs/common';
import { InjectDatabase, type Database } from '@app/common';
import type { BusTransaction } from '@app/event-bus';
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import { shifts, type NewShiftRow, type ShiftRow } from '../database/schema.js';

/** Name of the unique constraint on `shifts.booking_id` (see the migration). */
export const BOOKING_UNIQUE_CONSTRAINT = 'shifts_booking_id_unique';

/** Fields `PATCH /shifts/:id` may change. */
export type ShiftChangeSet = Partial<
  Pick<
    NewShiftRow,
    | 'workerId'
    | 'clientEmail'
    | 'organizationId'
    | 'startsAt'
    | 'endsAt'
    | 'hourlyRate'
    | 'bookingId'
  >
>;

export interface ShiftFilter {
  workerId?: string;
  bookingId?: string;
  limit: number;
}

/**
 * The `shifts` table. Status changes are one conditional statement each
 * (`... where status = 'scheduled'`), so of two concurrent requests only one
 * changes the shift and emits its event.
 */
@Injectable()
export class ShiftsRepository {
  constructor(@InjectDatabase() private readonly db: Database) {}

  /**
   * Runs `work` in one database transaction, with a repository bound to it
   * and the transaction to publish the change's events into the outbox.
   */
  transaction<T>(
    work: (shifts: ShiftsRepository, transaction: BusTransaction) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction((tx) =>
      work(new ShiftsRepository(tx as unknown as Database), tx),
    );
  }

  async findById(id: string): Promise<ShiftRow | undefined> {
    const [row] = await this.db.select().from(shifts).where(eq(shifts.id, id));
    return row;
  }

  list(filter: ShiftFilter): Promise<ShiftRow[]> {
    const conditions: SQL[] = [];
    if (filter.workerId) conditions.push(eq(shifts.workerId, filter.workerId));
    if (filter.bookingId) {
      conditions.push(eq(shifts.bookingId, filter.bookingId));
    }
    return this.db
      .select()
      .from(shifts)
      .where(and(...conditions))
      .orderBy(asc(shifts.startsAt), asc(shifts.id))
      .limit(filter.limit);
  }

  /** Inserts a shift; a booking that has one fails with a unique violation. */
  async insert(shift: NewShiftRow): Promise<ShiftRow> {
    const [row] = await this.db.insert(shifts).values(shift).returning();
    return row;
  }

  /** Inserts the shift of a booking unless it has one; `undefined` then. */
  async insertForBooking(shift: NewShiftRow): Promise<ShiftRow | undefined> {
    const [row] = await this.db
      .insert(shifts)
      .values(shift)
      .onConflictDoNothing({ target: shifts.bookingId })
      .returning();
    return row;
  }

  /** Applies `changes` if the shift is still scheduled. */
  async updateScheduled(
    id: string,
    changes: ShiftChangeSet,
  ): Promise<ShiftRow | undefined> {
    const [row] = await this.db
      .update(shifts)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(and(eq(shifts.id, id), eq(shifts.status, 'scheduled')))
      .returning();
    return row;
  }

  /** scheduled -> completed; `undefined` when it was not scheduled. */
  async complete(id: string): Promise<ShiftRow | undefined> {
    const [row] = await this.db
      .update(shifts)
      .set({
        status: 'completed',
        completedAt: sql`now()`,
        updatedAt: sql`now()`,
      })
      .where(and(eq(shifts.id, id), eq(shifts.status, 'scheduled')))
      .returning();
    return row;
  }

  /** scheduled -> cancelled; `undefined` when it was not scheduled. */
  async cancel(id: string): Promise<ShiftRow | undefined> {
    const [row] = await this.db
      .update(shifts)
      .set({ status: 'cancelled', updatedAt: sql`now()` })
      .where(and(eq(shifts.id, id), eq(shifts.status, 'scheduled')))
      .returning();
    return row;
  }
}
