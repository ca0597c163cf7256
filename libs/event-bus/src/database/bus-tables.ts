import {
  Inject,
  Injectable,
  Optional,
  type OnModuleInit,
} from '@nestjs/common';
import { DATABASE, type Database } from '@app/common';
import { sql } from 'drizzle-orm';

/**
 * A transaction of the service's database (Drizzle): what
 * `EventBus.publish(..., { transaction })` writes the outbox row in, and
 * what `EventInbox.accept` records a processed event in.
 */
export type BusTransaction = Pick<Database, 'execute'>;

/** Rows of a raw `execute`: both drivers (pg and PGlite) answer `{ rows }`. */
export function resultRows<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/**
 * The bus's own tables in each service's database: the outbox (events
 * waiting for the relay), the relays' leases, and the inbox (event ids each consumer group has
 * processed). Rows name their service, since services may share a
 * database. Created at start-up, under an advisory lock so that instances
 * starting at the same moment on one PostgreSQL do not collide.
 */
@Injectable()
export class BusTables implements OnModuleInit {
  constructor(@Optional() @Inject(DATABASE) private readonly db?: Database) {}

  async onModuleInit(): Promise<void> {
    await this.ensure();
  }

  async ensure(): Promise<void> {
    if (!this.db) return;
    await this.db.transaction(async (tx) => {
      await tx.execute(
        sql`select pg_advisory_xact_lock(hashtext('event-bus:tables'))`,
      );
      await tx.execute(sql`
        create table if not exists event_outbox (
          seq bigserial primary key,
          service text not null,
          origin text not null,
          event_id uuid not null unique,
          envelope text not null,
          deliver_local boolean not null,
          deliver_redis boolean not null,
          local_done boolean not null default false,
          claimed_by text,
          claimed_until timestamptz,
          created_at timestamptz not null default now()
        )`);
      // Outboxes made before the column existed (services may share a database).
      await tx.execute(sql`
        alter table event_outbox
        add column if not exists service text not null default '',
        add column if not exists origin text not null default ''`);
      await tx.execute(sql`
        create index if not exists event_outbox_service_seq
        on event_outbox (service, seq)`);
      // Each relay's lease: its rows are another relay's only once it expired.
      await tx.execute(sql`
        create table if not exists event_outbox_leases (
          relay text primary key,
          service text not null,
          lease_until timestamptz not null
        )`);
      await tx.execute(sql`
        create table if not exists event_inbox (
          consumer_group text not null,
          event_id text not null,
          event_type text not null,
          processed_at timestamptz not null default now(),
          primary key (consumer_group, event_id)
        )`);
      await tx.execute(sql`
        create index if not exists event_inbox_processed_at
        on event_inbox (processed_at)`);
    });
  }
}
