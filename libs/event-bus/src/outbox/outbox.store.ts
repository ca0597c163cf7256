import { Inject, Injectable, Optional } from '@nestjs/common';
import { DATABASE, type Database } from '@app/common';
import { sql } from 'drizzle-orm';
import type { EventEnvelope } from '../envelope/event-envelope.js';

/** What `EventBus.publish(..., { transaction })` writes through: a Drizzle transaction. */
export type OutboxTransaction = Pick<Database, 'execute'>;

export interface OutboxRow {
  seq: number;
  event: EventEnvelope;
  deliverLocal: boolean;
  deliverRedis: boolean;
  localDone: boolean;
}

/** How long a relay may hold claimed rows before another instance takes them. */
const CLAIM_SECONDS = 30;

/**
 * The transactional outbox: events written in the same database transaction
 * as the change that caused them, kept until the relay has delivered them.
 * The table belongs to the bus and is created by it in each service's own
 * database.
 */
@Injectable()
export class OutboxStore {
  constructor(@Optional() @Inject(DATABASE) private readonly db?: Database) {}

  get available(): boolean {
    return this.db !== undefined;
  }

  async ensureTable(): Promise<void> {
    await this.database().execute(sql`
      create table if not exists event_outbox (
        seq bigserial primary key,
        event_id uuid not null unique,
        envelope text not null,
        deliver_local boolean not null,
        deliver_redis boolean not null,
        local_done boolean not null default false,
        claimed_by text,
        claimed_until timestamptz,
        created_at timestamptz not null default now()
      )`);
  }

  async add(
    transaction: OutboxTransaction,
    event: EventEnvelope,
    targets: { local: boolean; redis: boolean },
  ): Promise<void> {
    await transaction.execute(sql`
      insert into event_outbox (event_id, envelope, deliver_local, deliver_redis)
      values (${event.id}, ${JSON.stringify(event)}, ${targets.local}, ${targets.redis})`);
  }

  /**
   * Claims the oldest undelivered rows for this relay, skipping rows another
   * relay holds: several instances can relay one outbox safely.
   */
  async claim(relay: string, limit: number): Promise<OutboxRow[]> {
    const result = await this.database().execute(sql`
      update event_outbox
      set claimed_by = ${relay},
          claimed_until = now() + make_interval(secs => ${CLAIM_SECONDS})
      where seq in (
        select seq from event_outbox
        where claimed_until is null or claimed_until < now()
        order by seq
        limit ${limit}
        for update skip locked
      )
      returning seq, envelope, deliver_local, deliver_redis, local_done`);
    const rows = (result as { rows: Record<string, unknown>[] }).rows;
    return rows
      .map((row) => ({
        seq: Number(row.seq),
        event: JSON.parse(String(row.envelope)) as EventEnvelope,
        deliverLocal: Boolean(row.deliver_local),
        deliverRedis: Boolean(row.deliver_redis),
        localDone: Boolean(row.local_done),
      }))
      .sort((a, b) => a.seq - b.seq);
  }

  async markLocalDone(seq: number): Promise<void> {
    await this.database().execute(
      sql`update event_outbox set local_done = true where seq = ${seq}`,
    );
  }

  /** Delivered: the row goes (with it any sensitive payload at rest). */
  async remove(seq: number): Promise<void> {
    await this.database().execute(
      sql`delete from event_outbox where seq = ${seq}`,
    );
  }

  /** Gives rows back for the next attempt, by this or another relay. */
  async release(seqs: number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.database().execute(sql`
      update event_outbox set claimed_by = null, claimed_until = null
      where seq in (${sql.join(
        seqs.map((seq) => sql`${seq}`),
        sql`, `,
      )})`);
  }

  async pending(): Promise<number> {
    const result = await this.database().execute(
      sql`select count(*)::int as count from event_outbox`,
    );
    return Number(
      (result as { rows: { count: number }[] }).rows[0]?.count ?? 0,
    );
  }

  private database(): Database {
    if (!this.db) {
      throw new Error(
        'The outbox needs the service database: import DatabaseModule.forRoot() in the app',
      );
    }
    return this.db;
  }
}
