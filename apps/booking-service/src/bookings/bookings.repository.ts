import { Injectable } from '@nestjs/common';
import { InjectDatabase, type Database } from '@app/common';
import type { BookingStatus } from '@app/contracts';
import type { BusTransaction } from '@app/event-bus';
import { and, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import {
  bookings,
  type BookingRow,
  type NewBookingRow,
} from '../database/schema.js';
import type { BookingListFilter } from './booking-access.js';
import { OPEN_STATUSES } from './booking-state-machine.js';

/** The state a status change expects to find (optimistic concurrency). */
export interface ExpectedBookingState {
  status: BookingStatus;
  workerId: string | null;
}

/** What a status change writes. */
export interface BookingStatusChange {
  status: BookingStatus;
  workerId?: string;
  reason?: string | null;
}

/**
 * The `bookings` table. A status change is one conditional statement
 * (`update ... where id = ? and status = <expected> returning`), so of two
 * concurrent steps on one booking only one can win.
 */
@Injectable()
export class BookingsRepository {
  constructor(@InjectDatabase() private readonly db: Database) {}

  /**
   * Runs `work` in one database transaction, with a repository bound to it
   * and the transaction to publish the change's events into the outbox.
   */
  transaction<T>(
    work: (
      bookings: BookingsRepository,
      transaction: BusTransaction,
    ) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction((tx) =>
      work(new BookingsRepository(tx as unknown as Database), tx),
    );
  }

  async findById(id: string): Promise<BookingRow | undefined> {
    const [row] = await this.db
      .select()
      .from(bookings)
      .where(eq(bookings.id, id));
    return row;
  }

  async insert(booking: NewBookingRow): Promise<BookingRow> {
    const [row] = await this.db.insert(bookings).values(booking).returning();
    return row;
  }

  /** Bookings matching every given filter, newest first. */
  list(filter: BookingListFilter, limit: number): Promise<BookingRow[]> {
    const conditions: SQL[] = [];
    if (filter.customerId !== undefined) {
      conditions.push(eq(bookings.customerId, filter.customerId));
    }
    if (filter.workerId !== undefined) {
      conditions.push(eq(bookings.workerId, filter.workerId));
    }
    if (filter.status !== undefined) {
      conditions.push(eq(bookings.status, filter.status));
    }
    return this.db
      .select()
      .from(bookings)
      .where(and(...conditions))
      .orderBy(desc(bookings.createdAt), desc(bookings.id))
      .limit(limit);
  }

  /** The customer's bookings that can still move on, oldest first. */
  findOpenByCustomer(customerId: string): Promise<BookingRow[]> {
    return this.db
      .select()
      .from(bookings)
      .where(
        and(
          eq(bookings.customerId, customerId),
          inArray(bookings.status, [...OPEN_STATUSES]),
        ),
      )
      .orderBy(bookings.createdAt, bookings.id);
  }

  /**
   * Applies `change` only if the booking is still as `expected` (status and
   * assigned worker); `undefined` when it is not (another step won) or it is
   * gone.
   */
  async transition(
    id: string,
    expected: ExpectedBookingState,
    change: BookingStatusChange,
  ): Promise<BookingRow | undefined> {
    const [row] = await this.db
      .update(bookings)
      .set({ ...change, updatedAt: sql`now()` })
      .where(
        and(
          eq(bookings.id, id),
          eq(bookings.status, expected.status),
          expected.workerId === null
            ? isNull(bookings.workerId)
            : eq(bookings.workerId, expected.workerId),
        ),
      )
      .returning();
    return row;
  }
}
