import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import {
  PID_DIR_VARIABLE,
  reapProcesses,
  recordProcess,
  startReaper,
} from './process-registry.js';
import { startRedisServer } from './redis-server.js';
import { waitFor } from './wait-for.js';

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

/** A record's text; empty when its process exited meanwhile. */
function contentOf(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** A redis-server nobody stops: what a forgetful test leaves behind. */
async function forgottenRedis(dir: string): Promise<ChildProcess> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--daemonize', 'no'],
    { stdio: 'ignore' },
  );
  recordProcess(child, `forgotten redis-server on ${port}`, dir);
  return child;
}

describe('process registry (test support)', () => {
  let dir: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'e2e-pids-test-'));
  });

  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('records the servers of the suite while they run (this run has a folder)', async () => {
    const runDir = process.env[PID_DIR_VARIABLE];
    expect(runDir).toEqual(expect.any(String));
    // Other files run at the same time: look for this server's record only.
    const recordsOf = (port: number) =>
      readdirSync(runDir!).filter((file) =>
        contentOf(join(runDir!, file)).includes(
          `redis-server on port ${port} `,
        ),
      ).length;
    const redis = await startRedisServer();
    try {
      expect(recordsOf(redis.port)).toBe(1);
    } finally {
      await redis.kill();
    }
    // Stopped servers are no longer recorded.
    await waitFor(() => recordsOf(redis.port) === 0, {
      message: 'the stopped server unrecorded',
    });
  });

  it('kills a server a test left running and names it', async () => {
    const child = await forgottenRedis(dir);
    children.push(child);

    const result = reapProcesses(dir);

    expect(result).toEqual({
      left: [expect.stringMatching(/^forgotten redis-server on \d+$/)],
      alive: [],
    });
    await exited(child);
    expect(child.signalCode).toBe('SIGKILL');
  });

  it('leaves alone a process that is no longer the one recorded', async () => {
    const child = await forgottenRedis(dir);
    children.push(child);
    child.kill('SIGKILL');
    await exited(child);

    expect(reapProcesses(dir)).toEqual({ left: [], alive: [] });
  });

  it('kills what is left once the test runner dies without a teardown', async () => {
    // Stands for Jest, killed before its global teardown.
    const runner = spawn(process.execPath, [
      '-e',
      'setInterval(() => {}, 1e3)',
    ]);
    children.push(runner);
    startReaper(dir, runner.pid);
    const server = await forgottenRedis(dir);
    children.push(server);

    runner.kill('SIGKILL');

    await waitFor(() => server.signalCode === 'SIGKILL', {
      timeoutMs: 15_000,
      message: 'the forgotten server killed by the watchdog',
    });
  });
});
