import { Injectable } from '@nestjs/common';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { InjectDatabase, type Database } from '@app/common';
import {
  notifications,
  type NewNotificationRow,
  type NotificationRow,
} from '../database/schema.js';

/** What the worker stores for one e-mail; the database fills id and time. */
export type NotificationRecord = Omit<NewNotificationRow, 'id' | 'createdAt'>;

const uniqueEmail = [notifications.eventId, notifications.template];

/**
 * The `notifications` table: one row per (event, template), whatever became
 * of the e-mail, so a redelivered job never stores or sends a second one.
 */
@Injectable()
export class NotificationsRepository {
  constructor(@InjectDatabase() private readonly db: Database) {}

  /** The sent or recorded e-mail of this event and template, if any. */
  async findDelivered(
    eventId: string,
    template: string,
  ): Promise<NotificationRow | undefined> {
    const [row] = await this.db
      .select()
      .from(notifications)
      .where(
        and(
          eq(notifications.eventId, eventId),
          eq(notifications.template, template),
          inArray(notifications.status, ['sent', 'recorded']),
        ),
      )
      .limit(1);
    return row;
  }

  /**
   * Stores a sent or recorded e-mail. A row for the same event and template
   * stays as it is, unless it recorded a failure: a failed job retried by
   * hand that now succeeds replaces it. Returns the stored row, or undefined
   * when the e-mail was already there.
   */
  async saveDelivered(
    record: NotificationRecord,
  ): Promise<NotificationRow | undefined> {
    const [row] = await this.db
      .insert(notifications)
      .values(record)
      .onConflictDoUpdate({
        target: uniqueEmail,
        set: {
          status: record.status,
          subject: record.subject,
          body: record.body,
          correlationId: record.correlationId,
          error: null,
          createdAt: sql`now()`,
        },
        setWhere: eq(notifications.status, 'failed'),
      })
      .returning();
    return row;
  }

  /** Records that an e-mail could not be sent, keeping the latest reason. */
  async saveFailed(record: NotificationRecord): Promise<void> {
    await this.db
      .insert(notifications)
      .values({ ...record, status: 'failed' })
      .onConflictDoUpdate({
        target: uniqueEmail,
        set: { error: record.error },
        setWhere: eq(notifications.status, 'failed'),
      });
  }

  /** E-mails to one address (case-insensitive), newest first. */
  listByRecipient(to: string, limit: number): Promise<NotificationRow[]> {
    return this.db
      .select()
      .from(notifications)
      .where(sql`lower(${notifications.to}) = ${to.toLowerCase()}`)
      .orderBy(desc(notifications.createdAt), desc(notifications.id))
      .limit(limit);
  }
}
