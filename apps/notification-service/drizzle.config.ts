import { defineConfig } from 'drizzle-kit';

/**
 * Migrations of notification-service:
 * `npx drizzle-kit generate --config apps/notification-service/drizzle.config.ts`
 * (run from the repo root). The app applies them at start-up.
 */
export default defineConfig({
  dialect: 'postgresql',
  schema: './apps/notification-service/src/database/schema.ts',
  out: './apps/notification-service/drizzle',
});
