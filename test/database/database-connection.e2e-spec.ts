import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import {
  EMBEDDED_POSTGRES_SETTINGS,
  EmbeddedDatabaseInitError,
  openDatabase,
  openEmbeddedDatabase,
  type DatabaseConnection,
} from '@app/common';
import { createTestDatabase, type TestDatabase } from '../support/index.js';

const SERVICES = ['user-service', 'notification-service'] as const;
const migrationsFolder = (service: string) =>
  resolve(`apps/${service}/drizzle`);

/** Rows of a raw query; both drivers answer `{ rows }`. */
async function query<TRow>(
  connection: DatabaseConnection,
  statement: ReturnType<typeof sql>,
): Promise<TRow[]> {
  const result = await connection.db.execute(statement);
  return (result as { rows: TRow[] }).rows;
}

async function tablesIn(
  connection: DatabaseConnection,
  schema: string,
): Promise<string[]> {
  const rows = await query<{ table_name: string }>(
    connection,
    sql`select table_name from information_schema.tables
        where table_schema = ${schema} order by table_name`,
  );
  return rows.map((row) => row.table_name);
}

describe('one schema and one set of migrations on both drivers', () => {
  describe('PostgreSQL (DATABASE_URL)', () => {
    let database: TestDatabase;
    let databaseUrl: string;

    beforeAll(async () => {
      database = await createTestDatabase();
      databaseUrl = database.url;
    });

    afterAll(() => database?.drop());

    it('lets services share one database, each with its own migration history', async () => {
      const connections: DatabaseConnection[] = [];
      try {
        for (const service of SERVICES) {
          connections.push(
            await openDatabase({
              service,
              databaseUrl,
              migrationsFolder: migrationsFolder(service),
            }),
          );
        }

        expect(connections.map((c) => c.driver)).toEqual([
          'postgres',
          'postgres',
        ]);
        expect(await tablesIn(connections[0], 'public')).toEqual(
          expect.arrayContaining(['notifications', 'users']),
        );
        expect(await tablesIn(connections[0], 'drizzle')).toEqual([
          'notification_service_migrations',
          'user_service_migrations',
        ]);
      } finally {
        await Promise.all(connections.map((connection) => connection.close()));
      }
    });

    it('applies migrations once across restarts', async () => {
      for (let start = 0; start < 2; start++) {
        const connection = await openDatabase({
          service: 'user-service',
          databaseUrl,
          migrationsFolder: migrationsFolder('user-service'),
        });
        const applied = await query<{ count: string }>(
          connection,
          sql`select count(*)::text as count from drizzle.user_service_migrations`,
        );
        expect(applied).toEqual([{ count: '1' }]);
        await connection.close();
      }
    });
  });

  describe('embedded PGlite (no DATABASE_URL)', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'e2e-pglite-'));

    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    it('creates the folder, migrates, and keeps the data across reopen', async () => {
      const options = {
        service: 'user-service',
        dataDir: join(dataDir, 'user-service'),
        migrationsFolder: migrationsFolder('user-service'),
      };
      const first = await openDatabase(options);
      expect(first.driver).toBe('pglite');
      expect(await tablesIn(first, 'public')).toContain('users');
      await first.db.execute(
        sql`insert into users (email, name, role, password_hash)
            values ('ada@example.com', 'Ada', 'customer', 'x')`,
      );
      await first.close();

      const second = await openDatabase(options);
      expect(await query(second, sql`select email from users`)).toEqual([
        { email: 'ada@example.com' },
      ]);
      await second.close();
    });

    it('runs with its small settings, also in a folder created before them', async () => {
      // A folder from a plain PGlite.create(): initdb's 128MB of shared_buffers.
      const legacyDir = join(dataDir, 'legacy');
      const legacy = await PGlite.create(legacyDir);
      await legacy.exec(`create table kept (note text);
        insert into kept values ('written before')`);
      await legacy.close();

      const created = await openDatabase({
        service: 'notification-service',
        dataDir: join(dataDir, 'fresh'),
        migrationsFolder: migrationsFolder('notification-service'),
      });
      const reopened = await openDatabase({
        service: 'notification-service',
        dataDir: legacyDir,
        migrationsFolder: migrationsFolder('notification-service'),
      });
      try {
        for (const connection of [created, reopened]) {
          const [{ shared_buffers }] = await query<{ shared_buffers: string }>(
            connection,
            sql`show shared_buffers`,
          );
          expect(shared_buffers).toBe(
            EMBEDDED_POSTGRES_SETTINGS.shared_buffers,
          );
        }
        expect(await query(reopened, sql`select note from kept`)).toEqual([
          { note: 'written before' },
        ]);
        expect(await tablesIn(reopened, 'public')).toContain('notifications');
      } finally {
        await Promise.all([created.close(), reopened.close()]);
      }
    });

    it('says which folder it could not create a database in', async () => {
      const notAFolder = join(dataDir, 'a-file');
      writeFileSync(notAFolder, 'not a database');

      const opening = openEmbeddedDatabase(notAFolder);

      await expect(opening).rejects.toThrow(EmbeddedDatabaseInitError);
      await expect(opening).rejects.toThrow(
        `Cannot create the embedded database in ${notAFolder}`,
      );
    });
  });
});
