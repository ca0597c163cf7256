import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The users of deploy/redis/event-bus.acl.template and their password variables. */
export const EVENT_BUS_ACL_USERS = {
  admin: 'EVENT_BUS_REDIS_ADMIN_PASSWORD',
  'user-service': 'USER_SERVICE_REDIS_PASSWORD',
  'booking-service': 'BOOKING_SERVICE_REDIS_PASSWORD',
  'scheduler-service': 'SCHEDULER_SERVICE_REDIS_PASSWORD',
  'notification-service': 'NOTIFICATION_SERVICE_REDIS_PASSWORD',
} as const;

export type EventBusAclUser = keyof typeof EVENT_BUS_ACL_USERS;

/** An ACL file rendered by {@link renderEventBusAcl}. */
export interface RenderedAcl {
  /** For `startRedisServer({ extraArgs: ['--aclfile', file] })`. */
  readonly file: string;
  /** The random password of each user. */
  readonly passwords: Readonly<Record<EventBusAclUser, string>>;
  /** `redisUrl` with `user`'s credentials, e.g. for EVENT_BUS_REDIS_URL. */
  urlFor(redisUrl: string, user: EventBusAclUser): string;
  /** Deletes the file and its folder. */
  remove(): void;
}

/**
 * Renders the repository's event-bus ACL template with scripts/redis-acl.sh,
 * as docker-compose does, with a fresh random password per user.
 */
export function renderEventBusAcl(): RenderedAcl {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-redis-acl-'));
  const file = join(dir, 'users.acl');
  const passwords = Object.fromEntries(
    Object.keys(EVENT_BUS_ACL_USERS).map((user) => [
      user,
      randomBytes(24).toString('hex'),
    ]),
  ) as Record<EventBusAclUser, string>;
  execFileSync(
    join(repoRoot, 'scripts/redis-acl.sh'),
    [join(repoRoot, 'deploy/redis/event-bus.acl.template'), file],
    {
      env: {
        PATH: process.env.PATH,
        ...Object.fromEntries(
          Object.entries(EVENT_BUS_ACL_USERS).map(([user, variable]) => [
            variable,
            passwords[user as EventBusAclUser],
          ]),
        ),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  return {
    file,
    passwords,
    urlFor(redisUrl, user) {
      const url = new URL(redisUrl);
      url.username = user;
      url.password = passwords[user];
      return url.toString();
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
