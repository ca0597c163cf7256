// drizzle-kit loads this file on its own, so it imports from drizzle-orm only
// (no path aliases, no project code): the status list mirrors SHIFT_STATUSES
// of @app/contracts, and schema.spec.ts checks that the two agree.
import { sql } from 'drizzle-orm';
import {
  bigint,
  char,
  check,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

export const SHIFT_STATUS_VALUES = [
  'scheduled',
  'completed',
  'cancelled',
] as const;
export type ShiftStatusValue = (typeof SHIFT_STATUS_VALUES)[number];

/** Default hourly rate of a new organization, in minor units (cents). */
export const DEFAULT_HOURLY_RATE = 2500;

/**
 * Organization settings: the currency (ISO 4217) and the hourly rate, in
 * minor units, that invoices use. Read through `PricingCache`.
 */
export const organizations = pgTable(
  'organizations',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    currency: char('currency', { length: 3 }).notNull().default('USD'),
    hourlyRate: integer('hourly_rate').notNull().default(DEFAULT_HOURLY_RATE),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow(),
  },
  (table) => [
    check('organizations_currency_iso', sql`${table.currency} ~ '^[A-Z]{3}$'`),
    check(
      'organizations_hourly_rate_non_negative',
      sql`${table.hourlyRate} >= 0`,
    ),
  ],
);

/**
 * Who the users are, as far as shifts go: kept from `user.registered`,
 * `user.updated` and `user.deleted`, so a confirmed booking's customer
 * (known only by id) gets an e-mail without reading user-service's tables.
 */
export const userDirectory = pgTable('user_directory', {
  userId: uuid('user_id').primaryKey(),
  email: text('email').notNull(),
  name: text('name').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow(),
});

/** A worker's shift for a client; at most one per booking. */
export const shifts = pgTable(
  'shifts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workerId: uuid('worker_id').notNull(),
    clientEmail: text('client_email').notNull(),
    // Any well-formed id (contract): one without a row in organizations is
    // billed with the defaults, so no foreign key.
    organizationId: text('organization_id').notNull(),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    hourlyRate: integer('hourly_rate').notNull(),
    bookingId: uuid('booking_id').unique('shifts_booking_id_unique'),
    status: text('status', { enum: SHIFT_STATUS_VALUES })
      .notNull()
      .default('scheduled'),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow(),
  },
  (table) => [
    index('shifts_worker_id_idx').on(table.workerId, table.startsAt),
    check('shifts_ends_after_start', sql`${table.endsAt} > ${table.startsAt}`),
    check('shifts_hourly_rate_non_negative', sql`${table.hourlyRate} >= 0`),
    check(
      'shifts_status_known',
      sql`${table.status} in ('scheduled', 'completed', 'cancelled')`,
    ),
  ],
);

/** Worked time, recorded once per completed shift. */
export const timesheetEntries = pgTable(
  'timesheet_entries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    shiftId: uuid('shift_id')
      .notNull()
      .unique('timesheet_entries_shift_id_unique')
      .references(() => shifts.id),
    workerId: uuid('worker_id').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }).notNull(),
    minutes: integer('minutes').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true })
      .notNull()
      .defaultNow(),
  },
  (table) => [
    index('timesheet_entries_worker_id_idx').on(
      table.workerId,
      table.startedAt,
    ),
  ],
);

/** One invoice per completed shift; `amount` in minor units of `currency`. */
export const invoices = pgTable(
  'invoices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    shiftId: uuid('shift_id')
      .notNull()
      .unique('invoices_shift_id_unique')
      .references(() => shifts.id),
    clientEmail: text('client_email').notNull(),
    organizationId: text('organization_id').notNull(),
    minutes: integer('minutes').notNull(),
    hourlyRate: integer('hourly_rate').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .defaultNow(),
  },
  (table) => [check('invoices_amount_non_negative', sql`${table.amount} >= 0`)],
);

export type OrganizationRow = typeof organizations.$inferSelect;
export type UserDirectoryRow = typeof userDirectory.$inferSelect;
export type ShiftRow = typeof shifts.$inferSelect;
export type NewShiftRow = typeof shifts.$inferInsert;
export type TimesheetEntryRow = typeof timesheetEntries.$inferSelect;
export type InvoiceRow = typeof invoices.$inferSelect;
export type NewInvoiceRow = typeof invoices.$inferInsert;
