import { randomUUID } from 'node:crypto';
import {
  api,
  startApp,
  startRedisServer,
  waitFor,
  type Api,
  type AppProcess,
  type RedisServer,
  logInWhenReady,
  signUpVerified,
  waitUntilHealthy,
} from '../support/index.js';

interface Notification {
  to: string;
  template: string;
  subject: string;
  body: string;
}

interface HistoryEvent {
  type: string;
  source: string;
  correlationid: string;
}

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };
const HOURLY_RATE = 2_500;

/**
 * All four services as real processes on one private Redis: one booking
 * travels through every service and job, and one correlation id links every
 * event of the saga.
 */
describe('booking saga across the four services', () => {
  let redis: RedisServer;
  let apps: AppProcess[] = [];
  let users: Api;
  let bookings: Api;
  let scheduler: Api;
  let notifications: Api;
  let adminToken: string;

  const inbox = async (to: string): Promise<Notification[]> => {
    const response = await notifications.get<{ items: Notification[] }>(
      `/notifications?to=${encodeURIComponent(to)}`,
      { token: adminToken },
    );
    return response.status === 200 ? response.body.items : [];
  };

  const signUp = (
    role: 'customer' | 'worker',
    headers: Record<string, string>,
  ) => signUpVerified({ users, notifications, adminToken }, role, headers);

  beforeAll(async () => {
    redis = await startRedisServer();
    const env = {
      EVENT_BUS_REDIS_URL: redis.url,
      JWT_SECRET: `e2e-${randomUUID()}`,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      DEFAULT_HOURLY_RATE: String(HOURLY_RATE),
    };
    apps = await Promise.all(
      (
        [
          'user-service',
          'booking-service',
          'scheduler-service',
          'notification-service',
        ] as const
      ).map((name) => startApp(name, { env })),
    );
    [users, bookings, scheduler, notifications] = apps.map((app) =>
      api(app.url),
    );
    for (const app of apps) {
      await waitUntilHealthy(app);
    }
    adminToken = await logInWhenReady(users, ADMIN);
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await redis?.kill();
  });

  it('booking -> shift -> completion -> one invoice -> e-mails, under one correlation id', async () => {
    const correlationId = `saga-${randomUUID()}`;
    const headers = { 'x-correlation-id': correlationId };
    const customer = await signUp('customer', headers);
    const worker = await signUp('worker', headers);

    const created = await bookings.post<{ id: string; status: string }>(
      '/bookings',
      {
        customerId: customer.id,
        startsAt: '2026-05-04T09:00:00.000Z',
        endsAt: '2026-05-04T12:00:00.000Z',
      },
      { token: customer.token, headers },
    );
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('requested');
    const bookingId = created.body.id;
    for (const [step, body] of [
      ['approve', {}],
      ['assign', { workerId: worker.id }],
      ['confirm', {}],
    ] as const) {
      const response = await bookings.post(
        `/bookings/${bookingId}/${step}`,
        body,
        {
          token: adminToken,
          headers,
        },
      );
      expect(response.status).toBe(200);
    }

    const shift = await waitFor(
      async () => {
        const response = await scheduler.get<{
          items: Array<Record<string, unknown>>;
        }>(`/shifts?bookingId=${bookingId}`, { token: adminToken });
        return response.status === 200 && response.body.items[0];
      },
      {
        timeoutMs: 30_000,
        message: 'a shift scheduled for the confirmed booking',
      },
    );
    expect(shift).toMatchObject({
      workerId: worker.id,
      clientEmail: customer.email,
      hourlyRate: HOURLY_RATE,
      bookingId,
      status: 'scheduled',
    });

    const completed = await scheduler.post(
      `/shifts/${String(shift.id)}/complete`,
      {},
      {
        token: worker.token,
        headers,
      },
    );
    expect(completed.status).toBe(200);
    // A second completion changes nothing.
    await scheduler.post(
      `/shifts/${String(shift.id)}/complete`,
      {},
      { token: worker.token },
    );

    const invoice = await waitFor(
      async () => {
        const response = await scheduler.get<{
          items: Array<Record<string, unknown>>;
        }>(`/invoices?shiftId=${String(shift.id)}`, { token: adminToken });
        return (
          response.status === 200 &&
          response.body.items.length > 0 &&
          response.body.items
        );
      },
      { timeoutMs: 30_000, message: 'the invoice of the shift' },
    );
    expect(invoice).toHaveLength(1);
    expect(invoice[0]).toMatchObject({
      amount: 3 * HOURLY_RATE,
      currency: 'USD',
    });

    const mails = await waitFor(
      async () => {
        const items = await inbox(customer.email);
        const statusMails = items.filter(
          (m) => m.template === 'booking-status',
        );
        const invoiceMail = items.find((m) => m.template === 'invoice');
        return (
          statusMails.length >= 3 && invoiceMail && { statusMails, invoiceMail }
        );
      },
      {
        timeoutMs: 30_000,
        message: 'booking-status and invoice e-mails to the customer',
      },
    );
    expect(mails.invoiceMail.body).toContain('Amount due: 75.00 USD');

    const history = await users.get<{ items: HistoryEvent[] }>(
      `/api/events/history?correlationId=${correlationId}&limit=100`,
      { token: adminToken },
    );
    const types = history.body.items.map((event) => event.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'user.registered',
        'user.verified',
        'booking.created',
        'booking.approved',
        'booking.assigned',
        'booking.confirmed',
        'shift.created',
        'shift.completed',
        'invoice.generated',
      ]),
    );
    expect(types.filter((type) => type === 'invoice.generated')).toHaveLength(
      1,
    );
    expect(
      new Set(history.body.items.map((event) => event.correlationid)),
    ).toEqual(new Set([correlationId]));
  });
});
