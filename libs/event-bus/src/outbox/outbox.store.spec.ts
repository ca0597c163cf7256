import { PGlite } from '@electric-sql/pglite';
import type { Database } from '@app/common';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { BusTables } from '../database/bus-tables.js';
import { createEventEnvelope } from '../envelope/event-envelope.js';
import { ORPHANED_AFTER_SECONDS, OutboxStore } from './outbox.store.js';

const event = (userId: string) =>
  createEventEnvelope({
    type: 'user.deleted',
    source: 'user-service',
    dataversion: 1,
    data: { userId, email: 'a@example.com', timestamp: '2030-01-01T00:00:00Z' },
  });

/** The outbox table on a real (embedded) PostgreSQL, in memory. */
describe('OutboxStore', () => {
  let client: PGlite;
  let db: Database;
  let users: OutboxStore;
  let bookings: OutboxStore;
  const targets = { local: true, redis: true };

  beforeAll(async () => {
    client = await PGlite.create();
    db = drizzle({ client });
    await new BusTables(db).ensure();
    users = new OutboxStore({ service: 'user-service' }, db);
    bookings = new OutboxStore({ service: 'booking-service' }, db);
  });

  afterAll(() => client.close());

  beforeEach(() => db.execute(sql`delete from event_outbox`));

  it('claims its own service’s rows only, oldest first (services may share a database)', async () => {
    for (const id of ['u1', 'u2']) {
      await db.transaction((tx) =>
        users.add(tx, event(id), targets, 'relay-1'),
      );
    }
    await db.transaction((tx) =>
      bookings.add(tx, event('b1'), targets, 'relay-1'),
    );

    const claimed = await users.claim('relay-1', 10);

    expect(claimed.map((row) => row.event.data)).toMatchObject([
      { userId: 'u1' },
      { userId: 'u2' },
    ]);
    expect(await users.pending()).toBe(2);
    expect(await bookings.pending()).toBe(1);
  });

  /** Makes every row look written `seconds` ago. */
  const age = (seconds: number) =>
    db.execute(sql`
      update event_outbox
      set created_at = now() - make_interval(secs => ${seconds})`);

  it('leaves a live instance’s fresh rows to it, and takes them once it seems dead', async () => {
    await db.transaction((tx) =>
      users.add(tx, event('u1'), targets, 'relay-1'),
    );

    expect(await users.claim('relay-2', 10)).toEqual([]);
    await age(ORPHANED_AFTER_SECONDS + 1);
    expect(await users.claim('relay-2', 10)).toMatchObject([
      { origin: 'relay-1' },
    ]);
  });

  it('lets another relay skip claimed rows until they are released', async () => {
    await db.transaction((tx) =>
      users.add(tx, event('u1'), targets, 'relay-1'),
    );
    await age(ORPHANED_AFTER_SECONDS + 1);
    const [row] = await users.claim('relay-1', 10);

    expect(await users.claim('relay-2', 10)).toEqual([]);
    await users.release([row.seq]);
    expect(await users.claim('relay-2', 10)).toHaveLength(1);
  });

  it('keeps nothing of a transaction that rolled back', async () => {
    await expect(
      db.transaction(async (tx) => {
        await users.add(tx, event('u1'), targets, 'relay-1');
        throw new Error('the write failed');
      }),
    ).rejects.toThrow('the write failed');

    expect(await users.pending()).toBe(0);
  });
});
