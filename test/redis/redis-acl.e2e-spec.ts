import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisOptionsFromUrl } from '@app/common';
import {
  appendDeadLetters,
  DeadLetterReplayRefusedError,
  DeadLetters,
  deadLetterBounds,
  streamKey,
  TARGET_GROUP_FIELD,
  type EventBusModuleOptions,
} from '@app/event-bus';
import { Redis } from 'ioredis';
import {
  api,
  EVENT_BUS_ACL_USERS,
  logInWhenReady,
  renderEventBusAcl,
  signUpVerified,
  startApp,
  startRedisServer,
  trustOf,
  waitFor,
  waitUntilHealthy,
  type AppName,
  type AppProcess,
  type EventBusAclUser,
  type RedisServer,
  type RenderedAcl,
} from '../support/index.js';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };
const SERVICES: AppName[] = [
  'user-service',
  'booking-service',
  'scheduler-service',
  'notification-service',
];
const stream = (type: string) => streamKey('eventbus:', type);

/**
 * The event-bus Redis with the repository's ACL (deploy/redis, rendered by
 * scripts/redis-acl.sh): each service's user may append only to the streams
 * of the types it publishes, and the four services run their flows under it.
 */
describe('the event-bus Redis ACL', () => {
  let acl: RenderedAcl;
  let redis: RedisServer;
  let cache: RedisServer;
  const clients: Redis[] = [];
  const apps: AppProcess[] = [];

  const connectAs = (user: EventBusAclUser): Redis => {
    const client = new Redis({
      ...redisOptionsFromUrl(acl.urlFor(redis.url, user)),
      maxRetriesPerRequest: 0,
    });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    acl = renderEventBusAcl();
    redis = await startRedisServer({ extraArgs: ['--aclfile', acl.file] });
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    for (const client of clients) client.disconnect();
    await redis?.kill();
    await cache?.kill();
    acl?.remove();
  });

  it('refuses the default user and keeps no password in clear in the file', async () => {
    const anonymous = new Redis({
      ...redisOptionsFromUrl(redis.url),
      maxRetriesPerRequest: 0,
      enableReadyCheck: false, // its INFO would be refused the same way
    });
    anonymous.on('error', () => undefined); // the refusal is the answer
    clients.push(anonymous);
    await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
    const file = readFileSync(acl.file, 'utf8');
    for (const password of Object.values(acl.passwords)) {
      expect(file).not.toContain(password);
    }
    expect(file).toMatch(/^user booking-service on #[0-9a-f]{64} /m);
  });

  it('the renderer refuses a missing, short or placeholder password with one line', () => {
    const output = join(tmpdir(), `redis-acl-refused-${randomUUID()}.acl`);
    const render = (password?: string) =>
      execFileSync(
        'scripts/redis-acl.sh',
        ['deploy/redis/event-bus.acl.template', output],
        {
          env: {
            PATH: process.env.PATH,
            ...Object.fromEntries(
              Object.values(EVENT_BUS_ACL_USERS).map((name) => [
                name,
                password,
              ]),
            ),
          },
          stdio: 'pipe',
        },
      );
    expect(() => render()).toThrow(
      /redis-acl: set [A-Z_]+_PASSWORD to a password of at least 16 characters/,
    );
    expect(() => render('short')).toThrow(/at least 16 characters/);
    expect(() => render('change-me-event-bus-redis-admin')).toThrow(
      /redis-acl: [A-Z_]+_PASSWORD is the .env.example placeholder/,
    );
    expect(existsSync(output)).toBe(false);
  });

  it("booking-service may append to its own streams, never to user-service's", async () => {
    const booking = connectAs('booking-service');
    await expect(
      booking.xadd(stream('user.deleted'), '*', 'envelope', '{}'),
    ).rejects.toThrow(/NOPERM/);
    await expect(booking.publish('user.deleted', '{}')).rejects.toThrow(
      /NOPERM/,
    );
    await expect(
      booking.xadd(stream('booking.created'), '*', 'envelope', '{}'),
    ).resolves.toMatch(/^\d+-\d+$/);
  });

  it('a consumer reads the streams it consumes as its group but may not append to them', async () => {
    const users = connectAs('user-service');
    await users.xadd(stream('user.registered'), '*', 'envelope', '{}');
    const notification = connectAs('notification-service');
    await notification.xgroup(
      'CREATE',
      stream('user.registered'),
      'notification-service',
      '0',
    );
    const read = await notification.xreadgroup(
      'GROUP',
      'notification-service',
      'acl-test',
      'COUNT',
      10,
      'STREAMS',
      stream('user.registered'),
      '>',
    );
    expect(read).toHaveLength(1);
    await expect(
      notification.xadd(stream('user.registered'), '*', 'envelope', '{}'),
    ).rejects.toThrow(/NOPERM/);
    await expect(
      notification.xadd(stream('invoice.generated'), '*', 'envelope', '{}'),
    ).rejects.toThrow(/NOPERM/);
    // Nor through another key: a copy or rename onto a stream is refused too.
    await expect(
      notification.rename(
        'eventbus:dead-letters:scratch',
        stream('user.registered'),
      ),
    ).rejects.toThrow(/NOPERM/);
    // Nor from a Lua script: Redis checks each command a script runs.
    await expect(
      notification.eval(
        "return redis.call('XADD', KEYS[1], '*', 'envelope', '{}')",
        1,
        stream('user.registered'),
      ),
    ).rejects.toThrow(/can't access/);
    // Nor into another group's inbox or queue.
    await expect(
      notification.set('eventbus:inbox:booking-service:x', 'done'),
    ).rejects.toThrow(/NOPERM/);
    await expect(
      notification.set('bull:invoice-generation:x', '1'),
    ).rejects.toThrow(/NOPERM/);
  });

  it("a dead letter is replayed by its type's publisher: a consumer's replay is refused", async () => {
    const booking = connectAs('booking-service');
    const options = { service: 'booking-service' } as EventBusModuleOptions;
    const { added } = await appendDeadLetters(
      booking,
      {
        keyPrefix: 'eventbus:',
        group: 'booking-service',
        stream: stream('user.deleted'),
        bounds: deadLetterBounds(options),
      },
      [
        {
          envelope: '{"id":"acl-test"}',
          stream: stream('user.deleted'),
          entryId: '1-0',
          group: 'booking-service',
          handler: 'user.deleted',
          error: 'failed in the ACL test',
          deliveries: 5,
        },
      ],
      { kind: 'none' },
    );
    expect(added).toHaveLength(1);
    const [letterId] = added;

    await expect(
      new DeadLetters(options, booking, trustOf('booking-service')).replay(
        letterId,
      ),
    ).rejects.toThrow(DeadLetterReplayRefusedError);
    const replayedId = await new DeadLetters(
      { service: 'user-service' },
      connectAs('user-service'),
      trustOf('user-service'),
    ).replay(letterId);
    const [[, fields]] = await booking.xrange(
      stream('user.deleted'),
      replayedId,
      replayedId,
    );
    expect(fields).toEqual(
      expect.arrayContaining([TARGET_GROUP_FIELD, 'booking-service']),
    );
  });

  it('the four services, each as its own user, run registration and a booking into a shift with no NOPERM', async () => {
    // Cache and rate limits live on their own Redis, with a password.
    const cachePassword = randomUUID();
    cache = await startRedisServer({
      extraArgs: ['--requirepass', cachePassword],
    });
    const cacheUrl = new URL(cache.url);
    cacheUrl.password = cachePassword;
    const admin = connectAs('admin');
    await admin.call('ACL', 'LOG', 'RESET');

    const env = {
      CACHE_REDIS_URL: cacheUrl.toString(),
      JWT_SECRET: `e2e-${randomUUID()}`,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
    };
    apps.push(
      ...(await Promise.all(
        SERVICES.map((name) =>
          startApp(name, {
            env: { ...env, EVENT_BUS_REDIS_URL: acl.urlFor(redis.url, name) },
            // Four apps start at once on a shared, loaded machine.
            timeoutMs: 240_000,
          }),
        ),
      )),
    );
    const [users, bookings, scheduler, notifications] = apps.map((app) =>
      api(app.url),
    );
    for (const app of apps) await waitUntilHealthy(app);
    const adminToken = await logInWhenReady(users, ADMIN);
    const services = { users, notifications, adminToken };

    const customer = await signUpVerified(services, 'customer');
    const worker = await signUpVerified(services, 'worker');
    const welcome = await waitFor(
      async () => {
        const response = await notifications.get<{
          items: Array<{ template: string }>;
        }>(`/notifications?to=${encodeURIComponent(customer.email)}`, {
          token: adminToken,
        });
        return response.body.items?.find((m) => m.template === 'welcome');
      },
      { timeoutMs: 30_000, message: 'welcome e-mail recorded' },
    );
    expect(welcome).toBeDefined();

    const created = await bookings.post<{ id: string }>(
      '/bookings',
      {
        customerId: customer.id,
        startsAt: '2026-05-04T09:00:00.000Z',
        endsAt: '2026-05-04T12:00:00.000Z',
      },
      { token: customer.token },
    );
    expect(created.status).toBe(201);
    for (const [step, body] of [
      ['approve', {}],
      ['assign', { workerId: worker.id }],
      ['confirm', {}],
    ] as const) {
      const response = await bookings.post(
        `/bookings/${created.body.id}/${step}`,
        body,
        { token: adminToken },
      );
      expect(response.status).toBe(200);
    }
    const shift = await waitFor(
      async () => {
        const response = await scheduler.get<{
          items: Array<Record<string, unknown>>;
        }>(`/shifts?bookingId=${created.body.id}`, { token: adminToken });
        return response.status === 200 && response.body.items[0];
      },
      { timeoutMs: 30_000, message: 'a shift for the confirmed booking' },
    );
    expect(shift).toMatchObject({ workerId: worker.id, status: 'scheduled' });

    // What Redis refused, by user, command and key or channel.
    const denied = (
      (await admin.call('ACL', 'LOG')) as Array<Array<string | number>>
    ).map((entry) => {
      const field = (name: string) => entry[entry.indexOf(name) + 1];
      return `${field('username')}: ${field('reason')} ${field('object')} (${field('context')})`;
    });
    expect(denied).toEqual([]);
    for (const app of apps) {
      expect({
        app: app.name,
        noperm: app.logs().match(/.*NOPERM.*/g),
      }).toEqual({ app: app.name, noperm: null });
      await waitUntilHealthy(app);
    }
  }, 600_000);
});
