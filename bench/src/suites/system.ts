import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import {
  startApp,
  type AppName,
  type AppProcess,
} from '../../../test/support/app-process.js';
import { api } from '../../../test/support/http.js';
import {
  createTestDatabase,
  type TestDatabase,
} from '../../../test/support/postgres.js';
import {
  logInWhenReady,
  waitUntilHealthy,
} from '../../../test/support/service-readiness.js';
import { drive, now } from '../load.js';
import { percentiles, type Percentiles } from '../percentiles.js';

export const SERVICES: AppName[] = [
  'user-service',
  'booking-service',
  'scheduler-service',
  'notification-service',
];

export interface SystemSettings {
  /** Arrival rates of `POST /users`, lowest first, each tried for `stepSeconds`. */
  rates: number[];
  stepSeconds: number;
  /** Settling time before the idle measure. */
  idleSeconds: number;
  /** How long after the load the idle measure is taken again. */
  afterSeconds: number;
}

export interface LoadStep {
  ratePerSecond: number;
  /** Part of the e-mail addresses registered in this step. */
  tag: string;
  requests: number;
  created: number;
  failed: number;
  firstError?: string;
  /** The last response came back within the step plus 2 s, all 201. */
  held: boolean;
  httpLatencyMs: Percentiles;
  /** Registrations whose verification e-mail never appeared: must be 0. */
  lost: number;
}

export interface SystemResult {
  database: 'pglite' | 'postgres';
  coldStartMs: Record<string, number>;
  steps: LoadStep[];
  maxRateHeld: number;
  registrationToEmailMs: Percentiles & { samples: number };
  rssMiB: Record<string, { idle: number; load: number; idleAfter: number }>;
}

/** Four embedded databases starting at once on a busy 2-core machine take minutes. */
const START_TIMEOUT_MS = 600_000;

const ADMIN = { email: 'admin@example.com', password: 'bench-admin-password' };

/**
 * The four built services as processes on one Redis: cold start to a
 * healthy `/health`, resident memory idle, under `POST /users` load at
 * rising fixed arrival rates (until one is not held), and idle again after;
 * registration-to-verification-e-mail latency from the e-mails recorded.
 */
export async function runSystem(
  database: 'pglite' | 'postgres',
  redisUrl: string,
  settings: SystemSettings,
  log: (line: string) => void,
): Promise<SystemResult> {
  const databases: TestDatabase[] = [];
  const apps: AppProcess[] = [];
  try {
    const env = {
      EVENT_BUS_REDIS_URL: redisUrl,
      JWT_SECRET: `bench-${randomUUID()}`,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000',
    };
    const coldStartMs: Record<string, number> = {};
    await Promise.all(
      SERVICES.map(async (name) => {
        let databaseUrl: string | undefined = undefined;
        if (database === 'postgres') {
          const created = await createTestDatabase();
          databases.push(created);
          databaseUrl = created.url;
        }
        const started = Date.now();
        const app = await startApp(name, {
          env: { ...env, DATABASE_URL: databaseUrl },
          timeoutMs: START_TIMEOUT_MS,
        });
        apps.push(app);
        await waitUntilHealthy(app, START_TIMEOUT_MS);
        coldStartMs[name] = Date.now() - started;
      }),
    );
    log(`system (${database}) cold start: ${JSON.stringify(coldStartMs)}`);
    const byName = (name: AppName) => apps.find((app) => app.name === name)!;
    const users = api(byName('user-service').url);
    const notifications = api(byName('notification-service').url);
    const token = await logInWhenReady(users, ADMIN, 60_000);

    await sleep(settings.idleSeconds * 1_000);
    const idle = residentMiB(apps);

    const peak: Record<string, number> = {};
    const sampler = setInterval(() => {
      for (const [name, mib] of Object.entries(residentMiB(apps))) {
        peak[name] = Math.max(peak[name] ?? 0, mib);
      }
    }, 250);
    const steps: LoadStep[] = [];
    const sentAt = new Map<string, number>();
    try {
      for (const rate of settings.rates) {
        const step = await loadStep(
          byName('user-service').url,
          rate,
          settings.stepSeconds,
          sentAt,
        );
        steps.push(step);
        log(
          `system (${database}) ${rate}/s: ${step.created} created, ${step.failed} failed, held ${step.held}`,
        );
        if (!step.held) break;
      }
    } finally {
      clearInterval(sampler);
    }

    const { delays, missing } = await verificationDelays(
      notifications,
      token,
      sentAt,
    );
    for (const step of steps) {
      step.lost = missing.filter((email) => email.includes(step.tag)).length;
    }

    await sleep(settings.afterSeconds * 1_000);
    const after = residentMiB(apps);
    const rssMiB = Object.fromEntries(
      SERVICES.map((name) => [
        name,
        {
          idle: idle[name],
          load: Math.max(peak[name] ?? 0, idle[name]),
          idleAfter: after[name],
        },
      ]),
    );
    const held = steps.filter((step) => step.held);
    return {
      database,
      coldStartMs,
      steps,
      maxRateHeld: held.at(-1)?.ratePerSecond ?? 0,
      registrationToEmailMs: {
        ...percentiles(delays),
        samples: delays.length,
      },
      rssMiB,
    };
  } finally {
    await Promise.all(apps.map((app) => app.stop()));
    for (const app of apps) rmSync(app.dir, { recursive: true, force: true });
    await Promise.all(databases.map((db) => db.drop().catch(() => undefined)));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `POST /users` at a fixed arrival rate (open loop) for `seconds`. */
async function loadStep(
  baseUrl: string,
  rate: number,
  seconds: number,
  sentAt: Map<string, number>,
): Promise<LoadStep> {
  const count = Math.max(1, Math.round(rate * seconds));
  const latencies: number[] = [];
  let created = 0;
  const tag = randomUUID().slice(0, 8);
  const result = await drive(
    count,
    { kind: 'rate', perSecond: rate },
    async (seq) => {
      const email = `bench-${tag}-${seq}@example.com`;
      const start = now();
      const response = await fetch(new URL('/users', baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email,
          password: 'bench-password-1',
          name: 'Bench',
          role: 'customer',
        }),
        signal: AbortSignal.timeout(10_000),
      });
      await response.body?.cancel();
      latencies.push(now() - start);
      if (response.status !== 201) {
        throw new Error(`POST /users answered ${response.status}`);
      }
      created++;
      sentAt.set(email, start);
    },
  );
  return {
    ratePerSecond: rate,
    tag,
    requests: count,
    created,
    failed: result.failed,
    firstError: result.firstError,
    held:
      result.failed === 0 &&
      result.endAt - result.startAt <= (seconds + 2) * 1_000,
    httpLatencyMs: percentiles(latencies),
    lost: 0,
  };
}

/** Milliseconds from each registration to its recorded verification e-mail. */
async function verificationDelays(
  notifications: ReturnType<typeof api>,
  token: string,
  sentAt: Map<string, number>,
): Promise<{ delays: number[]; missing: string[] }> {
  const delays: number[] = [];
  const waiting = new Set(sentAt.keys());
  const deadline = Date.now() + 120_000;
  while (waiting.size > 0 && Date.now() < deadline) {
    for (const email of [...waiting]) {
      const response = await notifications.get<{
        items: Array<{ template: string; createdAt: string }>;
      }>(`/notifications?to=${encodeURIComponent(email)}`, { token });
      const mail = response.body?.items?.find(
        (item) => item.template === 'verify-email',
      );
      if (!mail) continue;
      waiting.delete(email);
      delays.push(Date.parse(mail.createdAt) - sentAt.get(email)!);
    }
    if (waiting.size > 0)
      await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { delays, missing: [...waiting] };
}

/** Resident memory of each app's process and its descendants, in MiB. */
function residentMiB(apps: AppProcess[]): Record<string, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // The process ended while we read.
    }
  }
  const rssKiB = (pid: number): number => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      return 0;
    }
  };
  const tree = (root: number): number[] => {
    const found = [root];
    for (const [pid, ppid] of parents) {
      if (ppid === root) found.push(...tree(pid));
    }
    return found;
  };
  return Object.fromEntries(
    apps.map((app) => [
      app.name,
      Math.round(
        tree(app.pid).reduce((sum, pid) => sum + rssKiB(pid), 0) / 1_024,
      ),
    ]),
  );
}
