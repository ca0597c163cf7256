import { jest } from '@jest/globals';
import {
  HttpException,
  HttpStatus,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  FAILED_LOGIN_WINDOW_SECONDS,
  LIMITER_TIMEOUT_MS,
  LoginAttemptsLimiter,
  MAX_FAILED_LOGINS,
  RELEASE_ATTEMPT_SCRIPT,
  RESERVE_ATTEMPT_SCRIPT,
  RESET_ATTEMPTS_SCRIPT,
  SLOW_DOWN_MAX_MS,
  slowDownMs,
} from './login-attempts.limiter.js';

const CLIENT_KEY = 'user-service:login-failures:{ada@example.com}:10.0.0.1';
const EMAIL_KEY = 'user-service:login-failures:{ada@example.com}';

// The Lua scripts themselves run against a real Redis in the e2e test; here
// the limiter's own part: keys, limits, and how it answers for Redis.
function setup(answer: () => Promise<unknown>) {
  const redis = {
    eval: jest.fn(answer),
    del: jest.fn(() => Promise.resolve(1)),
  };
  return {
    redis,
    limiter: new LoginAttemptsLimiter(redis as unknown as Redis),
  };
}

describe('LoginAttemptsLimiter', () => {
  it('counts the attempt under the client and e-mail keys with the limit and window', async () => {
    const { limiter, redis } = setup(() => Promise.resolve([1, 900, 0]));

    const delay = await limiter.reserve('ada@example.com', '10.0.0.1');

    expect(redis.eval).toHaveBeenCalledWith(
      RESERVE_ATTEMPT_SCRIPT,
      2,
      CLIENT_KEY,
      EMAIL_KEY,
      MAX_FAILED_LOGINS,
      FAILED_LOGIN_WINDOW_SECONDS,
    );
    expect(delay).toBe(0);
  });

  it('slows the attempt down once other clients failed 5 times', async () => {
    const { limiter } = setup(() => Promise.resolve([1, 900, 5]));

    expect(await limiter.reserve('ada@example.com', '10.0.0.1')).toBe(
      slowDownMs(5),
    );
    expect(slowDownMs(4)).toBe(0);
    expect(slowDownMs(5)).toBeGreaterThan(0);
    expect(slowDownMs(1_000)).toBe(SLOW_DOWN_MAX_MS);
  });

  it('answers 429 with the seconds left when the limit is reached', async () => {
    const { limiter } = setup(() => Promise.resolve([0, 421]));

    const error = await limiter
      .reserve('ada@example.com', '10.0.0.1')
      .catch((e) => e);

    expect(error).toBeInstanceOf(HttpException);
    expect((error as HttpException).getStatus()).toBe(
      HttpStatus.TOO_MANY_REQUESTS,
    );
    expect((error as HttpException).message).toContain('421 seconds');
  });

  it('answers 503 when the cache Redis refuses the command', async () => {
    const { limiter } = setup(() =>
      Promise.reject(
        new Error(
          "Stream isn't writeable and enableOfflineQueue options is false",
        ),
      ),
    );

    await expect(
      limiter.reserve('ada@example.com', '10.0.0.1'),
    ).rejects.toBeInstanceOf(ServiceUnavailableException);
  });

  it('answers 503 when the cache Redis does not answer in time', async () => {
    jest.useFakeTimers();
    try {
      const { limiter } = setup(() => new Promise(() => undefined));

      const result = limiter
        .reserve('ada@example.com', '10.0.0.1')
        .catch((e) => e);
      await jest.advanceTimersByTimeAsync(LIMITER_TIMEOUT_MS + 1);

      expect(await result).toBeInstanceOf(ServiceUnavailableException);
    } finally {
      jest.useRealTimers();
    }
  });

  it('takes an attempt back with the release script', async () => {
    const { limiter, redis } = setup(() => Promise.resolve(0));

    await limiter.release('ada@example.com', '10.0.0.1');

    expect(redis.eval).toHaveBeenCalledWith(
      RELEASE_ATTEMPT_SCRIPT,
      2,
      CLIENT_KEY,
      EMAIL_KEY,
    );
  });

  it("clears the client's counter on reset", async () => {
    const { limiter, redis } = setup(() => Promise.resolve(0));

    await limiter.reset('ada@example.com', '10.0.0.1');

    expect(redis.eval).toHaveBeenCalledWith(
      RESET_ATTEMPTS_SCRIPT,
      2,
      CLIENT_KEY,
      EMAIL_KEY,
    );
  });
});
