import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { EventPayload } from '@app/contracts';
import type { EventEnvelope } from '@app/event-bus';
import {
  api,
  logInWhenReady,
  signedAs,
  startApp,
  startRedisServer,
  waitFor,
  waitUntilHealthy,
  type Api,
  type AppProcess,
  type RedisServer,
} from '../support/index.js';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };
const DEAD_LETTERS = 'eventbus:dead-letters';
const USER_DELETED = 'eventbus:stream:user.deleted';

interface DeadLetter {
  group: string;
  error: string;
  eventId: string;
}

/**
 * The trust layer against an attacker who can write to the event-bus Redis:
 * user-, booking- and notification-service as real processes sharing a
 * private keys folder. Forged, replayed and wrongly sourced events change
 * nothing and show up as rejected; the verification token never rests in
 * clear in Redis nor shows in the history, yet verification works.
 */
describe('trust on the bus (hostile)', () => {
  let redis: RedisServer;
  let raw: Redis;
  let keysDir: string;
  let savedKeysDir: string | undefined;
  let apps: AppProcess[] = [];
  let users: Api;
  let bookings: Api;
  let notifications: Api;
  let adminToken: string;

  const deadLetters = async (): Promise<DeadLetter[]> =>
    (await raw.xrange(DEAD_LETTERS, '-', '+')).map(([, fields]) => {
      const field = (name: string) => fields[fields.indexOf(name) + 1];
      const event = JSON.parse(field('envelope')) as { id?: string };
      return {
        group: field('group'),
        error: field('error'),
        eventId: event.id ?? '',
      };
    });

  /** Rejections counted by booking-service, from its Prometheus metrics. */
  const untrusted = async (reason: string): Promise<number> => {
    const metrics = (await bookings.get<string>('/metrics')).body;
    const line = metrics
      .split('\n')
      .find(
        (l) =>
          l.startsWith('eventbus_events_untrusted_total{') &&
          l.includes('type="user.deleted"') &&
          l.includes(`reason="${reason}"`),
      );
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  const bookingFor = async (customerId: string): Promise<string> => {
    const created = await bookings.post<{ id: string }>(
      '/bookings',
      {
        customerId,
        startsAt: '2030-05-04T09:00:00.000Z',
        endsAt: '2030-05-04T12:00:00.000Z',
      },
      { token: adminToken },
    );
    expect(created.status).toBe(201);
    return created.body.id;
  };
  const statusOf = async (bookingId: string): Promise<string> =>
    (
      await bookings.get<{ status: string }>(`/bookings/${bookingId}`, {
        token: adminToken,
      })
    ).body.status;

  /** Writes an envelope into Redis as an attacker would: stream and channel. */
  const inject = async (event: object & { type: string }) => {
    await raw.xadd(
      `eventbus:stream:${event.type}`,
      '*',
      'envelope',
      JSON.stringify(event),
    );
    await raw.publish(
      event.type,
      JSON.stringify({ pattern: event.type, data: event }),
    );
  };

  /** A genuine user.deleted: a throwaway user, registered then deleted. */
  const genuineUserDeleted = async (): Promise<
    EventEnvelope<EventPayload<'user.deleted'>>
  > => {
    const created = await users.post<{ id: string }>('/users', {
      email: `gone-${randomUUID()}@example.com`,
      password: 'a-good-password',
      name: 'Gone',
      role: 'customer',
    });
    expect(created.status).toBe(201);
    expect(
      (await users.delete(`/users/${created.body.id}`, { token: adminToken }))
        .status,
    ).toBe(204);
    return waitFor(
      async () => {
        for (const [, fields] of await raw.xrange(USER_DELETED, '-', '+')) {
          const event = JSON.parse(fields[1]) as EventEnvelope<
            EventPayload<'user.deleted'>
          >;
          if (event.data.userId === created.body.id) return event;
        }
        return undefined;
      },
      { message: 'the genuine user.deleted in its stream' },
    );
  };

  beforeAll(async () => {
    keysDir = mkdtempSync(join(tmpdir(), 'e2e-keys-'));
    savedKeysDir = process.env.EVENT_BUS_KEYS_DIR;
    process.env.EVENT_BUS_KEYS_DIR = keysDir;
    redis = await startRedisServer();
    raw = new Redis(redis.url);
    const env = {
      EVENT_BUS_REDIS_URL: redis.url,
      EVENT_BUS_KEYS_DIR: keysDir,
      JWT_SECRET: `e2e-${randomUUID()}`,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      EVENT_BUS_MAX_DELIVERIES: '2',
    };
    apps = await Promise.all(
      (['user-service', 'booking-service', 'notification-service'] as const)
        // Three apps at once on a busy machine: a generous start deadline.
        .map((name) => startApp(name, { env, timeoutMs: 240_000 })),
    );
    [users, bookings, notifications] = apps.map((app) => api(app.url));
    for (const app of apps) await waitUntilHealthy(app);
    adminToken = await logInWhenReady(users, ADMIN);
  }, 600_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await raw?.quit();
    await redis?.kill();
    if (savedKeysDir === undefined) delete process.env.EVENT_BUS_KEYS_DIR;
    else process.env.EVENT_BUS_KEYS_DIR = savedKeysDir;
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('a forged user.deleted (a genuine one with other data) cancels nothing and is rejected', async () => {
    const victim = randomUUID();
    const booking = await bookingFor(victim);
    const genuine = await genuineUserDeleted();
    const before = await untrusted('bad-signature');

    const forged = {
      ...genuine,
      data: { ...genuine.data, userId: victim, email: `${victim}@example.com` },
    };
    await inject(forged);

    const letters = await waitFor(
      async () => {
        const mine = (await deadLetters()).filter(
          (l) => l.eventId === forged.id && l.error.includes('bad-signature'),
        );
        return mine.length >= 2 && mine;
      },
      {
        timeoutMs: 30_000,
        message: 'the forgery dead-lettered by both consumers',
      },
    );
    expect(letters.map((l) => l.group).sort()).toEqual([
      'booking-service',
      'notification-service',
    ]);
    expect(await untrusted('bad-signature')).toBeGreaterThan(before);
    expect(await statusOf(booking)).toBe('requested');
  });

  it('a genuine event appended again changes nothing', async () => {
    const genuine = await genuineUserDeleted();
    const customer = genuine.data.userId;
    const metrics = async () =>
      (await bookings.get<string>('/metrics')).body
        .split('\n')
        .find(
          (l) =>
            l.startsWith('eventbus_events_duplicate_total{') &&
            l.includes('type="user.deleted"'),
        );
    const duplicates = async () =>
      Number((await metrics())?.split(' ').at(-1) ?? 0);
    const before = await duplicates();
    // A booking made after the deletion: a replayed deletion would cancel it.
    const booking = await bookingFor(customer);

    await inject(genuine);

    await waitFor(async () => (await duplicates()) > before, {
      timeoutMs: 30_000,
      message: 'the replay dropped as a duplicate',
    });
    expect(await statusOf(booking)).toBe('requested');
  });

  it('an event whose source may not publish its type is rejected, even validly signed by that source', async () => {
    const victim = randomUUID();
    const booking = await bookingFor(victim);
    const genuine = await genuineUserDeleted();
    // booking-service's own key (from the shared folder) signs a user.deleted.
    const wronglySourced = signedAs(
      {
        ...genuine,
        id: randomUUID(),
        source: 'booking-service',
        signature: undefined,
        signaturekeyid: undefined,
        data: { ...genuine.data, userId: victim },
      },
      'booking-service',
    );
    await inject(wronglySourced);

    await waitFor(
      async () =>
        (await deadLetters()).some(
          (l) =>
            l.eventId === wronglySourced.id &&
            l.group === 'booking-service' &&
            l.error.includes('not-publisher'),
        ),
      { timeoutMs: 30_000, message: 'the wrongly sourced event dead-lettered' },
    );
    expect(await untrusted('not-publisher')).toBeGreaterThan(0);
    expect(await statusOf(booking)).toBe('requested');
  });

  it('the admin publish route publishes only the service’s own types and records the admin', async () => {
    const forbidden = await bookings.post(
      '/api/events/publish',
      {
        type: 'user.deleted',
        payload: {
          userId: randomUUID(),
          email: 'someone@example.com',
          timestamp: new Date().toISOString(),
        },
      },
      { token: adminToken },
    );
    expect(forbidden.status).toBe(403);

    const allowed = await users.post<{ event: EventEnvelope }>(
      '/api/events/publish',
      {
        type: 'auth.login',
        payload: {
          userId: randomUUID(),
          email: 'someone@example.com',
          role: 'customer',
          timestamp: new Date().toISOString(),
        },
      },
      { token: adminToken },
    );
    expect(allowed.status).toBe(201);
    const adminId = JSON.parse(
      Buffer.from(adminToken.split('.')[1], 'base64url').toString(),
    ).sub as string;
    expect(allowed.body.event.publishedby).toBe(adminId);
    const history = await users.get<{ items: EventEnvelope[] }>(
      '/api/events/history?eventType=auth.login&limit=1000',
      { token: adminToken },
    );
    expect(
      history.body.items.find((e) => e.id === allowed.body.event.id),
    ).toMatchObject({ publishedby: adminId });
  });

  it('after a registration the verification token rests nowhere in clear, and verification works', async () => {
    const email = `ada-${randomUUID()}@example.com`;
    const correlationId = `trust-${randomUUID()}`;
    const registration = await users.post(
      '/users',
      { email, password: 'a-good-password', name: 'Ada', role: 'customer' },
      { headers: { 'x-correlation-id': correlationId } },
    );
    expect(registration.status).toBe(201);
    const mail = await waitFor(
      async () => {
        const response = await notifications.get<{
          items: Array<{ template: string; body: string }>;
        }>(`/notifications?to=${encodeURIComponent(email)}`, {
          token: adminToken,
        });
        return response.body.items?.find((m) => m.template === 'verify-email');
      },
      { timeoutMs: 30_000, message: 'the verification e-mail' },
    );
    const token = /"token":\s*"([^"]+)"/.exec(mail.body)?.[1];
    expect(token).toEqual(expect.any(String));

    const places = await everythingInRedis(raw);
    expect(places.count).toBeGreaterThan(10);
    expect(places.holding(token!)).toEqual([]);
    // The scan reads what it should: the e-mail address is there.
    expect(places.holding(email).length).toBeGreaterThan(0);

    for (const service of [users, bookings, notifications]) {
      for (const source of ['redis', 'local']) {
        const history = await service.get(
          `/api/events/history?source=${source}&limit=1000`,
          { token: adminToken },
        );
        expect(history.status).toBe(200);
        expect(JSON.stringify(history.body)).not.toContain(token);
      }
    }
    for (const app of apps) expect(app.logs()).not.toContain(token);

    const verified = await users.post('/users/verify', { token });
    expect(verified.status).toBe(200);
  });
});

/** Every value of every key: strings, hashes, lists, sets, sorted sets, streams. */
async function everythingInRedis(redis: Redis) {
  const found = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      let value: unknown;
      if (type === 'string') value = await redis.get(key);
      else if (type === 'hash') value = await redis.hgetall(key);
      else if (type === 'list') value = await redis.lrange(key, 0, -1);
      else if (type === 'set') value = await redis.smembers(key);
      else if (type === 'zset') value = await redis.zrange(key, 0, -1);
      else if (type === 'stream') value = await redis.xrange(key, '-', '+');
      else value = `(${type})`;
      found.set(key, JSON.stringify(value));
    }
  } while (cursor !== '0');
  return {
    count: found.size,
    holding: (text: string) =>
      [...found]
        .filter(([, value]) => value.includes(text))
        .map(([key]) => key),
  };
}
