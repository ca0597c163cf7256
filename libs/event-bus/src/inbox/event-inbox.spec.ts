import { PGlite } from '@electric-sql/pglite';
import type { Database } from '@app/common';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { BusTables, resultRows } from '../database/bus-tables.js';
import { EventBusStats } from '../stats/event-bus.stats.js';
import { EventInbox } from './event-inbox.js';

/** The idempotency check on a real (embedded) PostgreSQL, in memory. */
describe('EventInbox', () => {
  let client: PGlite;
  let db: Database;
  let stats: EventBusStats;
  let inbox: EventInbox;
  const event = {
    id: 'e5d2f0a4-7c1b-4e8a-9f00-5a1d2c3b4e5f',
    type: 'user.registered',
  };

  beforeAll(async () => {
    client = await PGlite.create();
    db = drizzle({ client });
    await new BusTables(db).ensure();
  });

  afterAll(() => client.close());

  beforeEach(async () => {
    await db.execute(sql`delete from event_inbox`);
    await db.execute(sql`create table if not exists effects (note text)`);
    await db.execute(sql`delete from effects`);
    stats = new EventBusStats();
    inbox = new EventInbox({ service: 'notification-service' }, stats, db);
  });

  /** What a handler does: record the event, then change something, once. */
  const handle = (work: () => Promise<void> = () => Promise.resolve()) =>
    db.transaction(async (tx) => {
      if (!(await inbox.accept(tx, event))) return false;
      await tx.execute(sql`insert into effects (note) values ('done')`);
      await work();
      return true;
    });

  const effects = async () =>
    resultRows(await db.execute(sql`select note from effects`)).length;

  it('accepts an event once per consumer group and changes nothing twice', async () => {
    expect(await handle()).toBe(true);
    expect(await handle()).toBe(false);

    expect(await effects()).toBe(1);
    expect(stats.snapshot().totals.duplicate).toBe(1);
  });

  it('keeps no record of an attempt that rolled back, so the retry applies', async () => {
    await expect(
      handle(() => Promise.reject(new Error('queue unreachable'))),
    ).rejects.toThrow('queue unreachable');
    expect(await effects()).toBe(0);

    expect(await handle()).toBe(true);
    expect(await effects()).toBe(1);
  });

  it('keeps the groups apart: another consumer still gets the event', async () => {
    await db.transaction((tx) => inbox.accept(tx, event));

    const other = await db.transaction((tx) =>
      inbox.accept(tx, event, 'scheduler-service'),
    );

    expect(other).toBe(true);
  });

  it('forgets ids older than the retention, and only those', async () => {
    await db.transaction((tx) => inbox.accept(tx, event));
    await db.execute(sql`
      insert into event_inbox (consumer_group, event_id, event_type, processed_at)
      values ('notification-service', 'old', 'user.verified', now() - interval '8 days')`);

    expect(await inbox.purge()).toBe(1);
    expect(await db.transaction((tx) => inbox.accept(tx, event))).toBe(false);
  });

  it('creates its tables idempotently', async () => {
    await expect(new BusTables(db).ensure()).resolves.toBeUndefined();
  });
});
