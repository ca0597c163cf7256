import { randomUUID } from 'node:crypto';
import type { Api } from './http.js';
import { waitFor } from './wait-for.js';

/** A user registered, verified through the e-mailed token, and logged in. */
export interface SignedUpUser {
  id: string;
  email: string;
  /** Access token. */
  token: string;
}

/**
 * Registers a `role` on user-service, waits for the verification e-mail that
 * notification-service records (read as the admin), verifies with its token
 * and logs in: the registration flow every e2e test of a later step needs.
 * Throws with the step that failed.
 */
export async function signUpVerified(
  services: { users: Api; notifications: Api; adminToken: string },
  role: 'customer' | 'worker',
  headers: Record<string, string> = {},
): Promise<SignedUpUser> {
  const { users, notifications, adminToken } = services;
  const email = `${role}-${randomUUID()}@example.com`;
  const password = 'a-good-password';
  const created = await users.post<{ id: string }>(
    '/users',
    { email, password, name: role === 'customer' ? 'Ada' : 'Bo', role },
    { headers },
  );
  if (created.status !== 201) {
    throw new Error(`registering a ${role} answered ${created.status}`);
  }
  const mail = await waitFor(
    async () => {
      const response = await notifications.get<{
        items: Array<{ template: string; body: string }>;
      }>(`/notifications?to=${encodeURIComponent(email)}`, {
        token: adminToken,
      });
      return (
        response.status === 200 &&
        response.body.items.find((m) => m.template === 'verify-email')
      );
    },
    { timeoutMs: 30_000, message: `verification e-mail of the ${role}` },
  );
  const verificationToken = /"token":\s*"([^"]+)"/.exec(mail.body)?.[1];
  if (!verificationToken) {
    throw new Error(`the verification e-mail of the ${role} has no token`);
  }
  const verified = await users.post(
    '/users/verify',
    { token: verificationToken },
    { headers },
  );
  if (verified.status !== 200) {
    throw new Error(`verifying the ${role} answered ${verified.status}`);
  }
  const login = await users.post<{ accessToken: string }>('/auth/login', {
    email,
    password,
  });
  if (login.status !== 200) {
    throw new Error(`logging the ${role} in answered ${login.status}`);
  }
  return { id: created.body.id, email, token: login.body.accessToken };
}
