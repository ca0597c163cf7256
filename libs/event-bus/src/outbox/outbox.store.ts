import { Inject, Injectable, Optional } from '@nestjs/common';
import { DATABASE, type Database } from '@app/common';
import { sql } from 'drizzle-orm';
import { resultRows, type BusTransaction } from '../database/bus-tables.js';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { InjectEventBusOptions } from '../event-bus.constants.js';
import type { EventBusModuleOptions } from '../interfaces/event-bus-options.interface.js';

export interface OutboxRow {
  seq: number;
  /** The relay of the instance that wrote the row (see `OutboxRelay.id`). */
  origin: string;
  event: EventEnvelope;
  deliverLocal: boolean;
  deliverRedis: boolean;
  localDone: boolean;
}

/**
 * The transactional outbox: events written in the same database transaction
 * as the change that caused them, kept until the relay has delivered them.
 * The table belongs to the bus (see `BusTables`).
 */
@Injectable()
export class OutboxStore {
  constructor(
    @InjectEventBusOptions() private readonly options: EventBusModuleOptions,
    @Optional() @Inject(DATABASE) private readonly db?: Database,
  ) {}

  get available(): boolean {
    return this.db !== undefined;
  }

  async add(
    transaction: BusTransaction,
    event: EventEnvelope,
    targets: { local: boolean; redis: boolean },
    origin: string,
  ): Promise<void> {
    await transaction.execute(sql`
      insert into event_outbox (service, origin, event_id, envelope, deliver_local, deliver_redis)
      values (${this.options.service}, ${origin}, ${event.id}, ${JSON.stringify(event)}, ${targets.local}, ${targets.redis})`);
  }

  /**
   * Keeps an event that Redis did not take, in a row of its own outside any
   * caller's transaction, for the relay to send to Redis (also after a
   * restart). Its in-process subscribers already had it. Returns the row's
   * `seq`.
   */
  async addUnsent(event: EventEnvelope, origin: string): Promise<number> {
    const result = await this.database().execute(sql`
      insert into event_outbox (service, origin, event_id, envelope, deliver_local, deliver_redis)
      values (${this.options.service}, ${origin}, ${event.id}, ${JSON.stringify(event)}, false, true)
      returning seq`);
    return Number(resultRows<{ seq: number }>(result)[0].seq);
  }

  /**
   * Rows written by `origin`'s instance, up to `seq` when given, that are
   * not delivered yet.
   */
  async pendingOf(origin: string, upToSeq?: number): Promise<number> {
    const upTo = upToSeq === undefined ? sql`` : sql` and seq <= ${upToSeq}`;
    const result = await this.database().execute(
      sql`select count(*)::int as count from event_outbox
          where service = ${this.options.service} and origin = ${origin}${upTo}`,
    );
    return Number(resultRows<{ count: number }>(result)[0]?.count ?? 0);
  }

  /**
   * Claims the oldest undelivered rows for this relay, skipping rows another
   * relay is claiming: rows it owns (it wrote them, or took them over), and
   * those whose owner's lease has expired (`OutboxLeases`): an instance that
   * is alive, however slow, keeps its rows. A row whose owner has no lease
   * (not registered yet, or forgotten long after it expired) is free once
   * older than the lease. Several instances can relay one outbox safely.
   */
  async claim(
    relay: string,
    limit: number,
    leaseSeconds: number,
  ): Promise<OutboxRow[]> {
    const result = await this.database().execute(sql`
      update event_outbox
      set claimed_by = ${relay}
      where seq in (
        select o.seq from event_outbox o
        left join event_outbox_leases l
          on l.relay = coalesce(o.claimed_by, o.origin)
        where o.service = ${this.options.service}
          and (coalesce(o.claimed_by, o.origin) = ${relay}
            or l.lease_until < now()
            or (l.relay is null
              and o.created_at < now() - make_interval(secs => ${leaseSeconds})))
        order by o.seq
        limit ${limit}
        for update of o skip locked
      )
      returning seq, origin, envelope, deliver_local, deliver_redis, local_done`);
    return resultRows<Record<string, unknown>>(result)
      .map((row) => ({
        seq: Number(row.seq),
        origin: String(row.origin),
        event: JSON.parse(String(row.envelope)) as EventEnvelope,
        deliverLocal: Boolean(row.deliver_local),
        deliverRedis: Boolean(row.deliver_redis),
        localDone: Boolean(row.local_done),
      }))
      .sort((a, b) => a.seq - b.seq);
  }

  /** These rows' in-process subscribers had them: not again. */
  async markLocalDone(seqs: number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.database().execute(
      sql`update event_outbox set local_done = true where seq in (${seqList(seqs)})`,
    );
  }

  /** Delivered: the rows go (with them any sensitive payload at rest). */
  async remove(seqs: number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.database().execute(
      sql`delete from event_outbox where seq in (${seqList(seqs)})`,
    );
  }

  /** Gives rows back for the next attempt, by this or another relay. */
  async release(seqs: number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.database().execute(
      sql`update event_outbox set claimed_by = null where seq in (${seqList(seqs)})`,
    );
  }

  async pending(): Promise<number> {
    const result = await this.database().execute(
      sql`select count(*)::int as count from event_outbox
          where service = ${this.options.service}`,
    );
    return Number(resultRows<{ count: number }>(result)[0]?.count ?? 0);
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

const seqList = (seqs: number[]) =>
  sql.join(
    seqs.map((seq) => sql`${seq}`),
    sql`, `,
  );
