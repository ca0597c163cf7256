import { randomUUID } from 'node:crypto';
import {
  api,
  clientAt,
  logInWhenReady,
  startApp,
  startRedisServer,
  waitUntilHealthy,
  type AppProcess,
  type RedisServer,
} from '../../../test/support/index.js';

const ADMIN_EMAIL = 'owner@example.com';
const ADMIN_PASSWORD = 'owner-password-1';
const PUBLIC_LIMIT = 10;
const ALLOWED_ORIGIN = 'https://app.example.com';

/**
 * Two built user-service instances on one event-bus Redis and one cache
 * Redis, called from several loopback addresses (127.0.0.x) as several
 * clients: the per-client limits, shared by instances, and the headers of
 * every response.
 */
describe('user-service entry points (e2e, two instances)', () => {
  let busRedis: RedisServer;
  let cacheRedis: RedisServer;
  let first: AppProcess;
  let second: AppProcess;
  let nextAddress = 2;
  /** A client of its own: a loopback address no other test uses. */
  const newClientAt = (app: AppProcess) =>
    clientAt(app.url, `127.0.0.${nextAddress++}`);

  beforeAll(async () => {
    [busRedis, cacheRedis] = await Promise.all([
      startRedisServer(),
      startRedisServer(),
    ]);
    const env = {
      EVENT_BUS_REDIS_URL: busRedis.url,
      CACHE_REDIS_URL: cacheRedis.url,
      JWT_SECRET: `e2e-${randomUUID()}`,
      ADMIN_EMAIL,
      ADMIN_PASSWORD,
      RATE_LIMIT_PUBLIC_PER_MINUTE: String(PUBLIC_LIMIT),
      CORS_ORIGINS: ALLOWED_ORIGIN,
    };
    [first, second] = await Promise.all([
      startApp('user-service', { env, timeoutMs: 240_000 }),
      startApp('user-service', { env, timeoutMs: 240_000 }),
    ]);
    await Promise.all([waitUntilHealthy(first), waitUntilHealthy(second)]);
    await logInWhenReady(api(first.url), {
      email: ADMIN_EMAIL,
      password: ADMIN_PASSWORD,
    });
  }, 400_000);

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await Promise.all([busRedis?.kill(), cacheRedis?.kill()]);
  });

  it("does not let a stranger's failures lock the owner out", async () => {
    const stranger = newClientAt(first);
    const owner = newClientAt(second);
    const guess = { email: ADMIN_EMAIL, password: 'not the password' };

    const strangerStatuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      strangerStatuses.push((await stranger.post('/auth/login', guess)).status);
    }
    const strangerSixth = await stranger.post('/auth/login', {
      email: ADMIN_EMAIL,
      password: ADMIN_PASSWORD,
    });
    const ownerLogin = await owner.post('/auth/login', {
      email: ADMIN_EMAIL,
      password: ADMIN_PASSWORD,
    });

    expect(strangerStatuses).toEqual([401, 401, 401, 401, 401]);
    expect(strangerSixth.status).toBe(429);
    expect(ownerLogin.status).toBe(200);
    expect(ownerLogin.body.accessToken).toEqual(expect.any(String));
  });

  it('answers 429 to the 6th failure of one client across two instances', async () => {
    const address = `127.0.0.${nextAddress++}`;
    const viaFirst = clientAt(first.url, address);
    const viaSecond = clientAt(second.url, address);
    const guess = { email: `${randomUUID()}@example.com`, password: 'guess' };

    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const via = i % 2 === 0 ? viaFirst : viaSecond;
      statuses.push((await via.post('/auth/login', guess)).status);
    }

    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('does not let X-Forwarded-For escape the limit when no proxy is trusted', async () => {
    const client = newClientAt(first);
    const guess = { email: `${randomUUID()}@example.com`, password: 'guess' };

    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const forwardedFor = `203.0.113.${i + 1}`;
      statuses.push(
        (
          await client.post('/auth/login', guess, {
            'x-forwarded-for': forwardedFor,
          })
        ).status,
      );
    }

    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('answers 429 past the public per-client limit, shared by instances', async () => {
    const address = `127.0.0.${nextAddress++}`;
    const instances = [
      clientAt(first.url, address),
      clientAt(second.url, address),
    ];

    const statuses: number[] = [];
    for (let i = 0; i <= PUBLIC_LIMIT; i++) {
      const response = await instances[i % 2].post('/users/verify', {
        token: 'not-a-token',
      });
      statuses.push(response.status);
    }
    const limited = await instances[0].post('/users/verify', {
      token: 'not-a-token',
    });
    const otherClient = await newClientAt(first).post('/users/verify', {
      token: 'not-a-token',
    });

    expect(statuses.slice(0, PUBLIC_LIMIT)).toEqual(
      Array(PUBLIC_LIMIT).fill(400),
    );
    expect(statuses[PUBLIC_LIMIT]).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(otherClient.status).toBe(400);
  });

  it('sends helmet headers and no X-Powered-By', async () => {
    const { headers } = await api(first.url).get('/health');

    expect(headers.get('x-powered-by')).toBeNull();
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('content-security-policy')).toContain(
      "default-src 'self'",
    );
    expect(headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  it('allows CORS for the configured origins only', async () => {
    const preflight = (origin: string) =>
      api(first.url).request('OPTIONS', '/auth/login', undefined, {
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });

    const allowed = await preflight(ALLOWED_ORIGIN);
    const refused = await preflight('https://evil.example.com');

    expect(allowed.headers.get('access-control-allow-origin')).toBe(
      ALLOWED_ORIGIN,
    );
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a body over the limit with 413, not 500', async () => {
    const client = newClientAt(first);

    const { status } = await client.post('/users', {
      email: `${randomUUID()}@example.com`,
      password: 'correct horse battery',
      name: 'x'.repeat(200 * 1024),
    });

    expect(status).toBe(413);
  });
});
