import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { recordProcess } from './process-registry.js';
import { waitFor } from './wait-for.js';

/** Options for {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Turn on the append-only file so data survives `stop()` / `start()`. */
  appendOnly?: boolean;
  /** How long to wait for PING after a start (default 10 000 ms). */
  timeoutMs?: number;
  /** More configuration, e.g. `['--stream-node-max-entries', '1']`. */
  extraArgs?: string[];
  /**
   * Serve TLS only (no plain port) with this certificate; the URL becomes
   * `rediss://` and clients must trust `caFile`.
   */
  tls?: { certFile: string; keyFile: string; caFile: string };
}

/** A private redis-server started by {@link startRedisServer}. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` (`rediss://` with `tls`) */
  readonly url: string;
  readonly port: number;
  /** Its working directory (AOF files live here). */
  readonly dir: string;
  /** Starts it again on the same port and directory; resolves on PING. */
  start(): Promise<void>;
  /** Shuts it down gracefully (SIGTERM flushes the AOF) and waits for exit. */
  stop(): Promise<void>;
  /** Final cleanup: stops it if running (SIGKILL) and removes its directory. */
  kill(): Promise<void>;
}

/**
 * Starts a private `redis-server` (from PATH) on a free port with its own
 * temporary directory and no RDB snapshots, and resolves once it answers
 * PING. Tests use a real server, never a mock; each test file gets its own,
 * so files cannot disturb each other. Always call `kill()` in `afterAll`.
 *
 * @example
 * const redis = await startRedisServer({ appendOnly: true });
 * await redis.stop(); // simulate an outage
 * await redis.start(); // same port, same data
 * await redis.kill();
 */
export async function startRedisServer(
  options: RedisServerOptions = {},
): Promise<RedisServer> {
  const {
    appendOnly = false,
    timeoutMs = 10_000,
    extraArgs = [],
    tls,
  } = options;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'e2e-redis-'));
  const url = `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`;
  const listenArgs = tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        tls.certFile,
        '--tls-key-file',
        tls.keyFile,
        '--tls-ca-cert-file',
        tls.caFile,
        '--tls-auth-clients',
        'no',
      ]
    : ['--port', String(port)];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<void> {
    if (child)
      throw new Error(`redis-server on port ${port} is already running`);
    let output = '';
    const proc = spawn(
      'redis-server',
      [
        ...listenArgs,
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        appendOnly ? 'yes' : 'no',
        '--daemonize',
        'no',
        ...extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    recordProcess(proc, `redis-server on port ${port} (${dir})`);
    const onData = (chunk: Buffer) => (output += chunk.toString());
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    let failure: string | undefined;
    exited = new Promise((resolve) => {
      proc.once('error', (error: NodeJS.ErrnoException) => {
        failure =
          error.code === 'ENOENT'
            ? 'redis-server is not on PATH (run scripts/ensure-redis.sh)'
            : error.message;
        if (child === proc) child = undefined;
        resolve();
      });
      proc.once('exit', (code, signal) => {
        failure ??= `redis-server exited (${signal ?? code}):\n${output}`;
        if (child === proc) child = undefined;
        resolve();
      });
    });
    const state = await waitFor(
      async () =>
        failure ? 'failed' : (await ping(port, tls?.caFile)) && 'up',
      { timeoutMs, intervalMs: 50, message: `redis-server PING on ${port}` },
    ).catch(async (error: unknown) => {
      await stop();
      throw error;
    });
    if (state === 'failed') throw new Error(failure);
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (!proc) return;
    const killTimer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    proc.kill('SIGTERM');
    await exited;
    clearTimeout(killTimer);
  }

  async function kill(): Promise<void> {
    child?.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }

  await start().catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return { url, port, dir, start, stop, kill };
}

/**
 * True when a server on `port` answers PING, or refuses it for want of
 * credentials (`--aclfile`, `--requirepass`): either way it is up. False on
 * any other error.
 */
async function ping(port: number, tlsCaFile?: string): Promise<boolean> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    ...(tlsCaFile && { tls: { ca: readFileSync(tlsCaFile) } }),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectTimeout: 1_000,
    // Its INFO would fail on a server that wants credentials; PING says it all.
    enableReadyCheck: false,
  });
  client.on('error', () => undefined); // failures are the answer, not noise
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch (error) {
    return error instanceof Error && /^NOAUTH/.test(error.message);
  } finally {
    // ioredis arms a 2 s timer when disconnecting an already closed client,
    // which would keep Jest alive after the tests.
    if (client.status !== 'end') client.disconnect();
  }
}
