import { randomUUID } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { InvoiceGenerated, ShiftChanged } from '@app/contracts';
import {
  EventBus,
  EventBusStats,
  OutboxStore,
  streamKey,
  type EventEnvelope,
} from '@app/event-bus';
import {
  publishAs,
  startRedisServer,
  startServiceInProcess,
  waitFor,
  type InProcessService,
  type RedisServer,
} from '../../../test/support/index.js';

const QUEUE = 'invoice-generation';
interface Shift {
  id: string;
  workerId: string;
  clientEmail: string;
  organizationId: string;
  startsAt: string;
  endsAt: string;
  hourlyRate: number;
  bookingId: string | null;
  status: string;
  completedAt: string | null;
}

interface Invoice {
  id: string;
  shiftId: string;
  clientEmail: string;
  organizationId: string;
  minutes: number;
  hourlyRate: number;
  amount: number;
  currency: string;
  createdAt: string;
}

const HOUR_MS = 3_600_000;

describe('scheduler-service (e2e)', () => {
  let redis: RedisServer;
  let probe: Redis;
  let app: INestApplication;
  let bus: EventBus;
  let queue: Queue;
  let adminToken: string;
  let service: InProcessService;
  const invoiceEvents: EventEnvelope<InvoiceGenerated>[] = [];
  /** shift.created/updated and organization.updated, as subscribers get them. */
  const otherEvents: EventEnvelope<{
    shiftId?: string;
    organizationId?: string;
    hourlyRate?: number;
  }>[] = [];

  const tokenFor = (
    role: 'admin' | 'customer' | 'worker',
    sub: string = randomUUID(),
  ) => app.get(JwtService).sign({ sub, role, email: `${sub}@example.com` });

  const http = () => request(app.getHttpServer());
  const auth = (token = adminToken) => ({ authorization: `Bearer ${token}` });

  const delivered = (type: string) =>
    app.get(EventBusStats).snapshot().byType[type]?.delivered ?? 0;

  /** A shift of `ms` milliseconds, ending an hour ago, by an admin. */
  async function createShift(
    overrides: Record<string, unknown> = {},
    ms = 2.5 * HOUR_MS,
  ): Promise<Shift> {
    const endsAt = new Date(Date.now() - HOUR_MS);
    const response = await http()
      .post('/shifts')
      .set(auth())
      .send({
        workerId: randomUUID(),
        clientEmail: 'Client@Example.com',
        organizationId: 'default',
        startsAt: new Date(endsAt.getTime() - ms).toISOString(),
        endsAt: endsAt.toISOString(),
        hourlyRate: 2500,
        ...overrides,
      })
      .expect(201);
    return response.body as Shift;
  }

  async function invoicesOf(shiftId: string): Promise<Invoice[]> {
    const response = await http()
      .get('/invoices')
      .query({ shiftId })
      .set(auth())
      .expect(200);
    return (response.body as { items: Invoice[] }).items;
  }

  const invoiceOf = (shiftId: string) =>
    waitFor(async () => (await invoicesOf(shiftId))[0], {
      timeoutMs: 30_000,
      message: `invoice of shift ${shiftId}`,
    });

  async function completeAndInvoice(shift: Shift): Promise<Invoice> {
    await http().post(`/shifts/${shift.id}/complete`).set(auth()).expect(200);
    return invoiceOf(shift.id);
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    probe = new Redis(redis.url);
    service = await startServiceInProcess({
      env: {
        EVENT_BUS_REDIS_URL: redis.url,
        JWT_SECRET: 'scheduler-e2e-secret',
      },
      loadModule: async () =>
        (await import('../src/scheduler-service.module.js'))
          .SchedulerServiceModule,
      consumes: {
        group: 'scheduler-service',
        types: [
          'booking.confirmed',
          'user.registered',
          'organization.updated',
          'shift.completed',
        ],
      },
    });
    app = service.app;
    bus = app.get(EventBus);
    queue = app.get<Queue>(getQueueToken(QUEUE));
    adminToken = tokenFor('admin');
    bus.subscribe('invoice.generated', (event) => {
      invoiceEvents.push(event);
    });
    // Not shift.completed: the test of completion counts its deliveries.
    for (const type of [
      'shift.created',
      'shift.updated',
      'organization.updated',
    ] as const) {
      bus.subscribe(type, (event) => {
        otherEvents.push(event);
      });
    }
  });

  afterAll(async () => {
    await service?.close();
    await probe?.quit();
    await redis?.kill();
  });

  it('is healthy: bus, cache, database and queue', async () => {
    const response = await http().get('/health').expect(200);

    expect(Object.keys(response.body.info)).toEqual(
      expect.arrayContaining([
        'eventBus',
        'cacheRedis',
        'database',
        'queue:invoice-generation',
      ]),
    );
  });

  it('creates the default organization at start-up', async () => {
    const response = await http()
      .get('/organizations/default')
      .set(auth())
      .expect(200);

    expect(response.body).toMatchObject({
      id: 'default',
      currency: 'USD',
      hourlyRate: 2500,
    });
  });

  it('completes a shift into one timesheet entry, one invoice and one invoice.generated', async () => {
    const workerId = randomUUID();
    const workerToken = tokenFor('worker', workerId);
    const shift = await createShift({ workerId });
    expect(shift).toMatchObject({
      workerId,
      clientEmail: 'client@example.com',
      status: 'scheduled',
      bookingId: null,
      completedAt: null,
    });

    const completed = await http()
      .post(`/shifts/${shift.id}/complete`)
      .set(auth(workerToken))
      .set('x-correlation-id', 'corr-scheduler-e2e')
      .expect(200);
    expect(completed.body).toMatchObject({ status: 'completed' });
    expect(completed.body.completedAt).toEqual(expect.any(String));

    const invoice = await invoiceOf(shift.id);
    expect(invoice).toMatchObject({
      shiftId: shift.id,
      clientEmail: 'client@example.com',
      organizationId: 'default',
      minutes: 150,
      hourlyRate: 2500,
      amount: 6250,
      currency: 'USD',
    });

    const event = await waitFor(
      () => invoiceEvents.find((e) => e.data.shiftId === shift.id),
      { message: 'invoice.generated' },
    );
    expect(event.data).toEqual({
      invoiceId: invoice.id,
      shiftId: shift.id,
      clientEmail: 'client@example.com',
      organizationId: 'default',
      amount: 6250,
      currency: 'USD',
    });
    expect(event.correlationid).toBe('corr-scheduler-e2e');
    // Caused by the shift.completed that queued the invoice job.
    const [completion] = (
      await probe.xrange(streamKey('eventbus:', 'shift.completed'), '-', '+')
    )
      .map(
        ([, fields]) =>
          JSON.parse(fields[fields.indexOf('envelope') + 1]) as EventEnvelope<{
            shiftId: string;
          }>,
      )
      .filter((completed) => completed.data.shiftId === shift.id);
    expect(event.causationid).toBe(completion.id);

    const job = (await queue.getJob(`invoice-${shift.id}`))!;
    expect(job.data).toMatchObject({
      shiftId: shift.id,
      clientEmail: 'client@example.com',
      organizationId: 'default',
      correlationId: 'corr-scheduler-e2e',
      causationId: completion.id,
    });
    await waitFor(async () => (await job.getState()) === 'completed');

    const timesheet = await http()
      .get('/timesheets')
      .query({ workerId })
      .set(auth(workerToken))
      .expect(200);
    expect(timesheet.body.items).toEqual([
      expect.objectContaining({ shiftId: shift.id, workerId, minutes: 150 }),
    ]);

    // Completing again answers the shift and emits nothing new: once the
    // outbox is empty, anything it emitted would be in the stream.
    const before = delivered('shift.completed');
    const again = await http()
      .post(`/shifts/${shift.id}/complete`)
      .set(auth(workerToken))
      .expect(200);
    expect(again.body).toEqual(completed.body);
    await waitFor(async () => (await app.get(OutboxStore).pending()) === 0, {
      message: 'the outbox relayed',
    });
    const completions = (
      await probe.xrange(streamKey('eventbus:', 'shift.completed'), '-', '+')
    ).filter(([, fields]) => fields.join().includes(shift.id));
    expect(completions).toHaveLength(1);

    // shift.completed redelivered by hand: still one of each.
    const sameData: ShiftChanged = {
      shiftId: shift.id,
      workerId,
      clientEmail: 'client@example.com',
      organizationId: 'default',
      startsAt: shift.startsAt,
      endsAt: shift.endsAt,
      hourlyRate: 2500,
      status: 'completed',
      timestamp: new Date().toISOString(),
    };
    await bus.publish('shift.completed', sameData);
    await bus.publish('shift.completed', sameData);
    await waitFor(() => delivered('shift.completed') === before + 2, {
      message: 'both redelivered shift.completed handled',
    });
    expect(await queue.getJobCountByTypes('waiting', 'active', 'delayed')).toBe(
      0,
    );
    expect(await invoicesOf(shift.id)).toHaveLength(1);
    const entries = await http()
      .get('/timesheets')
      .query({ workerId })
      .set(auth())
      .expect(200);
    expect(entries.body.items).toHaveLength(1);
    expect(
      invoiceEvents.filter((e) => e.data.shiftId === shift.id),
    ).toHaveLength(1);

    // The worker reads the invoice of their shift.
    await http()
      .get(`/invoices/${invoice.id}`)
      .set(auth(workerToken))
      .expect(200);
  });

  it('accepts any well-formed organizationId, and bills one without settings in USD at the shift’s rate', async () => {
    const organizationId = randomUUID();
    const shift = await createShift(
      { organizationId, hourlyRate: 1234 },
      HOUR_MS,
    );
    expect(shift).toMatchObject({ organizationId, hourlyRate: 1234 });
    const moved = await http()
      .patch(`/shifts/${shift.id}`)
      .set(auth())
      .send({ organizationId: 'never-configured' })
      .expect(200);
    expect(moved.body).toMatchObject({ organizationId: 'never-configured' });

    const invoice = await completeAndInvoice(shift);

    expect(invoice).toMatchObject({
      organizationId: 'never-configured',
      minutes: 60,
      hourlyRate: 1234,
      amount: 1234,
      currency: 'USD',
    });
  });

  it('rounds half up in minor units: one minute at 100 is 2', async () => {
    await http()
      .put('/organizations/cheap')
      .set(auth())
      .send({ name: 'Cheap', hourlyRate: 100, currency: 'EUR' })
      .expect(200);
    const shift = await createShift(
      { organizationId: 'cheap', hourlyRate: 100 },
      60_000,
    );

    const invoice = await completeAndInvoice(shift);

    expect(invoice).toMatchObject({
      minutes: 1,
      hourlyRate: 100,
      amount: 2,
      currency: 'EUR',
    });
  });

  it('bills the shift rate in the currency PUT /organizations set last (cache invalidated)', async () => {
    const put = await http()
      .put('/organizations/acme')
      .set(auth())
      .send({ hourlyRate: 1000 })
      .expect(200);
    expect(put.body).toMatchObject({
      id: 'acme',
      name: 'acme',
      currency: 'USD',
      hourlyRate: 1000,
    });
    // Written to the outbox with the change; the relay delivers it after
    // the commit, asynchronously.
    await waitFor(
      () =>
        otherEvents.find(
          (e) =>
            e.type === 'organization.updated' &&
            e.data.organizationId === 'acme' &&
            e.data.hourlyRate === 1000,
        ),
      { message: 'organization.updated for acme' },
    );
    const first = await completeAndInvoice(
      await createShift({ organizationId: 'acme', hourlyRate: 1000 }, HOUR_MS),
    );
    expect(first).toMatchObject({ amount: 1000, currency: 'USD' });
    expect(await probe.get('scheduler:org-settings:acme')).toContain('1000');

    await http()
      .put('/organizations/acme')
      .set(auth())
      .send({ hourlyRate: 2000, currency: 'GBP' })
      .expect(200);
    const second = await completeAndInvoice(
      await createShift({ organizationId: 'acme', hourlyRate: 2000 }, HOUR_MS),
    );

    expect(second).toMatchObject({ amount: 2000, currency: 'GBP' });
  });

  it('schedules one shift per confirmed booking, for the registered customer', async () => {
    const customerId = randomUUID();
    const workerId = randomUUID();
    const bookingId = randomUUID();
    const registeredBefore = delivered('user.registered');
    await publishAs(redis.url, 'user.registered', {
      userId: customerId,
      email: 'Customer@Example.com',
      name: 'Ada',
      role: 'customer',
      verificationToken: 'token',
      timestamp: new Date().toISOString(),
    });
    await waitFor(() => delivered('user.registered') > registeredBefore, {
      message: 'user.registered handled',
    });

    const booking = {
      bookingId,
      customerId,
      workerId,
      startsAt: '2030-03-01T08:00:00.000Z',
      endsAt: '2030-03-01T12:00:00.000Z',
      status: 'confirmed' as const,
      previousStatus: 'assigned' as const,
      timestamp: new Date().toISOString(),
    };
    const confirmedBefore = delivered('booking.confirmed');
    await publishAs(redis.url, 'booking.confirmed', booking);
    await publishAs(redis.url, 'booking.confirmed', booking);
    await waitFor(() => delivered('booking.confirmed') >= confirmedBefore + 2, {
      message: 'both booking.confirmed handled',
    });

    const list = await http()
      .get('/shifts')
      .query({ bookingId })
      .set(auth())
      .expect(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        workerId,
        clientEmail: 'customer@example.com',
        organizationId: 'default',
        hourlyRate: 2500,
        bookingId,
        startsAt: booking.startsAt,
        endsAt: booking.endsAt,
        status: 'scheduled',
      }),
    ]);

    // A customer nobody told us about: skipped, no shift.
    const unknown = {
      ...booking,
      bookingId: randomUUID(),
      customerId: randomUUID(),
    };
    await publishAs(redis.url, 'booking.confirmed', unknown);
    await waitFor(() => delivered('booking.confirmed') >= confirmedBefore + 3);
    const none = await http()
      .get('/shifts')
      .query({ bookingId: unknown.bookingId })
      .set(auth())
      .expect(200);
    expect(none.body.items).toEqual([]);
  });

  it('fails a job with invalid data at once, with a clear reason', async () => {
    const { hostname, port } = new URL(redis.url);
    const producer = new Queue(QUEUE, {
      connection: { host: hostname, port: Number(port) },
    });
    try {
      const invalid = await producer.add(
        'broken',
        {
          shiftId: 'not-a-uuid',
          clientEmail: 'x',
          organizationId: 'default',
        },
        { attempts: 5 },
      );
      const unknownShift = await producer.add(
        'broken',
        {
          shiftId: randomUUID(),
          clientEmail: 'a@example.com',
          organizationId: 'default',
        },
        { attempts: 5 },
      );
      for (const [job, reason] of [
        [
          invalid,
          /Invalid invoice-generation job data: shiftId must be a UUID/,
        ],
        [unknownShift, /does not exist; no invoice generated/],
      ] as const) {
        await waitFor(async () => (await job.getState()) === 'failed', {
          message: `job ${job.id} failed`,
        });
        const failed = (await producer.getJob(job.id!))!;
        expect(failed.failedReason).toMatch(reason);
        expect(failed.attemptsMade).toBe(1);
      }
    } finally {
      await producer.close();
    }
  });

  describe('rules and access', () => {
    it('needs a token: 401', async () => {
      await http().get('/shifts').expect(401);
      await http().post('/shifts').send({}).expect(401);
      await http().get('/organizations/default').expect(401);
    });

    it('keeps admin steps for admins: 403', async () => {
      const worker = tokenFor('worker');
      const shift = await createShift();

      await http().post('/shifts').set(auth(worker)).send({}).expect(403);
      await http()
        .patch(`/shifts/${shift.id}`)
        .set(auth(worker))
        .send({ hourlyRate: 1 })
        .expect(403);
      await http()
        .post(`/shifts/${shift.id}/cancel`)
        .set(auth(worker))
        .expect(403);
      await http().get('/organizations/default').set(auth(worker)).expect(403);
      await http()
        .put('/organizations/default')
        .set(auth(worker))
        .send({ hourlyRate: 1 })
        .expect(403);
    });

    it("refuses another worker's shift, timesheet and invoices: 403", async () => {
      const shift = await createShift();
      const other = tokenFor('worker');

      await http().get(`/shifts/${shift.id}`).set(auth(other)).expect(403);
      await http()
        .post(`/shifts/${shift.id}/complete`)
        .set(auth(other))
        .expect(403);
      await http()
        .get('/shifts')
        .query({ workerId: shift.workerId })
        .set(auth(other))
        .expect(403);
      await http()
        .get('/timesheets')
        .query({ workerId: shift.workerId })
        .set(auth(other))
        .expect(403);
      await http()
        .get('/invoices')
        .query({ shiftId: shift.id })
        .set(auth(other))
        .expect(403);
      await http().get('/invoices').set(auth(other)).expect(403);
      const own = await http()
        .get(`/shifts/${shift.id}`)
        .set(auth(tokenFor('worker', shift.workerId)))
        .expect(200);
      expect(own.body.id).toBe(shift.id);
    });

    it('answers 404 for unknown ids and 400 for malformed ones', async () => {
      await http().get(`/shifts/${randomUUID()}`).set(auth()).expect(404);
      await http()
        .post(`/shifts/${randomUUID()}/complete`)
        .set(auth())
        .expect(404);
      await http().get(`/invoices/${randomUUID()}`).set(auth()).expect(404);
      await http()
        .get('/invoices')
        .query({ shiftId: randomUUID() })
        .set(auth())
        .expect(404);
      await http().get('/organizations/nowhere').set(auth()).expect(404);
      const badId = await http().get('/shifts/nope').set(auth()).expect(400);
      expect(JSON.stringify(badId.body.message)).toContain('id must be a UUID');
      await http().get('/organizations/bad%20id').set(auth()).expect(400);
    });

    it('refuses bad input with 400 naming the fields', async () => {
      const at = '2030-01-01T10:00:00Z';
      const response = await http()
        .post('/shifts')
        .set(auth())
        .send({
          workerId: 'x',
          clientEmail: 'nope',
          organizationId: 'default',
          startsAt: 'yesterday',
          endsAt: at,
          hourlyRate: 12.5,
        })
        .expect(400);
      const message = JSON.stringify(response.body.message);
      for (const field of [
        'workerId',
        'clientEmail',
        'startsAt',
        'hourlyRate',
      ]) {
        expect(message).toContain(field);
      }
      const backwards = await http()
        .post('/shifts')
        .set(auth())
        .send({
          workerId: randomUUID(),
          clientEmail: 'a@example.com',
          organizationId: 'default',
          startsAt: at,
          endsAt: at,
          hourlyRate: 100,
        })
        .expect(400);
      expect(JSON.stringify(backwards.body.message)).toContain(
        'endsAt must be after startsAt',
      );
      await http()
        .post('/shifts')
        .set(auth())
        .send({
          workerId: randomUUID(),
          clientEmail: 'a@example.com',
          organizationId: 'not an id!',
          startsAt: '2030-01-01T09:00:00Z',
          endsAt: at,
          hourlyRate: 100,
        })
        .expect(400);
      await http()
        .put('/organizations/default')
        .set(auth())
        .send({ currency: 'usd' })
        .expect(400);
      await http()
        .post('/shifts')
        .set(auth())
        .send({
          workerId: randomUUID(),
          clientEmail: 'a@example.com',
          organizationId: 'default',
          startsAt: '+275760-09-13T00:00:00Z',
          endsAt: '+275760-09-13T00:00:00Z',
          hourlyRate: 1e12,
        })
        .expect(400);
    });

    it('answers 409 for invalid state changes', async () => {
      const cancelled = await createShift();
      await http()
        .post(`/shifts/${cancelled.id}/cancel`)
        .set(auth())
        .expect(200);
      await http()
        .post(`/shifts/${cancelled.id}/cancel`)
        .set(auth())
        .expect(409);
      await http()
        .post(`/shifts/${cancelled.id}/complete`)
        .set(auth())
        .expect(409);

      const done = await createShift();
      await http().post(`/shifts/${done.id}/complete`).set(auth()).expect(200);
      await http()
        .patch(`/shifts/${done.id}`)
        .set(auth())
        .send({ hourlyRate: 1 })
        .expect(409);
      await http().post(`/shifts/${done.id}/cancel`).set(auth()).expect(409);

      const bookingId = randomUUID();
      await createShift({ bookingId });
      await http()
        .post('/shifts')
        .set(auth())
        .send({
          workerId: randomUUID(),
          clientEmail: 'a@example.com',
          organizationId: 'default',
          startsAt: '2030-01-01T09:00:00Z',
          endsAt: '2030-01-01T10:00:00Z',
          hourlyRate: 100,
          bookingId,
        })
        .expect(409);
    });

    it('lets an admin change a scheduled shift', async () => {
      const shift = await createShift();
      const response = await http()
        .patch(`/shifts/${shift.id}`)
        .set(auth())
        .send({ hourlyRate: 4000, clientEmail: 'New@Example.com' })
        .expect(200);

      expect(response.body).toMatchObject({
        hourlyRate: 4000,
        clientEmail: 'new@example.com',
        status: 'scheduled',
      });
      // shift.created and shift.updated go through the outbox: they reach
      // in-process subscribers after the commit, asynchronously.
      const types = await waitFor(
        () => {
          const seen = otherEvents
            .filter((e) => e.data.shiftId === shift.id)
            .map((e) => e.type);
          return seen.includes('shift.updated') && seen;
        },
        { message: `shift.updated for shift ${shift.id}` },
      );
      expect(types).toEqual(['shift.created', 'shift.updated']);
      const updated = otherEvents.find(
        (e) => e.type === 'shift.updated' && e.data.shiftId === shift.id,
      );
      expect(updated?.data.hourlyRate).toBe(4000);
    });
  });
});
