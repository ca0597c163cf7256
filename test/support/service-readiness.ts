import type { AppProcess } from './app-process.js';
import { api, type Api } from './http.js';
import { waitFor } from './wait-for.js';

/** Resolves once the app's `GET /health` answers 200 (its Redis and database are up). */
export async function waitUntilHealthy(
  app: AppProcess,
  timeoutMs = 30_000,
): Promise<void> {
  await waitFor(
    async () => (await api(app.url).get('/health')).status === 200,
    { timeoutMs, message: `${app.name} healthy` },
  );
}

/**
 * Logs in to user-service as soon as it lets `credentials` in (the first
 * admin is created at start-up) and resolves with the access token.
 */
export async function logInWhenReady(
  users: Api,
  credentials: { email: string; password: string },
  timeoutMs?: number,
): Promise<string> {
  const body = await waitFor(
    async () => {
      const response = await users.post<{ accessToken: string }>(
        '/auth/login',
        credentials,
      );
      return response.status === 200 && response.body;
    },
    { timeoutMs, message: `${credentials.email} can log in` },
  );
  return body.accessToken;
}
