// drizzle-kit loads this file on its own: import nothing but drizzle-orm.
import { sql } from 'drizzle-orm';
import {
  check,
  index,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';

export const NOTIFICATION_STATUSES = ['sent', 'recorded', 'failed'] as const;
/** `sent` over SMTP, `recorded` only (no SMTP_URL), or `failed` for good. */
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * Every e-mail the service sent, recorded or gave up on. `template` is plain
 * text (no check) so new templates need no migration.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    to: text('to').notNull(),
    template: text('template').notNull(),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    status: text('status').$type<NotificationStatus>().notNull(),
    eventId: text('event_id').notNull(),
    correlationId: text('correlation_id'),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .defaultNow(),
  },
  (table) => [
    // One e-mail per event and template: a redelivered job stores nothing new.
    unique('notifications_event_id_template_key').on(
      table.eventId,
      table.template,
    ),
    // GET /notifications?to= compares addresses case-insensitively.
    index('notifications_to_lower_idx').on(
      sql`lower(${table.to})`,
      table.createdAt,
    ),
    check(
      'notifications_status_check',
      sql`${table.status} in ('sent', 'recorded', 'failed')`,
    ),
  ],
);

export type NotificationRow = typeof notifications.$inferSelect;
export type NewNotificationRow = typeof notifications.$inferInsert;

/**
 * Who the users are, as far as e-mail goes: kept from `user.registered`,
 * `user.updated` and `user.deleted`, so booking e-mails can reach a customer
 * known only by id without reading user-service's tables.
 */
export const recipients = pgTable('recipients', {
  userId: uuid('user_id').primaryKey(),
  email: text('email').notNull(),
  name: text('name').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' })
    .notNull()
    .defaultNow(),
});

export type RecipientRow = typeof recipients.$inferSelect;
