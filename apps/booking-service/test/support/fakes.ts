import { randomUUID } from 'node:crypto';
import type { AuthenticatedUser } from '@app/common';
import type { UserRole } from '@app/contracts';
import type { BookingRow, NewBookingRow } from '../../src/database/schema.js';
import type { BookingListFilter } from '../../src/bookings/booking-access.js';
import { isOpen } from '../../src/bookings/booking-state-machine.js';
import type {
  BookingStatusChange,
  ExpectedBookingState,
} from '../../src/bookings/bookings.repository.js';

/**
 * In-memory collaborators for the unit tests of booking-service. They keep
 * the rule the real repository gets from PostgreSQL (a status change applies
 * only to the state it expects), so the service's own rules can be tested
 * without a database.
 */
/** What the fake repository hands out as its transaction. */
export const FAKE_TRANSACTION = { fake: 'transaction' };

export class FakeBookingsRepository {
  readonly rows = new Map<string, BookingRow>();

  /** No database: the work runs with this fake and a stand-in transaction. */
  transaction<T>(
    work: (bookings: this, transaction: never) => Promise<T>,
  ): Promise<T> {
    return work(this, FAKE_TRANSACTION as never);
  }
  /**
   * Runs just before the next `transition` writes, as if another request
   * changed the booking between the service's read and its write.
   */
  beforeNextTransition?: () => void;
  private clock = Date.UTC(2030, 0, 1);

  findById(id: string) {
    return Promise.resolve(this.rows.get(id));
  }

  insert(booking: NewBookingRow): Promise<BookingRow> {
    // Strictly increasing times, so "newest first" is well defined.
    const now = new Date((this.clock += 1000));
    const row: BookingRow = {
      id: randomUUID(),
      workerId: null,
      locationId: null,
      notes: null,
      status: 'requested',
      reason: null,
      createdAt: now,
      updatedAt: now,
      ...booking,
    };
    this.rows.set(row.id, row);
    return Promise.resolve(row);
  }

  list(filter: BookingListFilter, limit: number) {
    const rows = [...this.rows.values()]
      .filter(
        (r) =>
          (filter.customerId === undefined ||
            r.customerId === filter.customerId) &&
          (filter.workerId === undefined || r.workerId === filter.workerId) &&
          (filter.status === undefined || r.status === filter.status),
      )
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .slice(0, limit);
    return Promise.resolve(rows);
  }

  findOpenByCustomer(customerId: string) {
    return Promise.resolve(
      [...this.rows.values()].filter(
        (r) => r.customerId === customerId && isOpen(r.status),
      ),
    );
  }

  transition(
    id: string,
    expected: ExpectedBookingState,
    change: BookingStatusChange,
  ) {
    const race = this.beforeNextTransition;
    this.beforeNextTransition = undefined;
    race?.();
    const row = this.rows.get(id);
    if (
      !row ||
      row.status !== expected.status ||
      row.workerId !== expected.workerId
    ) {
      return Promise.resolve(undefined);
    }
    const updated: BookingRow = {
      ...row,
      ...change,
      updatedAt: new Date((this.clock += 1000)),
    };
    this.rows.set(id, updated);
    return Promise.resolve(updated);
  }

  /** Adds a booking directly, e.g. in a given status. */
  async seed(overrides: Partial<NewBookingRow> = {}) {
    return this.insert({
      customerId: randomUUID(),
      startsAt: new Date('2030-06-01T09:00:00.000Z'),
      endsAt: new Date('2030-06-01T17:00:00.000Z'),
      ...overrides,
    });
  }

  /** Changes a stored booking behind the service's back. */
  set(id: string, changes: Partial<BookingRow>) {
    this.rows.set(id, { ...this.rows.get(id)!, ...changes });
  }
}

/** Records what `BookingEventsPublisher` was asked to emit. */
export class FakeBookingEvents {
  readonly emitted: {
    type: string;
    booking: BookingRow;
    previous?: BookingRow;
    transaction?: unknown;
  }[] = [];

  created(booking: BookingRow, transaction?: unknown) {
    this.emitted.push({ type: 'booking.created', booking, transaction });
    return Promise.resolve();
  }

  statusChanged(
    type: string,
    booking: BookingRow,
    previous: BookingRow,
    transaction?: unknown,
  ) {
    this.emitted.push({ type, booking, previous, transaction });
    return Promise.resolve();
  }

  ofType(type: string) {
    return this.emitted.filter((e) => e.type === type);
  }
}

export const caller = (
  id: string = randomUUID(),
  role: UserRole = 'customer',
): AuthenticatedUser => ({ id, role, email: `${id}@example.com` });

export const admin = () => caller(randomUUID(), 'admin');
