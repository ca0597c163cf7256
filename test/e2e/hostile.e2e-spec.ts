import { randomUUID } from 'node:crypto';
import { EVENT_TYPES } from '@app/contracts';
import { streamKey } from '@app/event-bus';
import { Redis } from 'ioredis';
import {
  api,
  logInWhenReady,
  startApp,
  startRedisServer,
  waitFor,
  waitUntilHealthy,
  type AppName,
  type AppProcess,
  type RedisServer,
} from '../support/index.js';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };
const APPS: AppName[] = [
  'user-service',
  'booking-service',
  'scheduler-service',
  'notification-service',
];
/** Rounds of every malformed message kind on every type's stream and channel. */
const BUS_ROUNDS = 8;

/** Every route of the contract, with ids that exist nowhere and ids that are not ids. */
function routes(): Array<[app: AppName, method: string, path: string]> {
  const ids = [randomUUID(), 'not-an-id', '%00', '..%2F..%2Fetc'];
  return [
    ['user-service', 'POST', '/users'],
    ['user-service', 'POST', '/users/verify'],
    ['user-service', 'POST', '/auth/login'],
    ...ids.flatMap((id): Array<[AppName, string, string]> => [
      ['user-service', 'GET', `/users/${id}`],
      ['user-service', 'PATCH', `/users/${id}`],
      ['user-service', 'DELETE', `/users/${id}`],
      ['booking-service', 'GET', `/bookings/${id}`],
      ...['approve', 'reject', 'assign', 'confirm', 'start', 'complete'].map(
        (step): [AppName, string, string] => [
          'booking-service',
          'POST',
          `/bookings/${id}/${step}`,
        ],
      ),
      ['scheduler-service', 'GET', `/shifts/${id}`],
      ['scheduler-service', 'PATCH', `/shifts/${id}`],
      ['scheduler-service', 'POST', `/shifts/${id}/complete`],
      ['scheduler-service', 'POST', `/shifts/${id}/cancel`],
      ['scheduler-service', 'GET', `/invoices/${id}`],
      ['scheduler-service', 'PUT', `/organizations/${id}`],
      ['scheduler-service', 'GET', `/organizations/${id}`],
    ]),
    ['booking-service', 'POST', '/bookings'],
    ['booking-service', 'GET', '/bookings?customerId=x&status=nope'],
    ['scheduler-service', 'POST', '/shifts'],
    ['scheduler-service', 'GET', '/shifts?workerId=1&bookingId=%ff'],
    ['scheduler-service', 'GET', '/timesheets?workerId='],
    ['scheduler-service', 'GET', '/invoices?shiftId=[]'],
    ['notification-service', 'GET', '/notifications?to=%27%22'],
    ...APPS.flatMap((app): Array<[AppName, string, string]> => [
      [app, 'GET', '/api/events/history?limit=-1&source=nowhere'],
      [app, 'POST', '/api/events/publish'],
      [app, 'GET', '/api/events/dead-letters?limit=abc'],
      [app, 'POST', '/api/events/dead-letters/replay'],
      [app, 'POST', `/api/events/dead-letters/${randomUUID()}/replay`],
      [app, 'DELETE', '/api/events/dead-letters/1-0'],
    ]),
  ];
}

/** Bodies no client should send: wrong JSON types, garbage, deep and big. */
const BODIES: Array<string | undefined> = [
  undefined,
  '',
  '{',
  'not json at all',
  'null',
  '[]',
  '"a string"',
  '12345678901234567890',
  '{}',
  JSON.stringify({ email: 42, password: [], name: {}, role: 'admin' }),
  JSON.stringify({ token: { $ne: null } }),
  JSON.stringify({ customerId: 'x', startsAt: 'yesterday', endsAt: 3 }),
  JSON.stringify({ hourlyRate: -1e308, organizationId: '🙂'.repeat(300) }),
  JSON.stringify({ __proto__: { admin: true }, constructor: { x: 1 } }),
  JSON.stringify({ type: 'user.deleted', payload: { userId: 1 } }),
  '['.repeat(5_000) + ']'.repeat(5_000),
  JSON.stringify({ notes: 'x'.repeat(300_000) }),
];

describe('a hostile run: malformed, oversized, forged and replayed input everywhere', () => {
  let redis: RedisServer;
  let raw: Redis;
  const apps = new Map<AppName, AppProcess>();
  let adminToken: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    raw = new Redis(redis.url);
    const env = {
      EVENT_BUS_REDIS_URL: redis.url,
      JWT_SECRET: `hostile-${randomUUID()}`,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
    };
    const started = await Promise.all(
      APPS.map((name) => startApp(name, { env })),
    );
    started.forEach((app) => apps.set(app.name, app));
    await Promise.all(started.map((app) => waitUntilHealthy(app, 120_000)));
    adminToken = await logInWhenReady(
      api(apps.get('user-service')!.url),
      ADMIN,
    );
  });

  afterAll(async () => {
    raw?.disconnect();
    await Promise.all([...apps.values()].map((app) => app.stop()));
    await redis?.kill();
  });

  it('survives thousands of bad bus messages and requests: no 5xx, no crash, every service healthy', async () => {
    // A genuine event to replay and to forge from.
    const users = api(apps.get('user-service')!.url);
    const email = `genuine-${randomUUID()}@example.com`;
    const registered = await users.post('/users', {
      email,
      password: 'correct horse battery',
      name: 'Gene',
      role: 'customer',
    });
    expect(registered.status).toBe(201);
    const genuine = await waitFor(
      async () => {
        const entries = await raw.xrange(
          streamKey('eventbus:', 'user.registered'),
          '-',
          '+',
        );
        const found = entries.find(([, fields]) =>
          fields[1]?.includes(registered.body.id as string),
        );
        return found && (JSON.parse(found[1][1]) as Record<string, unknown>);
      },
      { message: 'the genuine user.registered on its stream' },
    );

    const busCounts: Record<string, number> = {};
    const send = async (kind: string, type: string, message: string) => {
      busCounts[kind] = (busCounts[kind] ?? 0) + 2;
      await raw
        .multi()
        .xadd(streamKey('eventbus:', type), '*', 'envelope', message)
        .publish(type, JSON.stringify({ pattern: type, data: message }))
        .exec();
    };
    for (let round = 0; round < BUS_ROUNDS; round++) {
      for (const type of EVENT_TYPES) {
        const base = { ...genuine, type, id: randomUUID() };
        await send('not JSON', type, '{"specversion":');
        await send('an array', type, '[1,2,3]');
        await send('wrong types', type, JSON.stringify({ ...base, time: 7 }));
        await send(
          'missing attributes',
          type,
          JSON.stringify({ specversion: '1.0', type }),
        );
        await send(
          'oversized',
          type,
          JSON.stringify({ ...base, data: { blob: 'x'.repeat(100_000) } }),
        );
        await send(
          'unsigned',
          type,
          JSON.stringify({
            ...base,
            signature: undefined,
            signaturekeyid: undefined,
          }),
        );
        await send(
          'forged (genuine attributes, other data)',
          type,
          JSON.stringify({
            ...genuine,
            type,
            data: { userId: randomUUID(), email: 'victim@example.com' },
          }),
        );
        await send(
          'replayed genuine',
          'user.registered',
          JSON.stringify(genuine),
        );
      }
    }

    const statuses: Record<string, number> = {};
    const serverErrors: string[] = [];
    let requests = 0;
    for (const [name, method, path] of routes()) {
      const url = new URL(path, apps.get(name)!.url);
      for (const token of [undefined, adminToken, 'not.a.token']) {
        for (const body of method === 'GET' || method === 'DELETE'
          ? [undefined]
          : BODIES) {
          const response = await fetch(url, {
            method,
            headers: {
              'content-type': 'application/json',
              ...(token && { authorization: `Bearer ${token}` }),
            },
            body,
          });
          await response.arrayBuffer();
          requests += 1;
          const status = String(response.status);
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (response.status >= 500) {
            serverErrors.push(
              `${status} ${method} ${name}${path} token=${token ? 'yes' : 'no'} body=${(body ?? '').slice(0, 40)}`,
            );
          }
        }
      }
    }

    // Every consumer has gone through what it was sent meanwhile.
    for (const app of apps.values()) await waitUntilHealthy(app, 120_000);
    const deadLetters = await raw.xlen('eventbus:dead-letters');
    const busMessages = Object.values(busCounts).reduce((a, b) => a + b, 0);
    console.log(
      `Hostile run: ${busMessages} bus messages ${JSON.stringify(busCounts)}, ` +
        `${deadLetters} dead letters; ${requests} requests by status ${JSON.stringify(statuses)}`,
    );

    expect(busMessages).toBeGreaterThan(2_000);
    expect(requests).toBeGreaterThan(1_000);
    expect(serverErrors).toEqual([]);
    for (const app of apps.values()) {
      expect(app.logs()).not.toMatch(/UnhandledPromiseRejection|FATAL/);
    }
    // Nothing forged was acted on: the victim was never registered anywhere.
    const directory = await api(apps.get('notification-service')!.url).get<{
      items: unknown[];
    }>('/notifications?to=victim%40example.com', {
      token: adminToken,
    });
    expect(directory.status).toBe(200);
    expect(directory.body.items).toEqual([]);
  });
});
