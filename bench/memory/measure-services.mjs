#!/usr/bin/env node
// Resident memory of the four built services, idle, on the embedded PGlite
// database and on PostgreSQL. Run `npm run build` first, then:
//
//   node bench/memory/measure-services.mjs [--db pglite,postgres]
//     [--services user-service,booking-service,...] [--idle-seconds 15]
//     [--load-seconds 0] [--json out.json]
//
// Each service is started alone as `node dist/apps/<svc>/.../main.js` with the
// environment the e2e tests give it (test/support/app-process.ts), against a
// private redis-server. On PGlite it starts twice on the same DATA_DIR: the
// first start creates the database (initdb), the restart opens it. On
// PostgreSQL it gets a database of its own (TEST_DATABASE_URL's server,
// default postgres://postgres:postgres@127.0.0.1:5432/postgres), dropped at
// the end. "idle" is the resident set (VmRSS, plus any child process the
// service keeps) after --idle-seconds without requests; "peak" is the highest
// sample from start to the end of that wait. With --load-seconds, the
// user-service also gets POST /users from 10 concurrent clients for that long
// and is sampled during the load and again after --idle-seconds of rest.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const ALL_SERVICES = [
  'user-service',
  'booking-service',
  'scheduler-service',
  'notification-service',
];
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'pglite,postgres' },
    services: { type: 'string', default: ALL_SERVICES.join(',') },
    'idle-seconds': { type: 'string', default: '15' },
    'load-seconds': { type: 'string', default: '0' },
    json: { type: 'string' },
  },
});
const idleMs = Number(args['idle-seconds']) * 1000;
const loadMs = Number(args['load-seconds']) * 1000;
const adminUrl =
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres:postgres@127.0.0.1:5432/postgres';
const ADMIN = { email: 'admin@example.com', password: 'bench-admin-password' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mb = (kb) => Math.round(kb / 1024);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** VmRSS in kB of a process and of every process below it. */
function treeRssKb(rootPid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0;
  const pending = [rootPid];
  while (pending.length) {
    const pid = pending.pop();
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      continue;
    }
    pending.push(...(children.get(pid) ?? []));
  }
  return total;
}

async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-mem-redis-'));
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) throw new Error('redis-server did not start');
    await sleep(100);
  }
  return {
    url,
    stop: () => {
      proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function withAdmin(fn) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function startService(name, env) {
  const main = join(repoRoot, 'dist/apps', name, 'apps', name, 'src/main.js');
  if (!existsSync(main))
    throw new Error(`${main} is missing: run "npm run build" first`);
  const port = await freePort();
  const { PATH, HOME, TMPDIR } = process.env;
  const started = Date.now();
  const child = spawn(process.execPath, [main], {
    cwd: repoRoot,
    env: { PATH, HOME, TMPDIR, ...env, PORT: String(port), NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let peakKb = 0;
  const sampler = setInterval(
    () => (peakKb = Math.max(peakKb, treeRssKb(child.pid))),
    250,
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited:\n${output.slice(-3000)}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${name} not healthy in time:\n${output.slice(-3000)}`);
    await sleep(200);
  }
  const coldStartMs = Date.now() - started;
  return {
    url,
    coldStartMs,
    rssKb: () => treeRssKb(child.pid),
    peakKb: () => peakKb,
    async stop() {
      clearInterval(sampler);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** POST /users from 10 concurrent clients for `ms`; returns peak RSS and counts. */
async function loadUsers(app, ms) {
  const login = await fetch(`${app.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  const { accessToken } = await login.json();
  let peakKb = 0;
  let ok = 0;
  let failed = 0;
  const sampler = setInterval(
    () => (peakKb = Math.max(peakKb, app.rssKb())),
    250,
  );
  const end = Date.now() + ms;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (Date.now() < end) {
        const res = await fetch(`${app.url}/users`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${accessToken}`,
          },
          body: JSON.stringify({
            email: `load-${randomUUID()}@example.com`,
            password: 'a-good-password',
            name: 'Load',
          }),
        });
        await res.arrayBuffer();
        if (res.status === 201) ok++;
        else failed++;
      }
    }),
  );
  clearInterval(sampler);
  return { peakKb, ok, failed };
}

async function measure(name, env, label) {
  const app = await startService(name, env);
  try {
    await sleep(idleMs);
    const row = {
      service: name,
      db: label,
      coldStartMs: app.coldStartMs,
      idleMb: mb(app.rssKb()),
      peakMb: mb(app.peakKb()),
    };
    if (loadMs > 0 && name === 'user-service') {
      const load = await loadUsers(app, loadMs);
      row.loadPeakMb = mb(load.peakKb);
      row.loadRequests = `${load.ok} ok / ${load.failed} failed`;
      await sleep(idleMs);
      row.afterLoadIdleMb = mb(app.rssKb());
    }
    return row;
  } finally {
    await app.stop();
  }
}

const redis = await startRedis();
const rows = [];
try {
  for (const db of args.db.split(',')) {
    for (const name of args.services.split(',')) {
      const env = {
        EVENT_BUS_REDIS_URL: redis.url,
        JWT_SECRET: `bench-${randomUUID()}`,
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        DEFAULT_HOURLY_RATE: '50',
      };
      if (db === 'pglite') {
        const dir = mkdtempSync(join(tmpdir(), `bench-mem-${name}-`));
        try {
          env.DATA_DIR = join(dir, 'data');
          rows.push(await measure(name, env, 'pglite, first start'));
          rows.push(await measure(name, env, 'pglite, restart'));
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      } else if (db === 'postgres') {
        const database = `bench_mem_${randomUUID().replace(/-/g, '')}`;
        await withAdmin((c) => c.query(`create database ${database}`));
        try {
          const url = new URL(adminUrl);
          url.pathname = `/${database}`;
          env.DATABASE_URL = url.toString();
          rows.push(await measure(name, env, 'postgres'));
        } finally {
          await withAdmin((c) =>
            c.query(`drop database if exists ${database} with (force)`),
          );
        }
      } else {
        throw new Error(`unknown --db ${db}`);
      }
      console.error(JSON.stringify(rows.at(-1)));
    }
  }
} finally {
  redis.stop();
}

const extra = loadMs > 0;
const header = [
  'service',
  'database',
  'cold start (s)',
  'idle RSS (MB)',
  'peak RSS to idle (MB)',
  ...(extra ? ['load peak (MB)', 'idle after load (MB)', 'load requests'] : []),
];
const lines = [
  `| ${header.join(' | ')} |`,
  `|${header.map(() => '---').join('|')}|`,
];
for (const r of rows) {
  const cells = [
    r.service,
    r.db,
    (r.coldStartMs / 1000).toFixed(1),
    r.idleMb,
    r.peakMb,
  ];
  if (extra)
    cells.push(
      r.loadPeakMb ?? '',
      r.afterLoadIdleMb ?? '',
      r.loadRequests ?? '',
    );
  lines.push(`| ${cells.join(' | ')} |`);
}
console.log(
  `Node ${process.version}, idle ${idleMs / 1000} s, ${new Date().toISOString()}\n`,
);
console.log(lines.join('\n'));
if (args.json) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    args.json,
    JSON.stringify(
      { node: process.version, idleSeconds: idleMs / 1000, rows },
      null,
      2,
    ),
  );
}
