import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DATABASE, type Database } from '@app/common';
import { sql } from 'drizzle-orm';
import { resultRows, type BusTransaction } from '../database/bus-tables.js';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { maxEventAgeSeconds } from '../event-bus-config.js';
import { InjectEventBusOptions } from '../event-bus.constants.js';
import type { EventBusModuleOptions } from '../interfaces/event-bus-options.interface.js';
import { EventBusStats } from '../stats/event-bus.stats.js';

/** Default of `inboxRetentionSeconds`: a week. */
export const DEFAULT_INBOX_RETENTION_SECONDS = 7 * 86_400;
const PURGE_INTERVAL_MS = 3_600_000;

/**
 * The database inbox: the event ids this service's consumer group has
 * processed, recorded in the same transaction as the handler's effect. A
 * handler that writes to the database calls `accept` first in its
 * transaction and changes nothing when it answers false; since the record
 * commits or rolls back with the effect, a redelivered event (a crash after
 * the commit, before the acknowledgement) changes nothing twice, and a
 * failed attempt leaves no record behind to block its retry.
 */
@Injectable()
export class EventInbox
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(EventInbox.name);
  private purgeTimer?: NodeJS.Timeout;

  constructor(
    @InjectEventBusOptions() private readonly options: EventBusModuleOptions,
    private readonly stats: EventBusStats,
    @Optional() @Inject(DATABASE) private readonly db?: Database,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.db) return;
    this.purgeTimer = setInterval(
      () =>
        void this.purge().catch((error: Error) =>
          this.logger.warn(`Purging the inbox failed: ${error.message}`),
        ),
      PURGE_INTERVAL_MS,
    ).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.purgeTimer);
  }

  /**
   * Records in `transaction` that `consumer` (default: this service's group)
   * processed `event`. Resolves false when it already had: the caller must
   * then change nothing. A concurrent attempt at the same event waits for
   * this transaction and then gets false (or true if this one rolled back).
   */
  async accept(
    transaction: BusTransaction,
    event: Pick<EventEnvelope, 'id' | 'type'>,
    consumer: string = this.options.service,
  ): Promise<boolean> {
    const inserted = resultRows(
      await transaction.execute(sql`
        insert into event_inbox (consumer_group, event_id, event_type)
        values (${consumer}, ${event.id}, ${event.type})
        on conflict do nothing
        returning event_id`),
    );
    if (inserted.length > 0) return true;
    this.stats.count('duplicate', event.type);
    this.logger.log(
      `${event.type} ${event.id} was already processed by ${consumer}; nothing changed`,
    );
    return false;
  }

  /**
   * Forgets ids processed longer ago than `inboxRetentionSeconds` (default a
   * week), and never sooner than the oldest event a consumer accepts: a
   * genuine event appended again later is refused as too old instead.
   */
  async purge(
    olderThanSeconds = Math.max(
      this.options.inboxRetentionSeconds ?? DEFAULT_INBOX_RETENTION_SECONDS,
      maxEventAgeSeconds(this.options),
    ),
  ): Promise<number> {
    if (!this.db) return 0;
    const removed = resultRows(
      await this.db.execute(sql`
        delete from event_inbox
        where processed_at < now() - make_interval(secs => ${olderThanSeconds})
        returning event_id`),
    );
    return removed.length;
  }
}
