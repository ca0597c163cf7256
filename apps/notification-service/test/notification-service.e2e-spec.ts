import { randomUUID } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { EmailNotificationJob, EventPayload } from '@app/contracts';
import { EventBusStats, type EventEnvelope } from '@app/event-bus';
import {
  publishAs,
  startRedisServer,
  startServiceInProcess,
  waitFor,
  type InProcessService,
  type RedisServer,
} from '../../../test/support/index.js';
import { useLiveEventsAdapter } from '../src/live/live.module.js';

const QUEUE = 'email-notifications';
interface NotificationItem {
  id: string;
  to: string;
  template: string;
  subject: string;
  body: string;
  status: string;
  eventId: string;
  createdAt: string;
}

const registered = (
  overrides: Partial<EventPayload<'user.registered'>> = {},
): EventPayload<'user.registered'> => ({
  userId: randomUUID(),
  email: `ada-${randomUUID()}@example.com`,
  name: 'Ada',
  role: 'customer',
  verificationToken: `token-${randomUUID()}`,
  timestamp: new Date().toISOString(),
  ...overrides,
});

describe('notification-service (e2e)', () => {
  let redis: RedisServer;
  let probe: Redis;
  let app: INestApplication;
  let queue: Queue<EmailNotificationJob>;
  let adminToken: string;
  let service: InProcessService;

  const tokenFor = (role: 'admin' | 'customer' | 'worker', email: string) =>
    app.get(JwtService).sign({ sub: randomUUID(), role, email });

  const list = (to: string, token = adminToken) =>
    request(app.getHttpServer())
      .get('/notifications')
      .query({ to })
      .set('authorization', `Bearer ${token}`);

  const itemsFor = async (to: string): Promise<NotificationItem[]> => {
    const response = await list(to).expect(200);
    return (response.body as { items: NotificationItem[] }).items;
  };

  /** Sends an envelope as any Nest Redis client would, e.g. a redelivery. */
  /** Appends the same envelope to its stream again: a redelivery. */
  const sendRaw = (event: EventEnvelope) =>
    probe.xadd(
      `eventbus:stream:${event.type}`,
      '*',
      'envelope',
      JSON.stringify(event),
    );

  const duplicates = (type: string) =>
    app.get(EventBusStats).snapshot().byType[type]?.duplicate ?? 0;

  beforeAll(async () => {
    redis = await startRedisServer();
    probe = new Redis(redis.url);
    service = await startServiceInProcess({
      env: {
        EVENT_BUS_REDIS_URL: redis.url,
        JWT_SECRET: 'notification-e2e-secret',
      },
      loadModule: async () =>
        (await import('../src/notification-service.module.js'))
          .NotificationServiceModule,
      beforeStart: useLiveEventsAdapter,
      consumes: {
        group: 'notification-service',
        types: ['user.registered', 'user.verified'],
      },
    });
    app = service.app;
    queue = app.get<Queue<EmailNotificationJob>>(getQueueToken(QUEUE));
    adminToken = tokenFor('admin', 'admin@example.com');
  });

  afterAll(async () => {
    await service?.close();
    await probe?.quit();
    await redis?.kill();
  });

  it('is healthy: bus, cache, database and queue', async () => {
    const response = await request(app.getHttpServer())
      .get('/health')
      .expect(200);

    expect(Object.keys(response.body.info)).toEqual(
      expect.arrayContaining([
        'eventBus',
        'cacheRedis',
        'database',
        'queue:email-notifications',
      ]),
    );
  });

  it('records the verification e-mail of user.registered, once per event', async () => {
    const user = registered();
    const { event } = await publishAs(redis.url, 'user.registered', user, {
      redisOnly: true,
      correlationId: 'corr-notification-e2e',
    });
    const jobId = `email-${event.id}-verify-email`;

    const mail = await waitFor(
      async () =>
        (await itemsFor(user.email)).find((n) => n.template === 'verify-email'),
      { timeoutMs: 30_000, message: 'verify-email recorded' },
    );
    expect(mail).toMatchObject({
      to: user.email,
      template: 'verify-email',
      subject: 'Verify your e-mail address',
      status: 'recorded',
      eventId: event.id,
    });
    expect(mail.body).toContain(user.verificationToken);
    expect(mail.body).toContain('POST /users/verify');
    expect(mail.body).toContain(`{"token": "${user.verificationToken}"}`);
    expect(new Date(mail.createdAt).toISOString()).toBe(mail.createdAt);

    // The job carried the event's correlation id.
    const job = await queue.getJob(jobId);
    expect(job?.data).toMatchObject({
      to: user.email,
      template: 'verify-email',
      eventId: event.id,
      correlationId: 'corr-notification-e2e',
    });
    // The job data rests in Redis: the token is in it encrypted only.
    expect(JSON.stringify(job?.data)).not.toContain(user.verificationToken);
    await waitFor(async () => (await job!.getState()) === 'completed');

    // The same event delivered twice more: the group's inbox drops both.
    const before = duplicates('user.registered');
    await sendRaw(event);
    await sendRaw(event);
    await waitFor(() => duplicates('user.registered') >= before + 2, {
      message: 'both redeliveries dropped as duplicates',
    });
    expect(await queue.getJobCountByTypes('waiting', 'active', 'delayed')).toBe(
      0,
    );
    expect(await itemsFor(user.email)).toHaveLength(1);

    // The same job run again (e.g. retried by hand after it completed): the
    // stored e-mail (unique event and template) stops it adding a row.
    const data = (await queue.getJob(jobId))!.data;
    await (await queue.getJob(jobId))!.remove();
    await queue.add('verify-email', data, { jobId });
    const rerun = await waitFor(
      async () => {
        const again = await queue.getJob(jobId);
        const done = again && (await again.getState()) === 'completed';
        return done ? again : undefined;
      },
      { message: 'the job run again completed' },
    );
    expect(rerun.returnvalue).toMatchObject({ duplicate: true });
    expect(await itemsFor(user.email)).toHaveLength(1);
  });

  it('records the welcome e-mail of user.verified', async () => {
    const email = `grace-${randomUUID()}@example.com`;
    await publishAs(
      redis.url,
      'user.verified',
      {
        userId: randomUUID(),
        email,
        name: 'Grace',
        timestamp: new Date().toISOString(),
      },
      { redisOnly: true },
    );

    const mail = await waitFor(
      async () => (await itemsFor(email)).find((n) => n.template === 'welcome'),
      { timeoutMs: 30_000, message: 'welcome recorded' },
    );
    expect(mail).toMatchObject({
      subject: 'Welcome, Grace',
      status: 'recorded',
    });
  });

  it('serves Prometheus metrics without a token, with the bus counters and latency', async () => {
    const email = `metrics-${randomUUID()}@example.com`;
    await publishAs(redis.url, 'user.verified', {
      userId: randomUUID(),
      email,
      name: 'Mae',
      timestamp: new Date().toISOString(),
    });
    await waitFor(async () => (await itemsFor(email)).length === 1, {
      message: 'the welcome e-mail of the event',
    });

    const response = await request(app.getHttpServer())
      .get('/metrics')
      .expect(200);

    expect(response.headers['content-type']).toContain('text/plain');
    const delivered = response.text.match(
      /^eventbus_events_delivered_total\{type="user.verified"\} (\d+)$/m,
    );
    expect(Number(delivered?.[1])).toBeGreaterThanOrEqual(1);
    expect(response.text).toMatch(
      /^eventbus_publish_to_handler_seconds_count\{type="user.verified"\} [1-9]/m,
    );
    // notification-service publishes no type (EVENT_PERMISSIONS): the
    // counter is there, without samples.
    expect(response.text).toMatch(
      /^# TYPE eventbus_events_published_total counter$/m,
    );
    expect(response.text).toContain('process_cpu_seconds_total');
  });

  it('fails a job with invalid data at once, with a clear reason and no row', async () => {
    const { hostname, port } = new URL(redis.url);
    const producer = new Queue(QUEUE, {
      connection: { host: hostname, port: Number(port) },
    });
    try {
      const to = `broken-${randomUUID()}@example.com`;
      const badTemplate = await producer.add(
        'broken',
        { to, template: 'newsletter', variables: {}, eventId: randomUUID() },
        { attempts: 5 },
      );
      const missingToken = await producer.add(
        'broken',
        {
          to,
          template: 'verify-email',
          variables: { name: 'X' },
          eventId: randomUUID(),
        },
        { attempts: 5 },
      );

      for (const [job, reason] of [
        [
          badTemplate,
          /Invalid email-notifications job data: template must be one of/,
        ],
        [missingToken, /"verify-email" needs the variables: token/],
      ] as const) {
        await waitFor(async () => (await job.getState()) === 'failed', {
          message: `job ${job.id} failed`,
        });
        const failed = (await producer.getJob(job.id!))!;
        expect(failed.failedReason).toMatch(reason);
        expect(failed.attemptsMade).toBe(1); // not retried
      }
      expect(await itemsFor(to)).toEqual([]);
    } finally {
      await producer.close();
    }
  });

  it('e-mails booking status changes to the customer known from user events', async () => {
    const customer = registered({ name: 'Grace' });
    await publishAs(redis.url, 'user.registered', customer, {
      redisOnly: true,
    });
    await waitFor(async () => (await itemsFor(customer.email)).length === 1, {
      timeoutMs: 30_000,
      message: 'the customer is known',
    });
    const booking = {
      bookingId: randomUUID(),
      customerId: customer.userId,
      workerId: randomUUID(),
      startsAt: '2026-03-01T09:00:00.000Z',
      endsAt: '2026-03-01T12:00:00.000Z',
      timestamp: new Date().toISOString(),
    };

    await publishAs(
      redis.url,
      'booking.confirmed',
      { ...booking, status: 'confirmed', previousStatus: 'assigned' },
      { redisOnly: true },
    );
    await publishAs(
      redis.url,
      'booking.cancelled',
      {
        ...booking,
        status: 'cancelled',
        previousStatus: 'confirmed',
        reason: 'customer deleted',
      },
      { redisOnly: true },
    );

    const mails = await waitFor(
      async () => {
        const items = (await itemsFor(customer.email)).filter(
          (n) => n.template === 'booking-status',
        );
        return items.length === 2 && items;
      },
      { timeoutMs: 30_000, message: 'two booking-status e-mails' },
    );
    const subjects = mails.map((mail) => mail.subject).sort();
    expect(subjects).toEqual([
      'Your booking has been cancelled',
      'Your booking is confirmed',
    ]);
    expect(mails.find((m) => m.subject.includes('cancelled'))?.body).toContain(
      'Reason: customer deleted',
    );
  });

  it('e-mails a generated invoice to the client, amount in minor units', async () => {
    const clientEmail = `client-${randomUUID()}@example.com`;
    await publishAs(
      redis.url,
      'invoice.generated',
      {
        invoiceId: randomUUID(),
        shiftId: randomUUID(),
        clientEmail,
        organizationId: 'default',
        amount: 6250,
        currency: 'USD',
      },
      { redisOnly: true },
    );

    const mail = await waitFor(
      async () =>
        (await itemsFor(clientEmail)).find((n) => n.template === 'invoice'),
      { timeoutMs: 30_000, message: 'the invoice e-mail' },
    );
    expect(mail.body).toContain('Amount due: 62.50 USD');
  });

  it('dead-letters garbage on a bus stream and keeps serving', async () => {
    const before = app.get(EventBusStats).snapshot().totals.rejected;
    const stream = 'eventbus:stream:user.registered';
    await probe.xadd(stream, '*', 'envelope', 'not json at all');
    await probe.xadd(stream, '*', 'envelope', JSON.stringify({ id: 'x' }));

    await waitFor(
      () => app.get(EventBusStats).snapshot().totals.rejected >= before + 2,
      { message: 'two rejected entries' },
    );
    const letters = await probe.xrange('eventbus:dead-letters', '-', '+');
    expect(
      letters.filter(([, fields]) => fields.includes('notification-service')),
    ).toHaveLength(2);
    await request(app.getHttpServer()).get('/health').expect(200);
  });

  describe('GET /notifications access', () => {
    it('needs a token: 401', async () => {
      await request(app.getHttpServer())
        .get('/notifications')
        .query({ to: 'ada@example.com' })
        .expect(401);
    });

    it('needs an e-mail in `to`: 400 naming the field', async () => {
      const missing = await request(app.getHttpServer())
        .get('/notifications')
        .set('authorization', `Bearer ${adminToken}`)
        .expect(400);
      expect(JSON.stringify(missing.body.message)).toContain(
        'to must be an email',
      );

      await list('not-an-e-mail').expect(400);
    });

    it('lets a customer read their own (any case) but not another: 403', async () => {
      const token = tokenFor('customer', 'Ada@Example.com');

      await list('ada@example.com', token).expect(200);
      const other = await list('bob@example.com', token).expect(403);
      expect(other.body.message).toMatch(/your own e-mail address/);
    });

    it('refuses a worker reading another: 403', async () => {
      await list('bob@example.com', tokenFor('worker', 'w@example.com')).expect(
        403,
      );
    });
  });
});
