import {
  HttpException,
  HttpStatus,
  Injectable,
  Logger,
  ServiceUnavailableException,
} from '@nestjs/common';
import { InjectCacheRedis, withTimeout } from '@app/common';
import type { Redis } from 'ioredis';
import { AUTH_MESSAGES } from './auth.messages.js';

/** Failed attempts allowed per e-mail; the next attempt gets 429. */
export const MAX_FAILED_LOGINS = 5;
/** The window opens at the first failure and lasts this long. */
export const FAILED_LOGIN_WINDOW_SECONDS = 900;
/** A cache Redis that hangs must not hang the login. */
export const LIMITER_TIMEOUT_MS = 2_000;

export const loginFailuresKey = (email: string) =>
  `user-service:login-failures:${email}`;

/**
 * Counts the attempt before the password is checked, unless the limit is
 * reached: checking and counting in one step means a burst of parallel
 * guesses cannot all pass a "fewer than 5 so far" test before any of them
 * is counted. Returns [allowed (1/0), seconds until the window closes].
 */
export const RESERVE_ATTEMPT_SCRIPT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then
  return {0, redis.call('TTL', KEYS[1])}
end
count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('TTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return {1, redis.call('TTL', KEYS[1])}
`;

/** Takes back a counted attempt that turned out not to be a failure. */
export const RELEASE_ATTEMPT_SCRIPT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count <= 1 then
  redis.call('DEL', KEYS[1])
else
  redis.call('DECR', KEYS[1])
end
return 0
`;

/**
 * Per-e-mail limit of failed logins, kept in the cache Redis so every
 * instance shares it (ARCHITECTURE.md section 5): 5 failures within 15
 * minutes, known and unknown e-mails alike; the 6th attempt gets 429 whatever
 * the password. Unreachable Redis means 503, never a login without a limit.
 */
@Injectable()
export class LoginAttemptsLimiter {
  private readonly logger = new Logger(LoginAttemptsLimiter.name);

  constructor(@InjectCacheRedis() private readonly redis: Redis) {}

  /**
   * Counts one attempt for `email` (normalised) as a failure until it is
   * settled with `release` or `reset`. Throws 429 when the limit is reached
   * and 503 when the cache Redis does not answer.
   */
  async reserve(email: string): Promise<void> {
    const [allowed, ttl] = (await this.run(() =>
      this.redis.eval(
        RESERVE_ATTEMPT_SCRIPT,
        1,
        loginFailuresKey(email),
        MAX_FAILED_LOGINS,
        FAILED_LOGIN_WINDOW_SECONDS,
      ),
    )) as [number, number];
    if (allowed !== 1) {
      // Same body shape as Nest's built-in exceptions.
      throw new HttpException(
        {
          message: AUTH_MESSAGES.tooManyAttempts(
            ttl > 0 ? ttl : FAILED_LOGIN_WINDOW_SECONDS,
          ),
          error: 'Too Many Requests',
          statusCode: HttpStatus.TOO_MANY_REQUESTS,
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
  }

  /** The attempt was not a failure (right password, e-mail not verified). */
  async release(email: string): Promise<void> {
    await this.run(() =>
      this.redis.eval(RELEASE_ATTEMPT_SCRIPT, 1, loginFailuresKey(email)),
    );
  }

  /** A successful login clears the failures of the e-mail. */
  async reset(email: string): Promise<void> {
    await this.run(() => this.redis.del(loginFailuresKey(email)));
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(command(), LIMITER_TIMEOUT_MS);
    } catch (error) {
      this.logger.warn(
        `Cache Redis unavailable for login limits: ${(error as Error).message}`,
      );
      throw new ServiceUnavailableException(AUTH_MESSAGES.limiterUnavailable);
    }
  }
}
