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

/** Failed attempts allowed per e-mail and client; the next one gets 429. */
export const MAX_FAILED_LOGINS = 5;
/** The window opens at the first failure and lasts this long. */
export const FAILED_LOGIN_WINDOW_SECONDS = 900;
/** First delay once other clients failed `MAX_FAILED_LOGINS` times. */
export const SLOW_DOWN_BASE_MS = 500;
/** The delay doubles per further failure up to this. */
export const SLOW_DOWN_MAX_MS = 8_000;
/** A cache Redis that hangs must not hang the login. */
export const LIMITER_TIMEOUT_MS = 2_000;

// `{email}` is a hash tag: both keys of an e-mail live in one cluster slot,
// as the scripts that touch both need.
export const loginFailuresKey = (email: string) =>
  `user-service:login-failures:{${email}}`;
export const clientLoginFailuresKey = (email: string, client: string) =>
  `${loginFailuresKey(email)}:${client}`;

/**
 * Counts the attempt before the password is checked, unless this client has
 * reached the limit for this e-mail: checking and counting in one step means
 * a burst of parallel guesses cannot all pass a "fewer than 5 so far" test
 * before any of them is counted. KEYS: the client's counter, the e-mail's.
 * Returns [allowed (1/0), seconds until the client's window closes,
 * failures of other clients within the e-mail's window].
 */
export const RESERVE_ATTEMPT_SCRIPT = `
local own = tonumber(redis.call('GET', KEYS[1]) or '0')
if own >= tonumber(ARGV[1]) then
  return {0, redis.call('TTL', KEYS[1]), 0}
end
local others = tonumber(redis.call('GET', KEYS[2]) or '0') - own
if others < 0 then others = 0 end
own = redis.call('INCR', KEYS[1])
if own == 1 or redis.call('TTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return {1, redis.call('TTL', KEYS[1]), others}
`;

/** Takes back a counted attempt that turned out not to be a failure. */
export const RELEASE_ATTEMPT_SCRIPT = `
for _, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count <= 1 then
    redis.call('DEL', key)
  else
    redis.call('DECR', key)
  end
end
return 0
`;

/** A successful login clears the client's failures from both counters. */
export const RESET_ATTEMPTS_SCRIPT = `
local own = tonumber(redis.call('GET', KEYS[1]) or '0')
redis.call('DEL', KEYS[1])
if own > 0 and redis.call('DECRBY', KEYS[2], own) <= 0 then
  redis.call('DEL', KEYS[2])
end
return 0
`;

/**
 * How long a login for an e-mail waits, given the failures other clients
 * made on it: nothing below the limit, then 0.5 s doubling to 8 s. Slows
 * spraying from many addresses without ever refusing the right password.
 */
export function slowDownMs(failuresOfOthers: number): number {
  if (failuresOfOthers < MAX_FAILED_LOGINS) return 0;
  return Math.min(
    SLOW_DOWN_MAX_MS,
    SLOW_DOWN_BASE_MS * 2 ** (failuresOfOthers - MAX_FAILED_LOGINS),
  );
}

/**
 * Limit of failed logins, kept in the cache Redis so every instance shares
 * it (ARCHITECTURE.md section 5). Counted per e-mail and client (address):
 * 5 failures within 15 minutes, known and unknown e-mails alike, and the
 * client's 6th attempt gets 429 whatever the password. Failures from other
 * clients never lock the owner out: they only slow the e-mail's logins down
 * (`slowDownMs`). Unreachable Redis means 503, never a login without a limit.
 */
@Injectable()
export class LoginAttemptsLimiter {
  private readonly logger = new Logger(LoginAttemptsLimiter.name);

  constructor(@InjectCacheRedis() private readonly redis: Redis) {}

  /**
   * Counts one attempt of `client` for `email` (normalised) as a failure
   * until it is settled with `release` or `reset`, and resolves with how
   * long the attempt must wait (ms) for others' failures. Throws 429 when
   * the client reached the limit and 503 when the cache Redis does not
   * answer.
   */
  async reserve(email: string, client: string): Promise<number> {
    const [allowed, ttl, others] = (await this.run(() =>
      this.redis.eval(
        RESERVE_ATTEMPT_SCRIPT,
        2,
        clientLoginFailuresKey(email, client),
        loginFailuresKey(email),
        MAX_FAILED_LOGINS,
        FAILED_LOGIN_WINDOW_SECONDS,
      ),
    )) as [number, number, number];
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
    return slowDownMs(others);
  }

  /** The attempt was not a failure (right password, e-mail not verified). */
  async release(email: string, client: string): Promise<void> {
    await this.run(() =>
      this.redis.eval(
        RELEASE_ATTEMPT_SCRIPT,
        2,
        clientLoginFailuresKey(email, client),
        loginFailuresKey(email),
      ),
    );
  }

  /** A successful login clears the client's failures for the e-mail. */
  async reset(email: string, client: string): Promise<void> {
    await this.run(() =>
      this.redis.eval(
        RESET_ATTEMPTS_SCRIPT,
        2,
        clientLoginFailuresKey(email, client),
        loginFailuresKey(email),
      ),
    );
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
