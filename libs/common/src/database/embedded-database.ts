import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import type { PGlite } from '@electric-sql/pglite';

/**
 * PostgreSQL settings of the embedded database. PGlite runs one backend in
 * the process, yet initdb sizes it like a server: 128 MB of shared_buffers
 * (zeroed, so resident, inside the WASM heap) and shared memory for 100
 * connections, 10 WAL senders and 10 replication slots. These sizes keep a
 * service's data in its buffers and take about a tenth of that.
 */
export const EMBEDDED_POSTGRES_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: '16MB',
  wal_buffers: '512kB',
  max_connections: '4',
  autovacuum_worker_slots: '1',
  max_wal_senders: '0',
  max_replication_slots: '0',
};

/**
 * V8 flag for PGlite's WASM: Liftoff, the baseline compiler, only. By default
 * V8 also recompiles every hot function of the 9 MB Postgres module with
 * TurboFan in background threads, which leaves about 70 MB resident for no
 * measurable gain on this workload (each query's cost is in the protocol and
 * the file system, not in WASM code).
 */
const WASM_FLAGS = ['--liftoff-only'];

/** Thrown when the embedded database cannot be created in its folder. */
export class EmbeddedDatabaseInitError extends Error {
  constructor(dataDir: string, reason: string) {
    super(`Cannot create the embedded database in ${dataDir}: ${reason}`);
    this.name = EmbeddedDatabaseInitError.name;
  }
}

const settingArguments = Object.entries(EMBEDDED_POSTGRES_SETTINGS).flatMap(
  ([name, value]) => ['-c', `${name}=${value}`],
);

/** Creates the database in `dataDir` (initdb), then closes it. */
const CREATE_SCRIPT = `
const [pglitePath, dataDir, options] = process.argv.slice(1);
const { PGlite } = require(pglitePath);
PGlite.create(dataDir, JSON.parse(options))
  .then((db) => db.close())
  .catch((error) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
`;

function pgliteOptions(
  defaultStartParams: readonly string[],
): Record<string, string[]> {
  return {
    // Command-line settings win over postgresql.conf, so folders created
    // before these settings existed get them too.
    startParams: [...defaultStartParams, ...settingArguments],
    // Written into postgresql.conf, and initdb itself runs with them.
    initDbStartParams: settingArguments,
  };
}

/**
 * Runs initdb in a short-lived child process. In this process it would leave
 * a second PGlite instance, a 128 MB copy of its heap and the data folder's
 * tarball behind (over 400 MB) until a full garbage collection that an idle
 * service may never run; the child gives all of it back when it exits.
 */
async function createInChildProcess(
  dataDir: string,
  options: Record<string, string[]>,
): Promise<void> {
  const pglitePath = createRequire(import.meta.url).resolve(
    '@electric-sql/pglite',
  );
  try {
    await promisify(execFile)(
      process.execPath,
      [
        ...WASM_FLAGS,
        '-e',
        CREATE_SCRIPT,
        pglitePath,
        dataDir,
        JSON.stringify(options),
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    const reason = stderr?.trim() || message;
    throw new EmbeddedDatabaseInitError(dataDir, reason.replace(/\s+/g, ' '));
  }
}

let wasmFlagsSet = false;

/**
 * Opens the PGlite database stored in `dataDir` (an existing folder),
 * creating it first if it holds no database yet.
 */
export async function openEmbeddedDatabase(dataDir: string): Promise<PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  const options = pgliteOptions(PGlite.defaultStartParams);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await createInChildProcess(dataDir, options);
  }
  if (!wasmFlagsSet) {
    // Read when the module is compiled, which PGlite.create does next.
    setFlagsFromString(WASM_FLAGS.join(' '));
    wasmFlagsSet = true;
  }
  return PGlite.create(dataDir, options);
}
