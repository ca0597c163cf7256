import { jest } from '@jest/globals';
import { PGlite } from '@electric-sql/pglite';
import type { Database } from '@app/common';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { BusTables } from '../database/bus-tables.js';
import { createEventEnvelope } from '../envelope/event-envelope.js';
import { OutboxFallback } from './outbox-fallback.js';
import type { OutboxRelay } from './outbox.relay.js';
import { OutboxStore } from './outbox.store.js';

const event = (userId: string) =>
  createEventEnvelope({
    type: 'user.deleted',
    source: 'user-service',
    dataversion: 1,
    data: { userId, email: 'a@example.com', timestamp: '2030-01-01T00:00:00Z' },
  });

/** The fallback on a real (embedded) PostgreSQL; the relay is a fake. */
describe('OutboxFallback', () => {
  let client: PGlite;
  let db: Database;
  let store: OutboxStore;
  const relay = { id: 'relay-1', nudge: jest.fn() };
  const fallback = () =>
    new OutboxFallback(store, relay as unknown as OutboxRelay);

  beforeAll(async () => {
    client = await PGlite.create();
    db = drizzle({ client });
    await new BusTables(db).ensure();
    store = new OutboxStore({ service: 'user-service' }, db);
  });

  afterAll(() => client.close());

  beforeEach(() => db.execute(sql`delete from event_outbox`));

  it('keeps an event in a row of its own, for Redis only, and nudges the relay', async () => {
    const kept = fallback();

    await kept.keep(event('u1'));

    const [row] = await store.claim('relay-1', 10, 15);
    expect(row).toMatchObject({
      origin: 'relay-1',
      event: { data: { userId: 'u1' } },
      deliverLocal: false,
      deliverRedis: true,
    });
    expect(relay.nudge).toHaveBeenCalled();
    expect(kept.holdsEarlierEvents).toBe(true);
  });

  it('counts the rows of one origin, up to a seq', async () => {
    const first = await store.addUnsent(event('u1'), 'relay-1');
    const second = await store.addUnsent(event('u2'), 'relay-1');
    await store.addUnsent(event('u3'), 'relay-2');

    expect(second).toBeGreaterThan(first);
    expect(await store.pendingOf('relay-1')).toBe(2);
    expect(await store.pendingOf('relay-1', first)).toBe(1);
    expect(await store.pendingOf('relay-2')).toBe(1);
  });

  it('lets new events go directly once the kept ones have left the outbox', async () => {
    const kept = fallback();
    await kept.keep(event('u1'));
    const drained = kept.drained(() => true);

    await db.execute(sql`delete from event_outbox`);

    await expect(drained).resolves.toBe(true);
    expect(kept.holdsEarlierEvents).toBe(false);
  });

  it('keeps new events behind the kept ones while Redis is away', async () => {
    const kept = fallback();
    await kept.keep(event('u1'));

    await expect(kept.drained(() => false)).resolves.toBe(false);
    expect(kept.holdsEarlierEvents).toBe(true);
  });

  it('says so when the database does not take the event either', async () => {
    const broken = new OutboxStore({ service: 'user-service' }, {
      execute: () => Promise.reject(new Error('database down')),
    } as unknown as Database);
    const kept = new OutboxFallback(broken, relay as unknown as OutboxRelay);

    await expect(kept.keep(event('u1'))).rejects.toThrow(
      /outbox could not keep it \(database down\)/,
    );
  });
});
