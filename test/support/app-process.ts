import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { recordProcess } from './process-registry.js';
import { waitFor } from './wait-for.js';

export { freePort } from './free-port.js';

/** The four apps of the monorepo, as named in nest-cli.json. */
export type AppName =
  | 'user-service'
  | 'booking-service'
  | 'scheduler-service'
  | 'notification-service';

/** Options for {@link startApp}. */
export interface StartAppOptions {
  /**
   * Environment of the app on top of PATH, HOME, TMPDIR, PORT,
   * NODE_ENV=test and a public rate limit no test meets. Nothing else leaks in from the test runner's environment,
   * so a developer's shell cannot change what a test sees. DATA_DIR defaults
   * to a fresh temporary folder, deleted when the process exits: pass your
   * own DATA_DIR to restart an app on the same data.
   */
  env?: Record<string, string | undefined>;
  /** Port to listen on (default: a free one). */
  port?: number;
  /** How long to wait for `GET /health` to answer (default 180 000 ms). */
  timeoutMs?: number;
}

/** How a process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A built app running as a child process, started by {@link startApp}. */
export interface AppProcess {
  readonly name: AppName;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Folder holding `app.log` (kept) and the default DATA_DIR (deleted on exit). */
  readonly dir: string;
  /** Resolves when the process has exited, however it ended. */
  readonly exited: Promise<ExitInfo>;
  /** Everything the app wrote to stdout and stderr so far. */
  logs(): string;
  /** SIGTERM (graceful shutdown), SIGKILL after 10 s; resolves on exit. */
  stop(): Promise<ExitInfo>;
  /** Sends a signal (default SIGKILL, a crash); await `exited` if needed. */
  kill(signal?: NodeJS.Signals): void;
}

/** `RATE_LIMIT_PUBLIC_PER_MINUTE` of test apps unless a test sets its own. */
export const TEST_PUBLIC_RATE_LIMIT = '1000000';

/** The checkout: also found from a compiled copy (the bench runs one from dist/bench). */
const repoRoot = (() => {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  while (!existsSync(join(dir, 'nest-cli.json')) && dirname(dir) !== dir) {
    dir = dirname(dir);
  }
  return dir;
})();

/**
 * Starts the built app `dist/apps/<name>/apps/<name>/src/main.js` (run
 * `npm run build` first) from the repo root and resolves once `GET /health`
 * answers with any HTTP status. Rejects with the last 50 log lines if the
 * process exits or the deadline passes first. Always `stop()` it in
 * `afterAll`.
 *
 * @example
 * const users = await startApp('user-service', {
 *   env: { EVENT_BUS_REDIS_URL: redis.url, JWT_SECRET: 'test-secret' },
 * });
 */
export async function startApp(
  name: AppName,
  options: StartAppOptions = {},
): Promise<AppProcess> {
  const main = join(repoRoot, 'dist/apps', name, 'apps', name, 'src/main.js');
  if (!existsSync(main)) {
    throw new Error(`${main} is missing: run "npm run build" first`);
  }
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), `e2e-${name}-`));
  const { PATH, HOME, TMPDIR } = process.env;
  const child = spawn(process.execPath, [main], {
    cwd: repoRoot,
    env: {
      PATH,
      HOME,
      TMPDIR,
      DATA_DIR: join(dir, 'data'),
      // Every test client is 127.0.0.1: the public per-client limit would
      // stop tests that register and log in in bulk.
      RATE_LIMIT_PUBLIC_PER_MINUTE: TEST_PUBLIC_RATE_LIMIT,
      ...options.env,
      PORT: String(port),
      NODE_ENV: 'test',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  recordProcess(child, `${name} on port ${port} (${dir})`);

  let output = '';
  const logFile = createWriteStream(join(dir, 'app.log'));
  const capture = (chunk: Buffer) => {
    output += chunk.toString();
    logFile.write(chunk);
  };
  child.stdout.on('data', capture);
  child.stderr.on('data', capture);

  let hasExited = false;
  const exited = new Promise<ExitInfo>((resolveExit) => {
    child.once('exit', (code, signal) => {
      hasExited = true;
      logFile.end();
      // An embedded database weighs tens of MB; the small log stays.
      rmSync(join(dir, 'data'), { recursive: true, force: true });
      resolveExit({ code, signal });
    });
  });
  const tail = () => output.trimEnd().split('\n').slice(-50).join('\n');

  const stop = async (): Promise<ExitInfo> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const info = await exited;
    clearTimeout(timer);
    return info;
  };

  const timeoutMs = options.timeoutMs ?? 180_000;
  const state = await waitFor(
    async () =>
      hasExited ? 'exited' : (await answers(`${url}/health`)) && 'up',
    { timeoutMs, intervalMs: 100 },
  ).catch(async () => {
    await stop();
    throw new Error(
      `${name} did not answer GET /health on ${url} within ${timeoutMs} ms. Last log lines:\n${tail()}`,
    );
  });
  if (state === 'exited') {
    const { code, signal } = await exited;
    throw new Error(
      `${name} exited (${signal ?? code}) before answering GET /health. Last log lines:\n${tail()}`,
    );
  }

  return {
    name,
    url,
    port,
    pid: child.pid!,
    dir,
    exited,
    logs: () => output,
    stop,
    kill: (signal = 'SIGKILL') => void child.kill(signal),
  };
}

/** True when something answers HTTP at `url`, whatever the status. */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) }).then((r) =>
      r.body?.cancel(),
    );
    return true;
  } catch {
    return false;
  }
}
