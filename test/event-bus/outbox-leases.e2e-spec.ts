import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { EventPayload } from '@app/contracts';
import { createEventEnvelope, type EventEnvelope } from '@app/event-bus';
import {
  createTestDatabase,
  startApp,
  startRedisServer,
  waitFor,
  type AppProcess,
  type RedisServer,
  type TestDatabase,
} from '../support/index.js';

const SERVICE = 'booking-service';
/** A type booking-service publishes and does not consume. */
const TYPE = 'booking.cancelled';
const STREAM = `eventbus:stream:${TYPE}`;

const cancelled = (): EventEnvelope<EventPayload<'booking.cancelled'>> =>
  createEventEnvelope({
    type: TYPE,
    source: SERVICE,
    dataversion: 1,
    data: {
      bookingId: randomUUID(),
      customerId: randomUUID(),
      startsAt: '2030-01-01T09:00:00.000Z',
      endsAt: '2030-01-01T17:00:00.000Z',
      status: 'cancelled',
      previousStatus: 'requested',
      timestamp: new Date().toISOString(),
    },
  });

/**
 * Two instances of booking-service relay one outbox (a PostgreSQL database
 * of their own on the suite's server). An instance's rows stay its own while
 * its lease (15 s by default) holds: one that stands still (SIGSTOP: a
 * blocked event loop) keeps them, one that is killed loses them to the other
 * once its lease has expired.
 */
describe('outbox leases (two instances, real processes)', () => {
  let redis: RedisServer;
  let database: TestDatabase;
  let sql: pg.Client;
  let probe: Redis;
  let first: AppProcess;
  let second: AppProcess;
  let firstRelay: string;

  const leases = async () =>
    (
      await sql.query<{ relay: string; lease_until: Date }>(
        `select relay, lease_until from event_outbox_leases where service = $1`,
        [SERVICE],
      )
    ).rows;

  /** Rows the test writes as if the first instance had committed them. */
  const writeRows = async (origin: string, count: number) => {
    const events = Array.from({ length: count }, cancelled);
    for (const event of events) {
      await sql.query(
        `insert into event_outbox (service, origin, event_id, envelope, deliver_local, deliver_redis)
         values ($1, $2, $3, $4, true, true)`,
        [SERVICE, origin, event.id, JSON.stringify(event)],
      );
    }
    return events.map((event) => event.id);
  };

  const streamIds = async () =>
    (await probe.xrange(STREAM, '-', '+')).map(
      ([, fields]) =>
        (JSON.parse(fields[fields.indexOf('envelope') + 1]) as EventEnvelope)
          .id,
    );

  const pendingRows = async () =>
    (
      await sql.query<{ count: number }>(
        `select count(*)::int as count from event_outbox where service = $1`,
        [SERVICE],
      )
    ).rows[0].count;

  beforeAll(async () => {
    redis = await startRedisServer();
    database = await createTestDatabase();
    const env = {
      EVENT_BUS_REDIS_URL: redis.url,
      DATABASE_URL: database.url,
      JWT_SECRET: 'outbox-leases-test-secret',
    };
    probe = new Redis(redis.url);
    first = await startApp(SERVICE, { env });
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    [{ relay: firstRelay }] = await waitFor(
      async () => {
        const rows = await leases();
        return rows.length === 1 && rows;
      },
      { message: 'the first instance’s lease' },
    );
    second = await startApp(SERVICE, { env });
    await waitFor(async () => (await leases()).length === 2, {
      message: 'the second instance’s lease',
    });
  });

  afterAll(async () => {
    first?.kill('SIGCONT');
    await Promise.all([first?.stop(), second?.stop()]);
    await sql?.end();
    probe?.disconnect();
    await database?.drop();
    await redis?.kill();
  });

  it('leaves the rows of an instance that stands still for 10 s to it', async () => {
    // Stop it right after a renewal, so its lease has its full length left.
    const renewedUntil = async () =>
      (await leases()).find((lease) => lease.relay === firstRelay)!.lease_until;
    const before = (await renewedUntil()).getTime();
    await waitFor(async () => (await renewedUntil()).getTime() > before, {
      message: 'a renewal of the first instance’s lease',
      intervalMs: 20,
    });
    first.kill('SIGSTOP');
    const ids = await writeRows(firstRelay, 3);

    // The scenario itself: the instance is alive but does nothing for 10 s.
    await sleep(10_000);

    expect(await streamIds()).not.toEqual(expect.arrayContaining([ids[0]]));
    expect(await pendingRows()).toBe(3);

    first.kill('SIGCONT');
    await waitFor(
      async () => {
        const sent = await streamIds();
        return ids.every((id) => sent.includes(id));
      },
      { timeoutMs: 30_000, message: 'the rows sent after it resumed' },
    );
    const sent = (await streamIds()).filter((id) => ids.includes(id));
    expect(sent).toEqual(ids); // in order, each once
  });

  it('takes over the rows of an instance that was killed once its lease expired', async () => {
    first.kill('SIGKILL');
    await first.exited;
    const ids = await writeRows(firstRelay, 3);
    const sentEarly = await streamIds();
    const [{ held }] = (
      await sql.query<{ held: boolean }>(
        `select lease_until > now() as held from event_outbox_leases where relay = $1`,
        [firstRelay],
      )
    ).rows;

    await waitFor(
      async () => {
        const sent = await streamIds();
        return ids.every((id) => sent.includes(id));
      },
      { timeoutMs: 60_000, message: 'the dead instance’s rows sent' },
    );

    // Nothing was taken while the lease still held.
    expect(held).toBe(true);
    expect(sentEarly.filter((id) => ids.includes(id))).toEqual([]);
    const sent = (await streamIds()).filter((id) => ids.includes(id));
    expect(sent).toEqual(ids);
    await waitFor(async () => (await pendingRows()) === 0, {
      message: 'the outbox emptied',
    });
  });
});
