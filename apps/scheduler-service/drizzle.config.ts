import { defineConfig } from 'drizzle-kit';

/**
 * `npx drizzle-kit generate --config apps/scheduler-service/drizzle.config.ts`
 * writes the migrations that `DatabaseModule` applies at start-up, for
 * PostgreSQL and the embedded PGlite alike.
 */
export default defineConfig({
  dialect: 'postgresql',
  schema: './apps/scheduler-service/src/database/schema.ts',
  out: './apps/scheduler-service/drizzle',
});
