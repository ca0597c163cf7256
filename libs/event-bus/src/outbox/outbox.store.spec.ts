import { PGlite } from '@electric-sql/pglite';
import type { Database } from '@app/common';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { BusTables, resultRows } from '../database/bus-tables.js';
import { createEventEnvelope } from '../envelope/event-envelope.js';
import { OutboxLeases } from './outbox.leases.js';
import { OutboxStore } from './outbox.store.js';

const LEASE_SECONDS = 15;

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
  let leases: OutboxLeases;
  const targets = { local: true, redis: true };

  beforeAll(async () => {
    client = await PGlite.create();
    db = drizzle({ client });
    await new BusTables(db).ensure();
    users = new OutboxStore({ service: 'user-service' }, db);
    bookings = new OutboxStore({ service: 'booking-service' }, db);
    leases = new OutboxLeases(
      { service: 'user-service', outboxLeaseSeconds: LEASE_SECONDS },
      db,
    );
  });

  afterAll(() => client.close());

  beforeEach(async () => {
    await db.execute(sql`delete from event_outbox`);
    await db.execute(sql`delete from event_outbox_leases`);
  });

  const claim = (store: OutboxStore, relay: string) =>
    store.claim(relay, 10, LEASE_SECONDS);

  it('claims its own service’s rows only, oldest first (services may share a database)', async () => {
    for (const id of ['u1', 'u2']) {
      await db.transaction((tx) =>
        users.add(tx, event(id), targets, 'relay-1'),
      );
    }
    await db.transaction((tx) =>
      bookings.add(tx, event('b1'), targets, 'relay-1'),
    );

    const claimed = await claim(users, 'relay-1');

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

  /** Makes `relay`'s lease look expired `seconds` ago. */
  const expire = (relay: string, seconds = 1) =>
    db.execute(sql`
      update event_outbox_leases
      set lease_until = now() - make_interval(secs => ${seconds})
      where relay = ${relay}`);

  const write = (id: string, origin: string) =>
    db.transaction((tx) => users.add(tx, event(id), targets, origin));

  it('leaves the rows of an instance whose lease holds to it, however old they are', async () => {
    await leases.renew('relay-1');
    await write('u1', 'relay-1');
    await age(10 * LEASE_SECONDS);

    expect(await claim(users, 'relay-2')).toEqual([]);
    expect(await claim(users, 'relay-1')).toMatchObject([
      { origin: 'relay-1' },
    ]);
  });

  it('lets another relay take the rows once their instance’s lease expired', async () => {
    await leases.renew('relay-1');
    await write('u1', 'relay-1');
    await expire('relay-1');

    expect(await claim(users, 'relay-2')).toMatchObject([
      { origin: 'relay-1' },
    ]);
  });

  it('keeps rows taken over with the relay that took them while its lease holds', async () => {
    await leases.renew('relay-1');
    await leases.renew('relay-2');
    await write('u1', 'relay-1');
    await expire('relay-1');
    await claim(users, 'relay-2');

    // relay-1 was only slow: it renews, but the rows are relay-2's now.
    expect(await leases.renew('relay-1')).toEqual({ lapsed: true });
    expect(await claim(users, 'relay-1')).toEqual([]);
    expect(await claim(users, 'relay-2')).toHaveLength(1);
  });

  it('frees the rows of an instance without a lease only once they are older than a lease', async () => {
    await write('u1', 'never-registered');

    expect(await claim(users, 'relay-2')).toEqual([]);
    await age(LEASE_SECONDS + 1);
    expect(await claim(users, 'relay-2')).toHaveLength(1);
  });

  it('frees the rows at once when their instance releases its lease', async () => {
    await leases.renew('relay-1');
    await write('u1', 'relay-1');

    await leases.release('relay-1');

    // A released lease counts as no lease; old enough rows are free.
    await age(LEASE_SECONDS + 1);
    expect(await claim(users, 'relay-2')).toHaveLength(1);
  });

  it('lets another relay skip claimed rows until they are released', async () => {
    await leases.renew('relay-1');
    await write('u1', 'relay-1');
    const [row] = await claim(users, 'relay-1');
    await expire('relay-1');
    await leases.renew('relay-3');
    await claim(users, 'relay-3');

    expect(await claim(users, 'relay-2')).toEqual([]);
    await users.release([row.seq]);
    expect(await claim(users, 'relay-2')).toHaveLength(1);
  });

  it('marks and removes the rows of a batch in one statement each, and only those', async () => {
    await leases.renew('relay-1');
    for (const id of ['u1', 'u2', 'u3']) await write(id, 'relay-1');
    const rows = await claim(users, 'relay-1');
    const [first, second, third] = rows.map(({ seq }) => seq);

    await users.markLocalDone([first, second]);
    await users.remove([first, third]);
    await users.remove([]);

    await users.release([second]);
    expect(await claim(users, 'relay-1')).toEqual([
      expect.objectContaining({ seq: second, localDone: true }),
    ]);
  });

  it('says whether a renewed lease had lapsed', async () => {
    expect(await leases.renew('relay-1')).toEqual({ lapsed: false });
    expect(await leases.renew('relay-1')).toEqual({ lapsed: false });
    await expire('relay-1');
    expect(await leases.renew('relay-1')).toEqual({ lapsed: true });
  });

  it('forgets leases expired for a day', async () => {
    await leases.renew('relay-1');
    await leases.renew('relay-2');
    await expire('relay-1', 2 * 24 * 3600);

    await leases.forgetExpired();

    const result = await db.execute(sql`select relay from event_outbox_leases`);
    expect(resultRows(result)).toEqual([{ relay: 'relay-2' }]);
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
