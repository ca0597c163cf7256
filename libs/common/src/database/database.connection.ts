import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import type { Database } from './database.types.js';
import { openEmbeddedDatabase } from './embedded-database.js';

export interface DatabaseConnectionOptions {
  /** The owning service; names the embedded folder and the migrations table. */
  service: string;
  /** PostgreSQL URL; when unset the embedded PGlite database is used. */
  databaseUrl?: string;
  /** Folder of the embedded database; default `.data/<service>`. */
  dataDir?: string;
  /** Folder of the Drizzle migrations (`drizzle-kit generate` output). */
  migrationsFolder: string;
}

export interface DatabaseConnection {
  db: Database;
  driver: 'postgres' | 'pglite';
  close(): Promise<void>;
}

/**
 * Opens the service's database and applies its migrations. Each service keeps
 * its own migrations table, so several services may share one PostgreSQL
 * database without their migration histories colliding. Each driver is
 * loaded only when used, so a service on PostgreSQL never loads PGlite.
 */
export async function openDatabase(
  options: DatabaseConnectionOptions,
): Promise<DatabaseConnection> {
  const migrationConfig = {
    migrationsFolder: options.migrationsFolder,
    migrationsSchema: 'drizzle',
    migrationsTable: `${options.service.replace(/\W/g, '_')}_migrations`,
  };
  if (options.databaseUrl) {
    const [{ default: pg }, { drizzle: drizzlePg }, { migrate: migratePg }] =
      await Promise.all([
        import('pg'),
        import('drizzle-orm/node-postgres'),
        import('drizzle-orm/node-postgres/migrator'),
      ]);
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: 10,
    });
    // An idle connection dropped by the server (a restart, a network cut)
    // is an 'error' of the pool: without a listener it would end the
    // process. The pool opens a new connection when one is needed.
    pool.on('error', (error: Error) =>
      new Logger('Database').warn(`Database connection lost: ${error.message}`),
    );
    const db = drizzlePg({ client: pool });
    try {
      await migratePg(db, migrationConfig);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return { db, driver: 'postgres', close: () => pool.end() };
  }
  const dataDir = resolve(options.dataDir ?? `.data/${options.service}`);
  await mkdir(dataDir, { recursive: true });
  const [{ drizzle: drizzlePglite }, { migrate: migratePglite }] =
    await Promise.all([
      import('drizzle-orm/pglite'),
      import('drizzle-orm/pglite/migrator'),
    ]);
  const client = await openEmbeddedDatabase(dataDir);
  const db = drizzlePglite({ client });
  try {
    await migratePglite(db, migrationConfig);
  } catch (error) {
    await client.close();
    throw error;
  }
  return { db, driver: 'pglite', close: () => client.close() };
}
