// drizzle-kit loads this file on its own, so it imports from drizzle-orm only
// (no path aliases, no project code): the role list mirrors USER_ROLES of
// @app/contracts, and users.repository.spec.ts checks that the two agree.
import { sql } from 'drizzle-orm';
import { check, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const USER_ROLE_VALUES = ['admin', 'customer', 'worker'] as const;

/**
 * Accounts of user-service. E-mails are stored lower-cased so uniqueness is
 * case-insensitive; the verification token is kept only as its SHA-256, so a
 * leaked database cannot verify anyone.
 */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull().unique('users_email_unique'),
    name: text('name').notNull(),
    role: text('role', { enum: USER_ROLE_VALUES }).notNull(),
    passwordHash: text('password_hash').notNull(),
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    verificationTokenHash: text('verification_token_hash').unique(
      'users_verification_token_hash_unique',
    ),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow(),
  },
  (table) => [
    check(
      'users_email_lower_case',
      sql`${table.email} = lower(${table.email})`,
    ),
    check(
      'users_role_known',
      sql`${table.role} in ('admin', 'customer', 'worker')`,
    ),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;
