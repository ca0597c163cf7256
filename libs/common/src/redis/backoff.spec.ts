import {
  exponentialBackoff,
  reconnectForever,
  reconnectingStopped,
  stopReconnecting,
} from './backoff.js';

describe('exponentialBackoff', () => {
  const options = { initialMs: 100, maxMs: 5_000 };

  it('doubles from the initial delay', () => {
    expect([1, 2, 3, 4].map((n) => exponentialBackoff(n, options))).toEqual([
      100, 200, 400, 800,
    ]);
  });

  it('never exceeds the maximum', () => {
    expect(exponentialBackoff(50, options)).toBe(5_000);
    expect(exponentialBackoff(10_000, options)).toBe(5_000);
  });

  it('spreads delays by the jitter share', () => {
    const jittered = { ...options, jitter: 0.5 };

    expect(exponentialBackoff(3, jittered, () => 0)).toBe(200);
    expect(exponentialBackoff(3, jittered, () => 1)).toBe(400);
  });
});

describe('reconnectForever', () => {
  it('gives up once the process shuts down', () => {
    const retry = reconnectForever({ initialMs: 100, maxMs: 5_000 });
    expect(retry(3)).toBe(400);

    stopReconnecting();

    expect(retry(4)).toBeNull();
    expect(reconnectingStopped()).toBe(true);
  });
});
