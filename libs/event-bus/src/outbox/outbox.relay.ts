import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import {
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectEventBusOptions } from '../event-bus.constants.js';
import { EventHistory } from '../history/event-history.js';
import type { EventBusModuleOptions } from '../interfaces/event-bus-options.interface.js';
import { LocalSubscribers } from '../local/local-subscribers.js';
import { EventBusTransports } from '../transport/event-bus-transports.js';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { EventTrust } from '../trust/event-trust.js';
import { OutboxLeases } from './outbox.leases.js';
import { OutboxStore, type OutboxRow } from './outbox.store.js';

const BATCH = 50;
const DEFAULT_POLL_MS = 200;
/** Renewals per lease: one or two may fail or come late without losing it. */
const RENEWALS_PER_LEASE = 5;

/**
 * Delivers outbox rows in order, a batch at a time: to this instance's
 * in-process subscribers once, then to Redis (stream and broadcast) in one
 * pipeline; the rows Redis took go in one statement. While Redis is
 * unreachable the rows wait and are retried.
 *
 * The relay holds a lease (`OutboxLeases`, 15 s by default) that a timer of
 * its own renews five times per lease, beside the relay loop, so a long
 * batch does not let it lapse. Rows of an instance whose lease expired (it
 * died, or stood still longer than the lease) are taken over and sent to
 * Redis (its in-process subscribers died with it); a relay that finds its
 * own lease lapsed stops sending the rows it had claimed and claims again.
 */
@Injectable()
export class OutboxRelay
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(OutboxRelay.name);
  /** This instance's relay; the rows its instance writes name it. */
  readonly id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private timer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private running?: Promise<void>;
  private renewing?: Promise<void>;
  private stopped = false;
  private nudgedWhileRunning = false;
  private lastError?: string;
  /** Until when (`performance.now()`) the lease surely holds. */
  private leaseHeldUntil = 0;
  /** Changes whenever the lease may have lapsed: claims before it are stale. */
  private leaseTerm = 0;

  constructor(
    @InjectEventBusOptions() private readonly options: EventBusModuleOptions,
    private readonly store: OutboxStore,
    private readonly local: LocalSubscribers,
    private readonly transports: EventBusTransports,
    private readonly history: EventHistory,
    private readonly leases: OutboxLeases,
    @Optional() private readonly trust?: EventTrust,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.store.available) return;
    await this.leases
      .forgetExpired()
      .catch((error: Error) => this.report(error));
    await this.renewLease();
    this.heartbeat = setInterval(
      () => void this.renewLease(),
      (this.leases.seconds * 1_000) / RENEWALS_PER_LEASE,
    );
    const pollMs = this.options.outboxPollMs ?? DEFAULT_POLL_MS;
    this.timer = setInterval(() => this.nudge(), pollMs);
    this.nudge();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    await this.running;
    await this.renewing;
    if (!this.store.available) return;
    // What is left (Redis away) is another instance's at once.
    await this.leases.release(this.id).catch(() => undefined);
  }

  /** Renews the lease; a renewal still under way is not doubled. */
  renewLease(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(
      () => (this.renewing = undefined),
    );
    return this.renewing;
  }

  private async renewOnce(): Promise<void> {
    // Counted from before the query: the database's expiry is later.
    const sentAt = performance.now();
    try {
      const { lapsed } = await this.leases.renew(this.id);
      if (lapsed || sentAt >= this.leaseHeldUntil) this.leaseTerm++;
      this.leaseHeldUntil = sentAt + this.leases.seconds * 1_000;
    } catch (error) {
      this.report(error as Error);
    }
  }

  /** Whether rows claimed in `term` are still this relay's to send. */
  private holds(term: number): boolean {
    return term === this.leaseTerm && performance.now() < this.leaseHeldUntil;
  }

  /**
   * Relays now (a publish in a transaction just wrote a row); when a relay
   * is under way, once more after it, since it may have claimed before the
   * row was committed.
   */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.nudgedWhileRunning = true;
      return;
    }
    this.running = this.relay()
      .catch((error: Error) => this.report(error))
      .finally(() => {
        this.running = undefined;
        if (this.nudgedWhileRunning) {
          this.nudgedWhileRunning = false;
          this.nudge();
        }
      });
  }

  private async relay(): Promise<void> {
    for (;;) {
      const term = this.leaseTerm;
      if (!this.holds(term)) return;
      const rows = await this.store.claim(this.id, BATCH, this.leases.seconds);
      if (rows.length === 0) return;
      const events = this.signed(rows);
      if (!(await this.deliverLocally(rows, events, term))) return;
      // Lapsed (the process stood still): another relay may be sending
      // these rows; the next claim says which are still ours.
      if (!this.holds(term)) return;
      // One pipeline for the batch: Redis appends the rows in order.
      const sent = await Promise.allSettled(
        rows.map((row, i) =>
          row.deliverRedis
            ? this.transports.publisher!.publishNow(
                events[i].envelope,
                events[i].text,
              )
            : Promise.resolve(),
        ),
      );
      const refused = sent.findIndex(({ status }) => status === 'rejected');
      const delivered = refused === -1 ? rows.length : refused;
      await this.store.remove(rows.slice(0, delivered).map(({ seq }) => seq));
      for (const { envelope } of events.slice(0, delivered)) {
        this.history.recordLocal(envelope);
      }
      if (refused !== -1) {
        // The refused row and the ones after it wait together, and go
        // again (those Redis took then twice: consumers drop duplicates).
        await this.store.release(rows.slice(refused).map(({ seq }) => seq));
        this.report((sent[refused] as PromiseRejectedResult).reason as Error);
        return;
      }
      this.lastError = undefined;
      if (rows.length < BATCH) return;
    }
  }

  /**
   * The rows' events signed together, one signature for the batch: rows
   * are written unsigned (sensitive fields encrypted), so that a publisher
   * in a transaction does not sign each event alone. Apps without trust
   * (tests) send them as they are.
   */
  private signed(
    rows: OutboxRow[],
  ): Array<{ envelope: EventEnvelope; text?: string }> {
    const events = rows.map(({ event }) => event);
    return this.trust
      ? this.trust.signAll(events)
      : events.map((envelope) => ({ envelope }));
  }

  /**
   * In-process subscribers first, for every row: they need no Redis. Only
   * this instance's rows: the subscribers of an instance that died before
   * relaying its rows died with it. False when the lease lapsed midway.
   */
  private async deliverLocally(
    rows: OutboxRow[],
    events: Array<{ envelope: EventEnvelope }>,
    term: number,
  ): Promise<boolean> {
    const delivered: number[] = [];
    try {
      for (const [i, row] of rows.entries()) {
        if (!this.holds(term)) return false;
        if (row.deliverLocal && !row.localDone && row.origin === this.id) {
          await this.local.deliver(events[i].envelope);
          delivered.push(row.seq);
        }
      }
      return true;
    } finally {
      await this.store.markLocalDone(delivered);
    }
  }

  private report(error: Error): void {
    if (error.message === this.lastError) return;
    this.lastError = error.message;
    this.logger.warn(`Outbox relay paused: ${error.message}; retrying`);
  }
}
