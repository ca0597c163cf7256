import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  api,
  startApp,
  startRedisServer,
  waitFor,
  type Api,
  type AppProcess,
  type RedisServer,
  logInWhenReady,
  waitUntilHealthy,
} from '../support/index.js';

interface Notification {
  id: string;
  to: string;
  template: string;
  subject: string;
  body: string;
  status: string;
  eventId: string;
  createdAt: string;
}

interface HistoryEvent {
  id: string;
  type: string;
  source: string;
  correlationid: string;
  causationid?: string;
  data: Record<string, unknown>;
}

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };

/**
 * user-service and notification-service as real processes (built output) on
 * a private Redis: registration, verification and the e-mails they cause,
 * linked by one correlation id; and /health through a Redis outage.
 */
describe('registration flow across user-service and notification-service', () => {
  let redis: RedisServer;
  let userService: AppProcess;
  let notificationService: AppProcess;
  let users: Api;
  let notifications: Api;
  let adminToken: string;
  let emailQueue: Queue;

  const inbox = async (to: string): Promise<Notification[]> => {
    const response = await notifications.get<{ items: Notification[] }>(
      `/notifications?to=${encodeURIComponent(to)}`,
      { token: adminToken },
    );
    expect(response.status).toBe(200);
    return response.body.items;
  };

  const eventsOf = async (correlationId: string): Promise<HistoryEvent[]> => {
    const response = await users.get<{ items: HistoryEvent[] }>(
      `/api/events/history?correlationId=${encodeURIComponent(correlationId)}`,
      { token: adminToken },
    );
    expect(response.status).toBe(200);
    return response.body.items;
  };

  beforeAll(async () => {
    redis = await startRedisServer({ appendOnly: true });
    const env = {
      EVENT_BUS_REDIS_URL: redis.url,
      JWT_SECRET: `e2e-${randomUUID()}`,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
    };
    [userService, notificationService] = await Promise.all([
      startApp('user-service', { env }),
      startApp('notification-service', { env }),
    ]);
    users = api(userService.url);
    notifications = api(notificationService.url);
    for (const app of [userService, notificationService]) {
      await waitUntilHealthy(app);
    }
    adminToken = await logInWhenReady(users, ADMIN);
    const { hostname, port } = new URL(redis.url);
    emailQueue = new Queue('email-notifications', {
      connection: { host: hostname, port: Number(port) },
    });
    // The outage test stops Redis on purpose; its errors are expected here.
    emailQueue.on('error', () => undefined);
  });

  afterAll(async () => {
    await emailQueue?.close();
    await Promise.all([userService?.stop(), notificationService?.stop()]);
    await redis?.kill();
  });

  it('register -> user.registered -> verification e-mail -> verify -> user.verified -> welcome, one correlation id', async () => {
    const correlationId = `e2e-${randomUUID()}`;
    const email = `ada-${randomUUID()}@example.com`;
    const headers = { 'x-correlation-id': correlationId };

    const registration = await users.post(
      '/users',
      { email, password: 'a-good-password', name: 'Ada', role: 'customer' },
      { headers },
    );
    expect(registration.status).toBe(201);
    expect(registration.headers.get('x-correlation-id')).toBe(correlationId);
    expect(registration.body).not.toHaveProperty('passwordHash');

    const verification = await waitFor(
      async () =>
        (await inbox(email)).find((mail) => mail.template === 'verify-email'),
      { timeoutMs: 30_000, message: 'verification e-mail recorded' },
    );
    const token = /"token":\s*"([^"]+)"/.exec(verification.body)?.[1];
    expect(token).toBeDefined();
    expect(verification.status).toBe('recorded');

    const verified = await users.post('/users/verify', { token }, { headers });
    expect(verified.status).toBe(200);

    const welcome = await waitFor(
      async () =>
        (await inbox(email)).find((mail) => mail.template === 'welcome'),
      { timeoutMs: 30_000, message: 'welcome e-mail recorded' },
    );

    const events = await eventsOf(correlationId);
    const registered = events.find((event) => event.type === 'user.registered');
    const verifiedEvent = events.find(
      (event) => event.type === 'user.verified',
    );
    expect(registered).toMatchObject({
      source: 'user-service',
      correlationid: correlationId,
      data: { email, role: 'customer' },
    });
    expect(verifiedEvent).toMatchObject({
      source: 'user-service',
      correlationid: correlationId,
    });
    expect(verification.eventId).toBe(registered!.id);
    expect(welcome.eventId).toBe(verifiedEvent!.id);

    for (const mail of [verification, welcome]) {
      const job = await emailQueue.getJob(
        `email-${mail.eventId}-${mail.template}`,
      );
      expect(job?.data).toMatchObject({
        to: email,
        template: mail.template,
        eventId: mail.eventId,
        correlationId,
      });
    }

    // The token is single-use.
    expect(
      (await users.post('/users/verify', { token })).status,
    ).toBeGreaterThanOrEqual(400);
    expect(await inbox(email)).toHaveLength(2);
  });

  it('dead-letters garbage put on a bus stream and stays healthy', async () => {
    const raw = new Redis(redis.url);
    await raw.xadd(
      'eventbus:stream:user.registered',
      '*',
      'envelope',
      'garbage{',
    );
    await raw.xadd(
      'eventbus:stream:user.verified',
      '*',
      'envelope',
      JSON.stringify({ specversion: '1.0', hello: 1 }),
    );

    const letters = await waitFor(
      async () => {
        const entries = await raw.xrange('eventbus:dead-letters', '-', '+');
        const mine = entries.filter(([, fields]) =>
          fields.includes('notification-service'),
        );
        return mine.length >= 2 && mine;
      },
      { message: 'both garbage entries dead-lettered' },
    );
    await raw.quit();
    expect(
      letters.map(([, fields]) => fields[fields.indexOf('handler') + 1]).sort(),
    ).toEqual(['user.registered', 'user.verified']);
    expect(notificationService.logs()).toContain('moved to the dead letters');
    expect((await notifications.get('/health')).status).toBe(200);
    const busHealth = await notifications.get('/api/events/health');
    expect(busHealth.body.stats.totals.rejected).toBeGreaterThanOrEqual(2);
    expect(busHealth.body.durable).toMatchObject({
      group: 'notification-service',
      deadLetters: 2,
      backlog: {
        'user.registered': { pending: 0 },
        'user.verified': { pending: 0 },
      },
    });

    const email = `after-garbage-${randomUUID()}@example.com`;
    await users.post('/users', {
      email,
      password: 'a-good-password',
      name: 'Bo',
      role: 'worker',
    });
    await waitFor(async () => (await inbox(email)).length === 1, {
      timeoutMs: 30_000,
      message: 'e-mails still flow after the garbage',
    });
  });

  it('answers 503 on /health while Redis is down and 200 again after, without a restart', async () => {
    const pids = [userService.pid, notificationService.pid];
    await redis.stop();

    for (const service of [users, notifications]) {
      const down = await waitFor(
        async () => {
          const response = await service.get('/health');
          return response.status === 503 && response;
        },
        { message: '/health 503 while Redis is down' },
      );
      expect(down.body.status).toBe('error');
      expect(down.body.details.eventBus.status).toBe('down');
      expect(down.body.details.eventBus.redis.connected).toBe(false);
    }
    // HTTP keeps answering during the outage.
    expect(
      (await users.get(`/users/${randomUUID()}`, { token: adminToken })).status,
    ).toBe(404);

    await redis.start();

    for (const service of [users, notifications]) {
      await waitFor(async () => (await service.get('/health')).status === 200, {
        timeoutMs: 30_000,
        message: '/health 200 after Redis returned',
      });
    }
    expect([userService.pid, notificationService.pid]).toEqual(pids);
    const email = `after-outage-${randomUUID()}@example.com`;
    await users.post('/users', {
      email,
      password: 'a-good-password',
      name: 'Cy',
      role: 'customer',
    });
    await waitFor(async () => (await inbox(email)).length === 1, {
      timeoutMs: 30_000,
      message: 'e-mails flow again after the outage',
    });
  });
});
