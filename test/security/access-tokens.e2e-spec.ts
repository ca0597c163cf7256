import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import {
  api,
  logInWhenReady,
  startApp,
  startRedisServer,
  waitUntilHealthy,
  type AppProcess,
  type RedisServer,
} from '../support/index.js';

const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'admin-password-1';
const OLD_SECRET = `old-shared-secret-${randomUUID()}`;
const ISSUER = 'user-service';
const AUDIENCE = 'event-driven-nest';
/** An admin-only route every service serves. */
const ADMIN_ROUTE = '/api/events/history?source=local';

const base64url = (value: object) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * user-service signs access tokens with its private key (ES256), and
 * booking-service verifies them with the public key alone; both still have
 * the old shared JWT_SECRET in their environment, which must no longer
 * open anything. Every forged or malformed token gets 401 on both.
 */
describe('access tokens (e2e, key files)', () => {
  let redis: RedisServer;
  let users: AppProcess;
  let bookings: AppProcess;
  let dir: string;
  let privateKey: KeyObject;
  let adminToken: string;
  let adminId: string;

  const claims = () => ({
    sub: adminId,
    role: 'admin',
    email: ADMIN_EMAIL,
  });
  const signed = (options: jwt.SignOptions, payload: object = claims()) =>
    jwt.sign(payload, privateKey, { algorithm: 'ES256', ...options });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'e2e-token-keys-'));
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    privateKey = pair.privateKey;
    const privateFile = join(dir, 'jwt-private.pem');
    const publicFile = join(dir, 'jwt-public.pem');
    writeFileSync(
      privateFile,
      pair.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      { mode: 0o600 },
    );
    writeFileSync(
      publicFile,
      pair.publicKey.export({ type: 'spki', format: 'pem' }),
    );
    redis = await startRedisServer();
    const env = { EVENT_BUS_REDIS_URL: redis.url, JWT_SECRET: OLD_SECRET };
    [users, bookings] = await Promise.all([
      startApp('user-service', {
        env: {
          ...env,
          JWT_PRIVATE_KEY_FILE: privateFile,
          ADMIN_EMAIL,
          ADMIN_PASSWORD,
        },
        timeoutMs: 240_000,
      }),
      startApp('booking-service', {
        env: { ...env, JWT_PUBLIC_KEY_FILE: publicFile },
        timeoutMs: 240_000,
      }),
    ]);
    await Promise.all([waitUntilHealthy(users), waitUntilHealthy(bookings)]);
    adminToken = await logInWhenReady(api(users.url), {
      email: ADMIN_EMAIL,
      password: ADMIN_PASSWORD,
    });
    adminId = (jwt.decode(adminToken) as { sub: string }).sub;
  }, 400_000);

  afterAll(async () => {
    await Promise.all([users?.stop(), bookings?.stop()]);
    await redis?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const statusOn = async (app: AppProcess, token: string) =>
    (await api(app.url).get(ADMIN_ROUTE, { token })).status;

  it('issues ES256 tokens with iss, aud and exp that every service accepts', async () => {
    const { header, payload } = jwt.decode(adminToken, { complete: true })!;

    expect(header.alg).toBe('ES256');
    expect(payload).toMatchObject({
      iss: ISSUER,
      aud: AUDIENCE,
      exp: expect.any(Number),
    });
    expect(await statusOn(users, adminToken)).toBe(200);
    expect(await statusOn(bookings, adminToken)).toBe(200);
  });

  const forged: Record<string, () => string> = {
    'an expired token': () =>
      signed({ issuer: ISSUER, audience: AUDIENCE, expiresIn: -60 }),
    'a token without exp': () => signed({ issuer: ISSUER, audience: AUDIENCE }),
    'a token of another issuer': () =>
      signed({ issuer: 'someone-else', audience: AUDIENCE, expiresIn: 600 }),
    'a token for another audience': () =>
      signed({ issuer: ISSUER, audience: 'another-app', expiresIn: 600 }),
    'an unsigned token (alg none)': () =>
      `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({
        ...claims(),
        iss: ISSUER,
        aud: AUDIENCE,
        exp: Math.floor(Date.now() / 1000) + 600,
      })}.`,
    'a token with its signature cut off': () =>
      adminToken.slice(0, adminToken.lastIndexOf('.') + 1),
    'a token signed with the old shared secret': () =>
      jwt.sign(claims(), OLD_SECRET, {
        algorithm: 'HS256',
        issuer: ISSUER,
        audience: AUDIENCE,
        expiresIn: 600,
      }),
    'a token whose payload was changed': () => {
      const [header, , signature] = adminToken.split('.');
      const payload = jwt.decode(adminToken) as Record<string, unknown>;
      return `${header}.${base64url({ ...payload, sub: randomUUID() })}.${signature}`;
    },
  };

  it.each(Object.keys(forged))(
    'answers 401 to %s on every service',
    async (name) => {
      const token = forged[name]();

      expect(await statusOn(users, token)).toBe(401);
      expect(await statusOn(bookings, token)).toBe(401);
    },
  );
});

/** The Docker image sets NODE_ENV=production; example secrets must not run. */
describe('production start-up (e2e, real process)', () => {
  it('stops with one line when the .env.example secrets are used', async () => {
    const main = join(
      process.cwd(),
      'dist/apps/user-service/apps/user-service/src/main.js',
    );
    const dataDir = mkdtempSync(join(tmpdir(), 'e2e-production-'));
    const child = spawn(process.execPath, [main], {
      cwd: dataDir,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        DATA_DIR: dataDir,
        // What a copy of .env.example says.
        JWT_SECRET: 'change-me-to-a-long-random-string',
        ADMIN_EMAIL: 'admin@example.com',
        ADMIN_PASSWORD: 'change-me',
        EVENT_BUS_REDIS_URL: 'redis://127.0.0.1:1',
        PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);

    const code = await new Promise<number | null>((resolve) =>
      child.once('exit', resolve),
    );
    clearTimeout(timer);
    rmSync(dataDir, { recursive: true, force: true });

    const lines = output.trim().split('\n');
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('Invalid configuration');
    expect(lines[0]).toContain('JWT_SECRET must not be the .env.example value');
    expect(lines[0]).toContain(
      'ADMIN_PASSWORD must not be the .env.example value',
    );
    expect(lines[0]).not.toContain('change-me');
  }, 90_000);
});
