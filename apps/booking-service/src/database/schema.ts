// drizzle-kit loads this file on its own, so it imports from drizzle-orm only
// (no path aliases, no project code): the status list mirrors
// BOOKING_STATUSES of @app/contracts, and schema.spec.ts checks that the two
// agree.
import { sql } from 'drizzle-orm';
import {
  check,
  index,
  pgTable,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

export const BOOKING_STATUS_VALUES = [
  'requested',
  'approved',
  'rejected',
  'assigned',
  'confirmed',
  'in_progress',
  'completed',
  'cancelled',
] as const;

/**
 * Bookings of booking-service. Customers and workers are user ids of
 * user-service, stored without a foreign key (each service owns its data).
 * `reason` holds why a booking was rejected or cancelled.
 */
export const bookings = pgTable(
  'bookings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    customerId: uuid('customer_id').notNull(),
    workerId: uuid('worker_id'),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    locationId: text('location_id'),
    notes: text('notes'),
    status: text('status', { enum: BOOKING_STATUS_VALUES })
      .notNull()
      .default('requested'),
    reason: text('reason'),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow(),
  },
  (table) => [
    // GET /bookings?customerId= (newest first) and the user.deleted cleanup.
    index('bookings_customer_id_created_at_idx').on(
      table.customerId,
      table.createdAt,
    ),
    // A worker's own list and the access check of start/complete.
    index('bookings_worker_id_idx').on(table.workerId),
    check(
      'bookings_status_known',
      sql`${table.status} in ('requested', 'approved', 'rejected', 'assigned', 'confirmed', 'in_progress', 'completed', 'cancelled')`,
    ),
    check(
      'bookings_ends_after_starts',
      sql`${table.endsAt} > ${table.startsAt}`,
    ),
  ],
);

export type BookingRow = typeof bookings.$inferSelect;
export type NewBookingRow = typeof bookings.$inferInsert;
