import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * PostgreSQL server of the suite (scripts/ensure-postgres.sh provides one);
 * each test file works in a database of its own.
 */
export const TEST_DATABASE_ADMIN_URL =
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres:postgres@127.0.0.1:5432/postgres';

/** A fresh database created by {@link createTestDatabase}. */
export interface TestDatabase {
  /** Its connection URL, for `DATABASE_URL`. */
  readonly url: string;
  /** Drops it (closing whatever is still connected). Call in `afterAll`. */
  drop(): Promise<void>;
}

/** Creates an empty database with a unique name on the suite's server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `e2e_${randomUUID().replace(/-/g, '')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_DATABASE_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({
        connectionString: TEST_DATABASE_ADMIN_URL,
      });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
