import { exponentialBackoff } from './backoff.js';

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
