import { execFile } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/** A private PostgreSQL server started by {@link startPostgresServer}. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication). */
  readonly url: string;
  readonly port: number;
  /** Starts it again on the same port and data; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it (fast shutdown: connections are cut), as an outage would. */
  stop(): Promise<void>;
  /** Final cleanup: stops it if running and removes its directory. */
  kill(): Promise<void>;
}

/**
 * Starts a private PostgreSQL server (initdb into a temporary directory, a
 * free port, `pg_ctl`), for tests that stop and start the database; never
 * the machine's shared server. PostgreSQL refuses to run as root, so as
 * root (CI) it runs as the `postgres` user, which owns the directory.
 * Always call `kill()` in `afterAll`.
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = await postgresBinDir();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'e2e-postgres-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const pg = (tool: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args])
      : run(join(bin, tool), args);
  const pgCtl = (...args: string[]) => pg('pg_ctl', ['-D', data, ...args]);
  let running = false;

  async function start(): Promise<void> {
    await pgCtl(
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    );
    running = true;
  }

  async function stop(): Promise<void> {
    if (!running) return;
    await pgCtl('-m', 'fast', '-w', 'stop');
    running = false;
  }

  async function kill(): Promise<void> {
    await stop().catch(() => pgCtl('-m', 'immediate', 'stop'));
    rmSync(dir, { recursive: true, force: true });
  }

  try {
    await pg('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    await start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    kill,
  };
}

/** `pg_config --bindir`, else the newest /usr/lib/postgresql/<version>/bin. */
async function postgresBinDir(): Promise<string> {
  try {
    const { stdout } = await run('pg_config', ['--bindir']);
    const bin = stdout.trim();
    if (existsSync(join(bin, 'pg_ctl'))) return bin;
  } catch {
    // No pg_config on PATH: look where Debian and Ubuntu install it.
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root).sort((a, b) => Number(b) - Number(a))
    : [];
  for (const version of versions) {
    const bin = join(root, version, 'bin');
    if (existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  throw new Error(
    'PostgreSQL server binaries (initdb, pg_ctl) not found: install PostgreSQL (scripts/ensure-postgres.sh)',
  );
}
