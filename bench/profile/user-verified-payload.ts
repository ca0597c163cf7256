import { randomUUID } from 'node:crypto';
import type { EventPayload } from '@app/contracts';

/**
 * A fresh `user.verified` payload: its envelope is about 400 bytes, the
 * size the benchmark's messaging rows use.
 */
export const userVerifiedPayload = (): EventPayload<'user.verified'> => {
  const userId = randomUUID();
  return {
    userId,
    email: `${userId}@example.com`,
    name: 'Ada Lovelace',
    timestamp: new Date().toISOString(),
  };
};
