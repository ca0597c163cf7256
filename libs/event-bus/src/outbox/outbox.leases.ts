import { Inject, Injectable, Optional } from '@nestjs/common';
import { DATABASE, type Database } from '@app/common';
import { sql } from 'drizzle-orm';
import { resultRows } from '../database/bus-tables.js';
import { InjectEventBusOptions } from '../event-bus.constants.js';
import type { EventBusModuleOptions } from '../interfaces/event-bus-options.interface.js';

/** How long a relay's lease lasts unless renewed. */
export const DEFAULT_OUTBOX_LEASE_SECONDS = 15;

/** Leases that expired this long ago are forgotten (nothing reads them). */
const FORGET_AFTER_SECONDS = 24 * 3600;

/**
 * The leases of the outbox relays (table `event_outbox_leases`): each
 * instance's relay renews its own while it lives. Its rows are another
 * relay's to take only once it has expired (see `OutboxStore.claim`), so a
 * slow instance keeps its rows and a dead one's are sent after the lease.
 */
@Injectable()
export class OutboxLeases {
  constructor(
    @InjectEventBusOptions() private readonly options: EventBusModuleOptions,
    @Optional() @Inject(DATABASE) private readonly db?: Database,
  ) {}

  get seconds(): number {
    return this.options.outboxLeaseSeconds ?? DEFAULT_OUTBOX_LEASE_SECONDS;
  }

  /**
   * Takes or extends `relay`'s lease for {@link seconds}. `lapsed` says the
   * lease had expired before this renewal, so other relays may have taken
   * rows this one had claimed.
   */
  async renew(relay: string): Promise<{ lapsed: boolean }> {
    // The CTE reads the lease as it was before the upsert.
    const result = await this.database().execute(sql`
      with previous as (
        select lease_until from event_outbox_leases where relay = ${relay}
      )
      insert into event_outbox_leases (relay, service, lease_until)
      values (${relay}, ${this.options.service},
              now() + make_interval(secs => ${this.seconds}))
      on conflict (relay) do update set lease_until = excluded.lease_until
      returning coalesce((select lease_until < now() from previous), false) as lapsed`);
    const [row] = resultRows<{ lapsed: boolean }>(result);
    return { lapsed: Boolean(row?.lapsed) };
  }

  /** Ends `relay`'s lease (a clean shutdown): its rows are free at once. */
  async release(relay: string): Promise<void> {
    await this.database().execute(
      sql`delete from event_outbox_leases where relay = ${relay}`,
    );
  }

  /** Forgets leases that expired long ago (instances gone for good). */
  async forgetExpired(): Promise<void> {
    await this.database().execute(sql`
      delete from event_outbox_leases
      where lease_until < now() - make_interval(secs => ${FORGET_AFTER_SECONDS})`);
  }

  private database(): Database {
    if (!this.db) throw new Error('Outbox leases need the service database');
    return this.db;
  }
}
