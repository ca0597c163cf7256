import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { UserRole } from '@app/contracts';
import { EventBus, type EventEnvelope } from '@app/event-bus';
import request from 'supertest';
import {
  publishAs,
  startRedisServer,
  startServiceInProcess,
  waitFor,
  type InProcessService,
  type RedisServer,
} from '../../../test/support/index.js';

type Captured = EventEnvelope<Record<string, any>>;

const BOOKING_EVENTS = [
  'booking.created',
  'booking.approved',
  'booking.rejected',
  'booking.assigned',
  'booking.confirmed',
  'booking.started',
  'booking.completed',
  'booking.cancelled',
] as const;

interface Caller {
  id: string;
  token: string;
}

describe('booking-service (e2e)', () => {
  let redis: RedisServer;
  let service: InProcessService;
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  const events: Captured[] = [];
  let admin: Caller;

  const eventsOf = (type: string, bookingId?: string) =>
    events.filter(
      (e) =>
        e.type === type &&
        (bookingId === undefined || e.data.bookingId === bookingId),
    );

  /** A caller with a token signed like user-service signs them. */
  function user(role: UserRole): Caller {
    const id = randomUUID();
    const token = app
      .get(JwtService)
      .sign({ sub: id, role, email: `${id}@example.com` });
    return { id, token };
  }

  const post = (path: string, who: Caller | undefined, body?: object) => {
    const req = http.post(path);
    if (who) req.auth(who.token, { type: 'bearer' });
    return body === undefined ? req : req.send(body);
  };

  const get = (path: string, who: Caller) =>
    http.get(path).auth(who.token, { type: 'bearer' });

  const times = {
    startsAt: '2030-06-01T09:00:00.000Z',
    endsAt: '2030-06-01T17:00:00.000Z',
  };

  /** A booking requested by `customer` (by the customer themselves). */
  async function requested(customer: Caller, extra: object = {}) {
    const { body } = await post('/bookings', customer, {
      customerId: customer.id,
      ...times,
      ...extra,
    }).expect(201);
    return body.id as string;
  }

  /** Takes `steps` as an admin (or `who`), each expected to answer 200. */
  async function advance(
    id: string,
    steps: string[],
    workerId?: string,
  ): Promise<void> {
    for (const step of steps) {
      await post(
        `/bookings/${id}/${step}`,
        admin,
        step === 'assign' ? { workerId } : undefined,
      ).expect(200);
    }
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    service = await startServiceInProcess({
      env: {
        EVENT_BUS_REDIS_URL: redis.url,
        CACHE_REDIS_URL: redis.url,
        JWT_SECRET: 'booking-service-e2e-secret',
      },
      loadModule: async () =>
        (await import('../src/booking-service.module.js')).BookingServiceModule,
      beforeStart: (started) => {
        const bus = started.get(EventBus);
        for (const type of BOOKING_EVENTS) {
          bus.subscribe(type, (event) => void events.push(event as Captured));
        }
      },
    });
    app = service.app;
    http = request(app.getHttpServer());
    admin = user('admin');
  });

  afterAll(async () => {
    await service?.close();
    await redis?.kill();
  });

  it('reports the bus, the cache Redis and the database healthy', async () => {
    const { body } = await http.get('/health').expect(200);

    expect(Object.keys(body.info)).toEqual(
      expect.arrayContaining(['eventBus', 'cacheRedis', 'database']),
    );
  });

  describe('POST /bookings', () => {
    it('creates a requested booking (201) and emits booking.created with the correlation id', async () => {
      const customer = user('customer');
      const correlationId = `e2e-${randomUUID()}`;

      const response = await post('/bookings', customer, {
        customerId: customer.id,
        startsAt: '2030-06-01T11:00:00+02:00',
        endsAt: times.endsAt,
        locationId: 'site-7',
        notes: 'Ring twice',
      })
        .set('x-correlation-id', correlationId)
        .expect(201);

      const { body } = response;
      expect(body).toEqual({
        id: expect.any(String),
        customerId: customer.id,
        workerId: null,
        startsAt: times.startsAt,
        endsAt: times.endsAt,
        locationId: 'site-7',
        notes: 'Ring twice',
        status: 'requested',
        reason: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(response.headers['x-correlation-id']).toBe(correlationId);
      // Delivered by the outbox relay after the commit: asynchronously.
      const [event] = await waitFor(() => {
        const found = eventsOf('booking.created', body.id);
        return found.length > 0 && found;
      });
      expect(event.data).toMatchObject({
        customerId: customer.id,
        status: 'requested',
        locationId: 'site-7',
      });
      expect(event.correlationid).toBe(correlationId);
      expect(event.source).toBe('booking-service');
    });

    it('answers 403 to a customer booking for someone else', async () => {
      const customer = user('customer');

      await post('/bookings', customer, {
        customerId: randomUUID(),
        ...times,
      }).expect(403);
    });

    it('answers 403 to a worker', async () => {
      const worker = user('worker');

      await post('/bookings', worker, {
        customerId: worker.id,
        ...times,
      }).expect(403);
    });

    it('lets an admin book for any customer', async () => {
      const customerId = randomUUID();

      const { body } = await post('/bookings', admin, {
        customerId,
        ...times,
      }).expect(201);

      expect(body.customerId).toBe(customerId);
    });

    it('answers 401 without a token', async () => {
      await post('/bookings', undefined, {
        customerId: randomUUID(),
        ...times,
      }).expect(401);
    });

    it('answers 400 naming the fields when endsAt is not after startsAt', async () => {
      const customer = user('customer');

      const { body } = await post('/bookings', customer, {
        customerId: customer.id,
        startsAt: times.endsAt,
        endsAt: times.startsAt,
      }).expect(400);

      expect(body.message).toEqual(['endsAt must be after startsAt']);
    });

    it('answers 400 naming every bad field', async () => {
      const customer = user('customer');

      const { body } = await post('/bookings', customer, {
        customerId: 'me',
        startsAt: 'tomorrow',
        endsAt: 42,
        notes: 7,
        status: 'approved',
      }).expect(400);

      const message = (body.message as string[]).join(' | ');
      for (const field of [
        'customerId',
        'startsAt',
        'endsAt',
        'notes',
        'status',
      ]) {
        expect(message).toContain(field);
      }
    });

    it.each([
      ['a missing body', undefined],
      ['an impossible date', { startsAt: '2030-02-30T10:00:00Z' }],
      ['year 0', { startsAt: '0000-01-01T00:00:00Z' }],
      ['a NUL character', { notes: 'a\u0000b' }],
      ['a too long location', { locationId: 'x'.repeat(201) }],
      ['an array', [1, 2]],
    ])('answers 400, never 500, for %s', async (_label, change) => {
      const customer = user('customer');
      const body =
        change === undefined
          ? undefined
          : Array.isArray(change)
            ? change
            : { customerId: customer.id, ...times, ...change };

      await post('/bookings', customer, body).expect(400);
    });

    it('answers 400 for malformed JSON', async () => {
      const customer = user('customer');

      await http
        .post('/bookings')
        .auth(customer.token, { type: 'bearer' })
        .set('content-type', 'application/json')
        .send('{"customerId": ')
        .expect(400);
    });
  });

  describe('the lifecycle', () => {
    it('runs requested -> approved -> assigned -> confirmed -> in_progress -> completed with an event for each step', async () => {
      const customer = user('customer');
      const worker = user('worker');
      const id = await requested(customer);

      const approved = await post(`/bookings/${id}/approve`, admin).expect(200);
      const assigned = await post(`/bookings/${id}/assign`, admin, {
        workerId: worker.id,
      }).expect(200);
      const confirmed = await post(`/bookings/${id}/confirm`, admin).expect(
        200,
      );
      const started = await post(`/bookings/${id}/start`, worker).expect(200);
      const completed = await post(`/bookings/${id}/complete`, worker).expect(
        200,
      );

      expect(
        [approved, assigned, confirmed, started, completed].map(
          (r) => r.body.status,
        ),
      ).toEqual([
        'approved',
        'assigned',
        'confirmed',
        'in_progress',
        'completed',
      ]);
      expect(completed.body).toMatchObject({
        id,
        customerId: customer.id,
        workerId: worker.id,
      });
      const steps = [
        ['booking.approved', 'requested', 'approved'],
        ['booking.assigned', 'approved', 'assigned'],
        ['booking.confirmed', 'assigned', 'confirmed'],
        ['booking.started', 'confirmed', 'in_progress'],
        ['booking.completed', 'in_progress', 'completed'],
      ];
      for (const [type, previousStatus, status] of steps) {
        const [event] = await waitFor(() => {
          const found = eventsOf(type, id);
          return found.length > 0 && found;
        });
        expect(event.data).toMatchObject({
          bookingId: id,
          customerId: customer.id,
          status,
          previousStatus,
          startsAt: times.startsAt,
          endsAt: times.endsAt,
        });
        if (status !== 'approved') expect(event.data.workerId).toBe(worker.id);
      }
      // The customer reads the outcome.
      const { body } = await get(`/bookings/${id}`, customer).expect(200);
      expect(body.status).toBe('completed');
    });

    it('answers 409 naming the current status and the allowed steps', async () => {
      const customer = user('customer');
      const id = await requested(customer);

      const { body } = await post(`/bookings/${id}/complete`, admin).expect(
        409,
      );

      expect(body).toEqual({
        statusCode: 409,
        error: 'Conflict',
        message: 'Cannot complete a booking that is requested',
        currentStatus: 'requested',
        allowedSteps: ['approve', 'reject', 'cancel'],
      });
    });

    it.each(['approve', 'reject', 'confirm'])(
      'answers 403 to a non-admin trying to %s',
      async (step) => {
        const customer = user('customer');
        const id = await requested(customer);

        await post(`/bookings/${id}/${step}`, customer).expect(403);
        await post(`/bookings/${id}/${step}`, user('worker')).expect(403);
      },
    );

    it('answers 403 to a worker assigning themselves', async () => {
      const customer = user('customer');
      const worker = user('worker');
      const id = await requested(customer);
      await advance(id, ['approve']);

      await post(`/bookings/${id}/assign`, worker, {
        workerId: worker.id,
      }).expect(403);
    });

    it('answers 400 for an assign without a UUID workerId', async () => {
      const id = await requested(user('customer'));
      await advance(id, ['approve']);

      const { body } = await post(`/bookings/${id}/assign`, admin, {
        workerId: 'bob',
      }).expect(400);

      expect(body.message).toEqual(['workerId must be a UUID']);
    });

    it('lets only the assigned worker start and complete', async () => {
      const customer = user('customer');
      const worker = user('worker');
      const other = user('worker');
      const id = await requested(customer);
      await advance(id, ['approve', 'assign', 'confirm'], worker.id);

      await post(`/bookings/${id}/start`, other).expect(403);
      await post(`/bookings/${id}/start`, customer).expect(403);
      await post(`/bookings/${id}/start`, worker).expect(200);
      await post(`/bookings/${id}/complete`, other).expect(403);
      await post(`/bookings/${id}/complete`, worker).expect(200);
    });

    it('re-assigns an assigned booking; the old worker loses access', async () => {
      const first = user('worker');
      const second = user('worker');
      const id = await requested(user('customer'));
      await advance(id, ['approve', 'assign'], first.id);

      const { body } = await post(`/bookings/${id}/assign`, admin, {
        workerId: second.id,
      }).expect(200);

      expect(body).toMatchObject({ status: 'assigned', workerId: second.id });
      await get(`/bookings/${id}`, first).expect(403);
      await get(`/bookings/${id}`, second).expect(200);
    });

    it('rejects with a reason, emitted with booking.rejected', async () => {
      const id = await requested(user('customer'));

      const { body } = await post(`/bookings/${id}/reject`, admin, {
        reason: 'No capacity',
      }).expect(200);

      expect(body).toMatchObject({ status: 'rejected', reason: 'No capacity' });
      const [event] = await waitFor(() => {
        const found = eventsOf('booking.rejected', id);
        return found.length > 0 && found;
      });
      expect(event.data).toMatchObject({
        status: 'rejected',
        previousStatus: 'requested',
        reason: 'No capacity',
      });
    });

    it('lets the owner cancel (with or without a reason) but not another customer or the worker', async () => {
      const customer = user('customer');
      const worker = user('worker');
      const first = await requested(customer);
      const second = await requested(customer);
      await advance(second, ['approve', 'assign', 'confirm'], worker.id);

      await post(`/bookings/${first}/cancel`, user('customer')).expect(403);
      await post(`/bookings/${second}/cancel`, worker).expect(403);
      const withReason = await post(`/bookings/${first}/cancel`, customer, {
        reason: 'Plans changed',
      }).expect(200);
      const without = await post(`/bookings/${second}/cancel`, customer).expect(
        200,
      );

      expect(withReason.body).toMatchObject({
        status: 'cancelled',
        reason: 'Plans changed',
      });
      expect(without.body).toMatchObject({ status: 'cancelled', reason: null });
      const [event] = await waitFor(() => {
        const found = eventsOf('booking.cancelled', second);
        return found.length > 0 && found;
      });
      expect(event.data).toMatchObject({
        previousStatus: 'confirmed',
        workerId: worker.id,
      });
      const { body } = await post(`/bookings/${first}/cancel`, customer).expect(
        409,
      );
      expect(body).toMatchObject({
        currentStatus: 'cancelled',
        allowedSteps: [],
      });
    });

    it('lets exactly one of two concurrent steps win; the other gets 409', async () => {
      const id = await requested(user('customer'));

      const responses = await Promise.all([
        post(`/bookings/${id}/approve`, admin),
        post(`/bookings/${id}/reject`, admin),
      ]);

      expect(responses.map((r) => r.status).sort()).toEqual([200, 409]);
      const { body } = await get(`/bookings/${id}`, admin).expect(200);
      // The relay delivers in order: once the booking.created of a later
      // booking has arrived, every event of the race has too.
      const marker = await requested(user('customer'));
      await waitFor(() => eventsOf('booking.created', marker).length, {
        message: 'booking.created of the marker booking',
      });
      const events =
        eventsOf('booking.approved', id).length +
        eventsOf('booking.rejected', id).length;
      expect(events).toBe(1);
      expect(['approved', 'rejected']).toContain(body.status);
    });

    it('answers 404 for a step on an unknown booking and 400 for a non-UUID id', async () => {
      await post(`/bookings/${randomUUID()}/approve`, admin).expect(404);
      await post('/bookings/42/approve', admin).expect(400);
    });
  });

  describe('GET /bookings/:id', () => {
    it('answers 404 for an unknown id and 400 naming the id for a non-UUID', async () => {
      await get(`/bookings/${randomUUID()}`, admin).expect(404);
      const { body } = await get('/bookings/not-a-uuid', admin).expect(400);

      expect(body.message).toMatch(/id/);
    });

    it("answers 403 for another customer's booking and to an unassigned worker", async () => {
      const id = await requested(user('customer'));

      await get(`/bookings/${id}`, user('customer')).expect(403);
      await get(`/bookings/${id}`, user('worker')).expect(403);
    });

    it('answers 401 without a token', async () => {
      await http.get(`/bookings/${randomUUID()}`).expect(401);
    });
  });

  describe('GET /bookings', () => {
    it("gives a customer their own bookings, newest first, and 403 for another's", async () => {
      const customer = user('customer');
      const older = await requested(customer);
      const newer = await requested(customer);
      await requested(user('customer'));

      const own = await get('/bookings', customer).expect(200);
      const explicit = await get(
        `/bookings?customerId=${customer.id}`,
        customer,
      ).expect(200);
      await get(`/bookings?customerId=${randomUUID()}`, customer).expect(403);

      expect(own.body.items.map((b: any) => b.id)).toEqual([newer, older]);
      expect(explicit.body).toEqual(own.body);
    });

    it('filters by status', async () => {
      const customer = user('customer');
      const approved = await requested(customer);
      await requested(customer);
      await advance(approved, ['approve']);

      const { body } = await get(
        `/bookings?customerId=${customer.id}&status=approved`,
        admin,
      ).expect(200);

      expect(body.items.map((b: any) => b.id)).toEqual([approved]);
    });

    it('gives a worker the bookings assigned to them', async () => {
      const worker = user('worker');
      const customer = user('customer');
      const mine = await requested(customer);
      const theirs = await requested(customer);
      await advance(mine, ['approve', 'assign'], worker.id);
      await advance(theirs, ['approve', 'assign'], randomUUID());

      const { body } = await get('/bookings', worker).expect(200);

      expect(body.items.map((b: any) => b.id)).toEqual([mine]);
    });

    it('lets an admin filter by customer', async () => {
      const customer = user('customer');
      const id = await requested(customer);

      const { body } = await get(
        `/bookings?customerId=${customer.id}`,
        admin,
      ).expect(200);

      expect(body.items.map((b: any) => b.id)).toEqual([id]);
    });

    it('answers 400 for an unknown status or a non-UUID customerId', async () => {
      await get('/bookings?status=done', admin).expect(400);
      await get('/bookings?customerId=me', admin).expect(400);
      await get('/bookings?status=approved&status=requested', admin).expect(
        400,
      );
    });
  });

  describe('user.deleted', () => {
    it("cancels the customer's open bookings (not a completed one), once, with booking.cancelled", async () => {
      const customer = user('customer');
      const worker = user('worker');
      const stillRequested = await requested(customer);
      const approved = await requested(customer);
      const inProgress = await requested(customer);
      const completed = await requested(customer);
      const someoneElses = await requested(user('customer'));
      await advance(approved, ['approve']);
      await advance(inProgress, ['approve', 'assign', 'confirm'], worker.id);
      await post(`/bookings/${inProgress}/start`, worker).expect(200);
      await advance(completed, ['approve', 'assign', 'confirm'], worker.id);
      await post(`/bookings/${completed}/start`, worker).expect(200);
      await post(`/bookings/${completed}/complete`, worker).expect(200);
      const userDeleted = {
        userId: customer.id,
        email: `${customer.id}@example.com`,
        timestamp: new Date().toISOString(),
      };
      // As user-service publishes it (signed): the @EventPattern handler receives it.
      await publishAs(redis.url, 'user.deleted', userDeleted);

      const open = [stillRequested, approved, inProgress];
      await waitFor(
        () => open.every((id) => eventsOf('booking.cancelled', id).length),
        { message: 'booking.cancelled for each open booking' },
      );
      for (const id of open) {
        const [event] = eventsOf('booking.cancelled', id);
        expect(event.data).toMatchObject({
          status: 'cancelled',
          reason: 'customer deleted',
        });
        const { body } = await get(`/bookings/${id}`, admin).expect(200);
        expect(body).toMatchObject({
          status: 'cancelled',
          reason: 'customer deleted',
        });
      }
      expect(eventsOf('booking.cancelled', inProgress)[0].data).toMatchObject({
        previousStatus: 'in_progress',
        workerId: worker.id,
      });
      const untouched = await get(`/bookings/${completed}`, admin).expect(200);
      expect(untouched.body.status).toBe('completed');
      const other = await get(`/bookings/${someoneElses}`, admin).expect(200);
      expect(other.body.status).toBe('requested');

      // A redelivery changes nothing: once a later event has been handled,
      // still exactly one booking.cancelled per booking.
      await publishAs(redis.url, 'user.deleted', userDeleted);
      const marker = user('customer');
      const markerBooking = await requested(marker);
      await publishAs(redis.url, 'user.deleted', {
        ...userDeleted,
        userId: marker.id,
      });
      await waitFor(() => eventsOf('booking.cancelled', markerBooking).length, {
        message: 'booking.cancelled of the later event',
      });
      for (const id of open) {
        expect(eventsOf('booking.cancelled', id)).toHaveLength(1);
      }
      expect(eventsOf('booking.cancelled', completed)).toHaveLength(0);
    });
  });
});
