import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { AccessTokenClaims } from '@app/common';
import { EventBus, type EventEnvelope } from '@app/event-bus';
import request from 'supertest';
import {
  decrypted,
  startRedisServer,
  startServiceInProcess,
  waitFor,
  type InProcessService,
  type RedisServer,
} from '../../../test/support/index.js';

const ADMIN_EMAIL = 'root@example.com';
const ADMIN_PASSWORD = 'admin-password-1';
const PASSWORD = 'correct horse battery';

type Captured = EventEnvelope<Record<string, any>>;

describe('user-service (e2e)', () => {
  let busRedis: RedisServer;
  let cacheRedis: RedisServer;
  let service: InProcessService;
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  const events: Captured[] = [];
  let adminToken: string;

  const eventsOf = (type: string) => events.filter((e) => e.type === type);

  /** The one-time token sent to `email` in user.registered. */
  const verificationTokenOf = (email: string) =>
    waitFor(
      () => {
        const event = eventsOf('user.registered').find(
          (e) => e.data.email === email,
        );
        // Sealed before it left the bus: opened as a consumer would.
        return event && (decrypted(event).data.verificationToken as string);
      },
      { message: `user.registered for ${email}` },
    );

  const register = (body: Record<string, unknown>) =>
    http.post('/users').send(body);

  const login = (email: string, password: string) =>
    http.post('/auth/login').send({ email, password });

  /** A verified user with a token, ready to call the routes. */
  async function verifiedUser(role: 'customer' | 'worker' = 'customer') {
    const email = `${randomUUID()}@example.com`;
    const { body } = await register({
      email,
      password: PASSWORD,
      name: 'Ann',
      role,
    });
    await http
      .post('/users/verify')
      .send({ token: await verificationTokenOf(email) })
      .expect(200);
    const { body: session } = await login(email, PASSWORD).expect(200);
    return {
      id: body.id as string,
      email,
      token: session.accessToken as string,
    };
  }

  beforeAll(async () => {
    [busRedis, cacheRedis] = await Promise.all([
      startRedisServer(),
      startRedisServer(),
    ]);
    service = await startServiceInProcess({
      env: {
        EVENT_BUS_REDIS_URL: busRedis.url,
        CACHE_REDIS_URL: cacheRedis.url,
        JWT_SECRET: 'user-service-e2e-secret',
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
      },
      loadModule: async () =>
        (await import('../src/user-service.module.js')).UserServiceModule,
      beforeStart: (started) => {
        const bus = started.get(EventBus);
        for (const type of [
          'user.registered',
          'user.verified',
          'user.updated',
          'user.deleted',
          'auth.login',
        ] as const) {
          bus.subscribe(type, (event) => void events.push(event as Captured));
        }
      },
    });
    app = service.app;
    http = request(app.getHttpServer());

    const { body } = await login(ADMIN_EMAIL, ADMIN_PASSWORD).expect(200);
    adminToken = body.accessToken;
  });

  afterAll(async () => {
    await service?.close();
    await Promise.all([busRedis?.kill(), cacheRedis?.kill()]);
  });

  it('reports the bus, the cache Redis and the database healthy', async () => {
    const { body } = await http.get('/health').expect(200);

    expect(Object.keys(body.info)).toEqual(
      expect.arrayContaining(['eventBus', 'cacheRedis', 'database']),
    );
  });

  describe('POST /users', () => {
    it('registers a user (201) without any secret in the body', async () => {
      const email = `${randomUUID()}@Example.com`;

      const { body } = await register({
        email,
        password: PASSWORD,
        name: 'Ann',
        role: 'worker',
      }).expect(201);

      expect(Object.keys(body).sort()).toEqual(
        [
          'createdAt',
          'email',
          'id',
          'name',
          'role',
          'updatedAt',
          'verified',
        ].sort(),
      );
      expect(body).toMatchObject({
        email: email.toLowerCase(),
        name: 'Ann',
        role: 'worker',
        verified: false,
      });
      // Events of a write reach subscribers through the outbox, just after it.
      const event = await waitFor(() =>
        eventsOf('user.registered').find((e) => e.data.userId === body.id),
      );
      expect(event?.data.verificationToken).toEqual(expect.any(String));
      expect(JSON.stringify(body)).not.toContain(event?.data.verificationToken);
    });

    it('echoes x-correlation-id and carries it on user.registered', async () => {
      const correlationId = `e2e-${randomUUID()}`;
      const email = `${randomUUID()}@example.com`;

      const response = await register({
        email,
        password: PASSWORD,
        name: 'Ann',
      })
        .set('x-correlation-id', correlationId)
        .expect(201);

      expect(response.headers['x-correlation-id']).toBe(correlationId);
      const event = await waitFor(() =>
        eventsOf('user.registered').find((e) => e.data.email === email),
      );
      expect(event.correlationid).toBe(correlationId);
      expect(event.source).toBe('user-service');
    });

    it('answers 409 for a taken e-mail, whatever its case', async () => {
      const email = `${randomUUID()}@example.com`;
      await register({ email, password: PASSWORD, name: 'Ann' }).expect(201);

      const { body } = await register({
        email: email.toUpperCase(),
        password: PASSWORD,
        name: 'Other Ann',
      }).expect(409);

      expect(body.message).toMatch(/already exists/);
    });

    it('answers 409 to one of two concurrent registrations of one e-mail', async () => {
      const email = `${randomUUID()}@example.com`;
      const body = { email, password: PASSWORD, name: 'Ann' };

      const statuses = (
        await Promise.all([register(body), register(body), register(body)])
      ).map((r) => r.status);

      expect(statuses.sort()).toEqual([201, 409, 409]);
    });

    it('refuses to self-register an admin', async () => {
      const { body } = await register({
        email: `${randomUUID()}@example.com`,
        password: PASSWORD,
        name: 'Mallory',
        role: 'admin',
      }).expect(400);

      expect(body.message.join(' ')).toMatch(/role .*admin/);
    });

    it('answers 400 naming every bad field', async () => {
      const { body } = await register({
        email: 'not-an-email',
        password: 'short',
        name: '',
      }).expect(400);

      const message = body.message.join(' | ');
      expect(message).toMatch(/email/);
      expect(message).toMatch(/password/);
      expect(message).toMatch(/name/);
    });

    it('answers 400 for wrong types and unknown fields', async () => {
      const wrongTypes = await register({ email: 1, password: 2, name: 3 });
      const unknown = await register({
        email: `${randomUUID()}@example.com`,
        password: PASSWORD,
        name: 'Ann',
        isAdmin: true,
      });

      expect(wrongTypes.status).toBe(400);
      expect(unknown.status).toBe(400);
      expect(unknown.body.message.join(' ')).toMatch(/isAdmin/);
    });

    it('answers 400 for malformed JSON', async () => {
      await http
        .post('/users')
        .set('content-type', 'application/json')
        .send('{"email": ')
        .expect(400);
    });
  });

  describe('verification and login', () => {
    it('refuses login before verification (403), then accepts it (200)', async () => {
      const email = `${randomUUID()}@example.com`;
      const { body: user } = await register({
        email,
        password: PASSWORD,
        name: 'Ann',
        role: 'worker',
      }).expect(201);

      const before = await login(email, PASSWORD).expect(403);
      const verified = await http
        .post('/users/verify')
        .send({ token: await verificationTokenOf(email) })
        .expect(200);
      const after = await login(email, PASSWORD).expect(200);

      expect(before.body.message).toMatch(/[Vv]erify/);
      expect(verified.body).toMatchObject({ id: user.id, verified: true });
      await waitFor(() =>
        eventsOf('user.verified').some((e) => e.data.userId === user.id),
      );
      const claims = app
        .get(JwtService)
        .verify<AccessTokenClaims>(after.body.accessToken);
      expect(claims).toMatchObject({ sub: user.id, role: 'worker', email });
      expect(eventsOf('auth.login').map((e) => e.data.userId)).toContain(
        user.id,
      );
    });

    it('accepts a verification token only once', async () => {
      const email = `${randomUUID()}@example.com`;
      await register({ email, password: PASSWORD, name: 'Ann' }).expect(201);
      const token = await verificationTokenOf(email);
      await http.post('/users/verify').send({ token }).expect(200);

      const { body } = await http
        .post('/users/verify')
        .send({ token })
        .expect(400);

      expect(body.message).toMatch(/already been used/);
    });

    it('answers 401 for a wrong password', async () => {
      const { email } = await verifiedUser();

      await login(email, 'wrong password').expect(401);
    });

    it('answers 429 after 5 failures, even with the right password', async () => {
      const { email } = await verifiedUser();

      for (let i = 0; i < 5; i++)
        await login(email, 'wrong password').expect(401);

      await login(email, PASSWORD).expect(429);
      await login(email.toUpperCase(), 'wrong password').expect(429);
    });

    it('limits unknown e-mails alike', async () => {
      const email = `${randomUUID()}@example.com`;

      for (let i = 0; i < 5; i++) await login(email, 'guess').expect(401);

      await login(email, 'guess').expect(429);
    });

    it('lets at most 5 of a burst of parallel guesses through', async () => {
      const email = `${randomUUID()}@example.com`;

      const statuses = (
        await Promise.all(
          Array.from({ length: 12 }, () => login(email, 'guess')),
        )
      ).map((r) => r.status);

      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    });

    it('clears the failures on a successful login', async () => {
      const { email } = await verifiedUser();
      for (let i = 0; i < 4; i++)
        await login(email, 'wrong password').expect(401);

      await login(email, PASSWORD).expect(200);

      for (let i = 0; i < 5; i++)
        await login(email, 'wrong password').expect(401);
    });

    it('answers 200, not 201, with only an access token', async () => {
      const { body } = await login(ADMIN_EMAIL, ADMIN_PASSWORD).expect(200);

      expect(Object.keys(body)).toEqual(['accessToken']);
      expect(app.get(JwtService).verify(body.accessToken)).toMatchObject({
        role: 'admin',
        email: ADMIN_EMAIL,
      });
    });
  });

  describe('GET /users/:id', () => {
    it('gives the owner their user', async () => {
      const { id, token } = await verifiedUser();

      const { body } = await http
        .get(`/users/${id}`)
        .auth(token, { type: 'bearer' })
        .expect(200);

      expect(body).toMatchObject({ id, verified: true });
      expect(body).not.toHaveProperty('passwordHash');
    });

    it("answers 403 for someone else's user", async () => {
      const owner = await verifiedUser();
      const other = await verifiedUser();

      await http
        .get(`/users/${owner.id}`)
        .auth(other.token, { type: 'bearer' })
        .expect(403);
    });

    it('lets an admin read anyone', async () => {
      const { id } = await verifiedUser();

      await http
        .get(`/users/${id}`)
        .auth(adminToken, { type: 'bearer' })
        .expect(200);
    });

    it('answers 401 without a token', async () => {
      const { id } = await verifiedUser();

      await http.get(`/users/${id}`).expect(401);
    });

    it('answers 404 for an unknown id', async () => {
      await http
        .get(`/users/${randomUUID()}`)
        .auth(adminToken, { type: 'bearer' })
        .expect(404);
    });

    it('answers 400 naming the id when it is not a UUID', async () => {
      const { body } = await http
        .get('/users/not-a-uuid')
        .auth(adminToken, { type: 'bearer' })
        .expect(400);

      expect(body.message).toMatch(/id/);
    });
  });

  describe('PATCH /users/:id', () => {
    it('lets the owner change the name and emits user.updated with it', async () => {
      const { id, token } = await verifiedUser();

      const { body } = await http
        .patch(`/users/${id}`)
        .auth(token, { type: 'bearer' })
        .send({ name: 'Ann Smith' })
        .expect(200);

      expect(body.name).toBe('Ann Smith');
      const event = await waitFor(() =>
        eventsOf('user.updated').find((e) => e.data.userId === id),
      );
      expect(event?.data.changes).toEqual({ name: 'Ann Smith' });
    });

    it('refuses a role change by a non-admin with 403', async () => {
      const { id, token } = await verifiedUser();

      await http
        .patch(`/users/${id}`)
        .auth(token, { type: 'bearer' })
        .send({ role: 'admin' })
        .expect(403);
      const { body } = await http
        .get(`/users/${id}`)
        .auth(token, { type: 'bearer' })
        .expect(200);

      expect(body.role).toBe('customer');
    });

    it('lets an admin change a role', async () => {
      const { id } = await verifiedUser();

      const { body } = await http
        .patch(`/users/${id}`)
        .auth(adminToken, { type: 'bearer' })
        .send({ role: 'worker' })
        .expect(200);

      expect(body.role).toBe('worker');
      const event = await waitFor(() =>
        eventsOf('user.updated').find((e) => e.data.userId === id),
      );
      expect(event?.data.changes).toEqual({ role: 'worker' });
    });

    it('answers 400 for an unknown role or field', async () => {
      const { id } = await verifiedUser();

      await http
        .patch(`/users/${id}`)
        .auth(adminToken, { type: 'bearer' })
        .send({ role: 'superuser' })
        .expect(400);
      await http
        .patch(`/users/${id}`)
        .auth(adminToken, { type: 'bearer' })
        .send({ email: 'new@example.com' })
        .expect(400);
    });
  });

  describe('DELETE /users/:id', () => {
    it('deletes (204), emits user.deleted, then the user is gone (404)', async () => {
      const { id, email, token } = await verifiedUser();

      await http
        .delete(`/users/${id}`)
        .auth(token, { type: 'bearer' })
        .expect(204);

      await http
        .get(`/users/${id}`)
        .auth(adminToken, { type: 'bearer' })
        .expect(404);
      const event = await waitFor(() =>
        eventsOf('user.deleted').find((e) => e.data.userId === id),
      );
      expect(event?.data.email).toBe(email);
    });

    it("answers 403 for someone else's user", async () => {
      const owner = await verifiedUser();
      const other = await verifiedUser();

      await http
        .delete(`/users/${owner.id}`)
        .auth(other.token, { type: 'bearer' })
        .expect(403);
    });
  });

  // Last: it takes the cache Redis away for a while.
  it('answers 503 to a login while the cache Redis is unreachable, 200 once it is back', async () => {
    await cacheRedis.stop();

    const { body } = await login(ADMIN_EMAIL, ADMIN_PASSWORD).expect(503);
    expect(body.message).toMatch(/cache Redis/);
    await http.get('/health').expect(503);

    await cacheRedis.start();
    await waitFor(
      async () => (await login(ADMIN_EMAIL, ADMIN_PASSWORD)).status === 200,
      { timeoutMs: 20_000, message: 'login after the cache Redis returned' },
    );
  });
});
