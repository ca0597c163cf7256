import { randomUUID } from 'node:crypto';
import type { AuthenticatedUser } from '@app/common';
import type { UserRole } from '@app/contracts';
import type {
  NewShiftRow,
  OrganizationRow,
  ShiftRow,
  UserDirectoryRow,
} from '../../src/database/schema.js';
import type { OrganizationSettings } from '../../src/organizations/organization-settings.js';
import type { ShiftEventType } from '../../src/shifts/shift-events.publisher.js';
import type {
  ShiftChangeSet,
  ShiftFilter,
} from '../../src/shifts/shifts.repository.js';

/**
 * In-memory collaborators for the unit tests of scheduler-service. They keep
 * the rules the real ones get from PostgreSQL (unique booking, conditional
 * status changes), so the services' own rules can be tested without it.
 */

export function uniqueViolation(constraint: string): Error {
  return Object.assign(new Error('Failed query: insert into "shifts"'), {
    cause: Object.assign(new Error('duplicate key value'), {
      code: '23505',
      constraint,
    }),
  });
}

/** What the fake repository hands out as its transaction. */
export const FAKE_TRANSACTION = { fake: 'transaction' };

export class FakeShiftsRepository {
  readonly rows = new Map<string, ShiftRow>();

  /** No database: the work runs with this fake and a stand-in transaction. */
  transaction<T>(
    work: (shifts: this, transaction: never) => Promise<T>,
  ): Promise<T> {
    return work(this, FAKE_TRANSACTION as never);
  }

  findById(id: string) {
    return Promise.resolve(this.rows.get(id));
  }

  list(filter: ShiftFilter) {
    return Promise.resolve(
      [...this.rows.values()]
        .filter((r) => !filter.workerId || r.workerId === filter.workerId)
        .filter((r) => !filter.bookingId || r.bookingId === filter.bookingId)
        .slice(0, filter.limit),
    );
  }

  insert(shift: NewShiftRow): Promise<ShiftRow> {
    if (
      shift.bookingId &&
      [...this.rows.values()].some((r) => r.bookingId === shift.bookingId)
    ) {
      return Promise.reject(uniqueViolation('shifts_booking_id_unique'));
    }
    const now = new Date();
    const row: ShiftRow = {
      id: randomUUID(),
      bookingId: null,
      status: 'scheduled',
      completedAt: null,
      createdAt: now,
      updatedAt: now,
      ...shift,
    };
    this.rows.set(row.id, row);
    return Promise.resolve(row);
  }

  async insertForBooking(shift: NewShiftRow) {
    return this.insert(shift).catch(() => undefined);
  }

  updateScheduled(id: string, changes: ShiftChangeSet) {
    return this.change(id, { ...changes });
  }

  complete(id: string) {
    return this.change(id, { status: 'completed', completedAt: new Date() });
  }

  cancel(id: string) {
    return this.change(id, { status: 'cancelled' });
  }

  /** Adds a shift directly, as if created earlier. */
  seed(overrides: Partial<ShiftRow> = {}): ShiftRow {
    const now = new Date();
    const row: ShiftRow = {
      id: randomUUID(),
      workerId: randomUUID(),
      clientEmail: 'client@example.com',
      organizationId: 'default',
      startsAt: new Date('2030-01-01T09:00:00Z'),
      endsAt: new Date('2030-01-01T11:30:00Z'),
      hourlyRate: 2500,
      bookingId: null,
      status: 'scheduled',
      completedAt: null,
      createdAt: now,
      updatedAt: now,
      ...overrides,
    };
    this.rows.set(row.id, row);
    return row;
  }

  private change(id: string, changes: Partial<ShiftRow>) {
    const row = this.rows.get(id);
    if (!row || row.status !== 'scheduled') return Promise.resolve(undefined);
    const updated = { ...row, ...changes, updatedAt: new Date() };
    this.rows.set(id, updated);
    return Promise.resolve(updated);
  }
}

export class FakeOrganizationsRepository {
  readonly rows = new Map<string, OrganizationRow>();

  constructor(ids: string[] = ['default']) {
    for (const id of ids) this.seed({ id });
  }

  findById(id: string) {
    return Promise.resolve(this.rows.get(id));
  }

  seed(overrides: Partial<OrganizationRow> & { id: string }): OrganizationRow {
    const row: OrganizationRow = {
      name: overrides.id,
      currency: 'USD',
      hourlyRate: 2500,
      updatedAt: new Date(),
      ...overrides,
    };
    this.rows.set(row.id, row);
    return row;
  }
}

/** A pricing cache that reads the fake organizations straight through. */
export class FakePricingCache {
  constructor(private readonly organizations: FakeOrganizationsRepository) {}

  async get(id: string): Promise<OrganizationSettings | undefined> {
    const row = await this.organizations.findById(id);
    return (
      row && {
        id: row.id,
        name: row.name,
        currency: row.currency,
        hourlyRate: row.hourlyRate,
      }
    );
  }
}

export class FakeUserDirectory {
  readonly rows = new Map<string, UserDirectoryRow>();

  findById(userId: string) {
    return Promise.resolve(this.rows.get(userId));
  }

  add(userId: string, email: string) {
    this.rows.set(userId, {
      userId,
      email,
      name: 'Ada',
      updatedAt: new Date(),
    });
  }
}

/** Records what `ShiftEventsPublisher` was asked to emit, and in which transaction. */
export class FakeShiftEvents {
  readonly emitted: {
    type: ShiftEventType;
    shift: ShiftRow;
    transaction?: unknown;
  }[] = [];

  publish(type: ShiftEventType, shift: ShiftRow, transaction?: unknown) {
    this.emitted.push({ type, shift, transaction });
    return Promise.resolve();
  }

  ofType(type: ShiftEventType) {
    return this.emitted.filter((e) => e.type === type);
  }
}

export const caller = (
  id: string,
  role: UserRole = 'worker',
): AuthenticatedUser => ({ id, role, email: `${id}@example.com` });
