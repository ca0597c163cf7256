import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };
const STREAM = 'eventbus:stream:user.registered';
const GROUP = 'notification-service';

/**
 * Durable delivery between real processes: notification-service consumes
 * user-service's events through its consumer group, so downtime, several
 * instances and crashed instances lose nothing and duplicate nothing.
 */
describe('no event lost between services', () => {
  let redis: RedisServer;
  let userService: AppProcess;
  let users: Api;
  let adminToken: string;
  let env: Record<string, string>;
  const running = new Set<AppProcess>();
  const dataDirs: string[] = [];

  async function startNotifications(dataDir: string): Promise<AppProcess> {
    const app = await startApp('notification-service', {
      env: { ...env, DATA_DIR: dataDir },
    });
    running.add(app);
    await waitUntilHealthy(app);
    return app;
  }

  async function stop(app: AppProcess, signal?: NodeJS.Signals): Promise<void> {
    if (signal) {
      app.kill(signal);
      await app.exited;
    } else {
      await app.stop();
    }
    running.delete(app);
  }

  const newDataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-notifications-'));
    dataDirs.push(dir);
    return dir;
  };

  async function register(count: number, tag: string): Promise<string[]> {
    const emails = Array.from(
      { length: count },
      (_, i) => `${tag}-${i}-${randomUUID()}@example.com`,
    );
    for (let i = 0; i < emails.length; i += 10) {
      const statuses = await Promise.all(
        emails.slice(i, i + 10).map(async (email) => {
          const response = await users.post('/users', {
            email,
            password: 'a-good-password',
            name: 'Ada',
            role: 'customer',
          });
          return response.status;
        }),
      );
      expect(statuses.every((status) => status === 201)).toBe(true);
    }
    return emails;
  }

  /** Verification e-mails per address, summed over the given instances. */
  async function verificationCounts(
    instances: AppProcess[],
    emails: string[],
  ): Promise<number[]> {
    return Promise.all(
      emails.map(async (email) => {
        let count = 0;
        for (const instance of instances) {
          const response = await api(instance.url).get<{
            items: Array<{ template: string }>;
          }>(`/notifications?to=${encodeURIComponent(email)}`, {
            token: adminToken,
          });
          count += response.body.items.filter(
            (n) => n.template === 'verify-email',
          ).length;
        }
        return count;
      }),
    );
  }

  const sentBy = (instance: AppProcess, emails: string[]) =>
    emails.filter((email) =>
      instance.logs().includes(`verify-email to ${email}`),
    ).length;

  beforeAll(async () => {
    redis = await startRedisServer({ appendOnly: true });
    env = {
      EVENT_BUS_REDIS_URL: redis.url,
      JWT_SECRET: `e2e-${randomUUID()}`,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      EVENT_BUS_CLAIM_IDLE_MS: '2000',
    };
    userService = await startApp('user-service', { env });
    users = api(userService.url);
    adminToken = await logInWhenReady(users, ADMIN, 30_000);
  });

  afterAll(async () => {
    await Promise.all([...running].map((app) => app.stop()));
    await userService?.stop();
    await redis?.kill();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers what was published while notification-service was down, each once', async () => {
    const dataDir = newDataDir();
    const first = await startNotifications(dataDir);
    await stop(first);

    const emails = await register(50, 'down');
    const restarted = await startNotifications(dataDir);

    await waitFor(
      async () =>
        (await verificationCounts([restarted], emails)).every(
          (count) => count >= 1,
        ),
      {
        timeoutMs: 60_000,
        intervalMs: 500,
        message: '50 verification e-mails after the restart',
      },
    );
    expect(await verificationCounts([restarted], emails)).toEqual(
      emails.map(() => 1),
    );
    await stop(restarted);
  });

  it('shares the work between two instances: 100 registrations, 100 e-mails', async () => {
    const a = await startNotifications(newDataDir());
    const b = await startNotifications(newDataDir());

    const emails = await register(100, 'scaled');

    await waitFor(
      async () =>
        (await verificationCounts([a, b], emails)).every((count) => count >= 1),
      {
        timeoutMs: 60_000,
        intervalMs: 500,
        message: '100 verification e-mails',
      },
    );
    expect(await verificationCounts([a, b], emails)).toEqual(
      emails.map(() => 1),
    );
    expect(sentBy(a, emails) + sentBy(b, emails)).toBe(100);
    expect(sentBy(a, emails)).toBeGreaterThan(0);
    expect(sentBy(b, emails)).toBeGreaterThan(0);
    await Promise.all([stop(a), stop(b)]);
  });

  it('restarting Redis while users register loses none of their events', async () => {
    const notifications = await startNotifications(newDataDir());
    const accepted: string[] = [];
    let stopAt = 0;
    const registering = (async () => {
      for (let i = 0; i < 40; i++) {
        const email = `outage-${i}-${randomUUID()}@example.com`;
        const response = await users
          .post('/users', {
            email,
            password: 'a-good-password',
            name: 'Ada',
            role: 'customer',
          })
          .catch(() => undefined);
        if (response?.status === 201) accepted.push(email);
        if (i === 10) stopAt = accepted.length;
      }
    })();
    await waitFor(() => accepted.length >= 10, {
      message: 'registrations under way',
    });
    await redis.stop();
    await waitFor(() => accepted.length >= stopAt + 5, {
      timeoutMs: 30_000,
      message: 'registrations accepted while Redis is down',
    });
    await redis.start();
    await registering;

    expect(accepted.length).toBe(40);
    await waitFor(
      async () =>
        (await verificationCounts([notifications], accepted)).every(
          (count) => count >= 1,
        ),
      {
        timeoutMs: 90_000,
        intervalMs: 1_000,
        message: 'an e-mail for every 201',
      },
    );
    expect(await verificationCounts([notifications], accepted)).toEqual(
      accepted.map(() => 1),
    );
    expect(userService.logs()).toContain('events wait for it until it returns');
    await stop(notifications);
  });

  it('delivers the event of a write whose process died before publishing it', async () => {
    const notifications = await startNotifications(newDataDir());
    const dataDir = newDataDir();
    // A Redis that is down: the write commits with its event in the outbox,
    // and the process is killed before the event could go anywhere.
    const unreachable = await startRedisServer();
    await unreachable.stop();
    const doomed = await startApp('user-service', {
      env: { ...env, EVENT_BUS_REDIS_URL: unreachable.url, DATA_DIR: dataDir },
    });
    const email = `crash-${randomUUID()}@example.com`;
    const created = await api(doomed.url).post('/users', {
      email,
      password: 'a-good-password',
      name: 'Ada',
      role: 'customer',
    });
    expect(created.status).toBe(201);
    doomed.kill('SIGKILL');
    await doomed.exited;
    await unreachable.kill();

    const restarted = await startApp('user-service', {
      env: { ...env, DATA_DIR: dataDir },
    });
    running.add(restarted);

    await waitFor(
      async () => (await verificationCounts([notifications], [email]))[0] === 1,
      {
        timeoutMs: 60_000,
        intervalMs: 500,
        message: 'the verification e-mail of the write made before the crash',
      },
    );
    await stop(restarted);
    await stop(notifications);
  });

  it('takes over what a crashed instance left pending, and handles it once', async () => {
    const dataDir = newDataDir();
    const survivor = await startNotifications(dataDir);
    await stop(survivor);
    const raw = new Redis(redis.url);
    const before = await raw.xlen(STREAM);
    const emails = await register(10, 'crashed');
    // The events leave user-service's outbox just after each 201.
    await waitFor(async () => (await raw.xlen(STREAM)) >= before + 10, {
      message: 'the ten events in the stream',
    });
    // An instance of the group takes every entry, then dies without acking.
    await raw.xreadgroup(
      'GROUP',
      GROUP,
      'crashed-instance',
      'COUNT',
      1000,
      'STREAMS',
      STREAM,
      '>',
    );
    const [pendingBefore] = (await raw.xpending(STREAM, GROUP)) as [number];
    expect(pendingBefore).toBeGreaterThanOrEqual(10);

    const second = await startNotifications(dataDir);
    // And a real instance killed with SIGKILL in the middle of a burst.
    const victim = await startNotifications(newDataDir());
    const burst = register(20, 'burst');
    await waitFor(() => victim.logs().includes('verify-email to burst-'), {
      timeoutMs: 30_000,
      message: 'the victim handling the burst',
    });
    await stop(victim, 'SIGKILL');
    const burstEmails = await burst;

    const pending = async () =>
      ((await raw.xpending(STREAM, GROUP)) as [number])[0];
    await waitFor(
      async () =>
        (await verificationCounts([second], emails)).every(
          (count) => count === 1,
        ) && (await pending()) === 0,
      {
        timeoutMs: 60_000,
        intervalMs: 500,
        message: 'the crashed entries reclaimed and handled',
      },
    );
    expect(second.logs()).toContain('Reclaimed');
    // Each burst e-mail was stored by the victim before it died, or by the
    // survivor (BullMQ hands a job the victim held back after it stalls).
    // Both only when the victim stored it and was killed before BullMQ
    // marked that job completed: the survivor runs the same job again, and
    // the two instances' own databases cannot see each other's row
    // (instances that share one, as in production, store it once). The
    // event itself is handled once: one job per e-mail, never two.
    const jobOf = (logs: string, email: string) =>
      new RegExp(
        `verify-email to ${email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} recorded \\(job ([^,]+),`,
      ).exec(logs)?.[1];
    const storedByVictim = (email: string) =>
      jobOf(victim.logs(), email) !== undefined;
    const survivorCounts = await waitFor(
      async () => {
        const counts = await verificationCounts([second], burstEmails);
        const stored = burstEmails.every(
          (email, i) => counts[i] + (storedByVictim(email) ? 1 : 0) >= 1,
        );
        return stored && counts;
      },
      {
        timeoutMs: 90_000,
        intervalMs: 1_000,
        message: 'every burst e-mail stored',
      },
    );
    expect(survivorCounts.every((count) => count <= 1)).toBe(true);
    for (const [i, email] of burstEmails.entries()) {
      if (survivorCounts[i] === 1 && storedByVictim(email)) {
        expect(jobOf(second.logs(), email)).toBe(jobOf(victim.logs(), email));
      }
    }
    await raw.quit();
  });
});
