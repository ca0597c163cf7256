import { RetrySchedule, type RetryScheduleOptions } from './retry-schedule.js';

const options: RetryScheduleOptions = {
  fastDeliveries: 4,
  fastBackoff: { initialMs: 200, maxMs: 5_000, jitter: 0.2 },
  horizonMs: 3_600_000,
  delayedBackoff: { initialMs: 10_000, maxMs: 600_000, jitter: 0.2 },
};
const noJitter = () => 1;

/** Every wait an entry that never succeeds goes through, without jitter. */
function waits(schedule: RetrySchedule): number[] {
  const all: number[] = [];
  for (let deliveries = 1; ; deliveries++) {
    const decision = schedule.next(deliveries, noJitter);
    if (decision.action === 'dead-letter') return all;
    all.push(decision.delayMs);
  }
}

describe('RetrySchedule', () => {
  it('retries fast, with exponential backoff, for the first deliveries', () => {
    const schedule = new RetrySchedule(options);

    const fast = [1, 2, 3].map((n) => schedule.next(n, noJitter));

    expect(fast).toEqual([
      { action: 'retry', delayMs: 200, phase: 'fast' },
      { action: 'retry', delayMs: 400, phase: 'fast' },
      { action: 'retry', delayMs: 800, phase: 'fast' },
    ]);
  });

  it('then spreads delayed redeliveries over exactly the horizon, each at most the ceiling', () => {
    const schedule = new RetrySchedule(options);

    const delayed = waits(schedule).slice(options.fastDeliveries - 1);

    expect(delayed.slice(0, 3)).toEqual([10_000, 20_000, 40_000]);
    expect(delayed.reduce((sum, wait) => sum + wait, 0)).toBe(3_600_000);
    expect(Math.max(...delayed)).toBe(600_000);
    expect(schedule.next(4, noJitter)).toMatchObject({ phase: 'delayed' });
  });

  it('dead-letters once the horizon is spent, and counts those deliveries', () => {
    const schedule = new RetrySchedule(options);
    const total = waits(schedule).length + 1;

    expect(schedule.maxDeliveries).toBe(total);
    expect(schedule.next(total, noJitter)).toEqual({ action: 'dead-letter' });
    expect(schedule.next(total - 1, noJitter).action).toBe('retry');
  });

  it('with no horizon, dead-letters after the fast deliveries, as maxDeliveries always did', () => {
    const schedule = new RetrySchedule({ ...options, horizonMs: 0 });

    expect(schedule.next(3, noJitter).action).toBe('retry');
    expect(schedule.next(4, noJitter)).toEqual({ action: 'dead-letter' });
    expect(schedule.maxDeliveries).toBe(4);
  });

  it('jitters downwards only, so the nominal sums bound every wait', () => {
    const schedule = new RetrySchedule(options);

    for (let n = 1; n < schedule.maxDeliveries; n++) {
      const low = schedule.next(n, () => 0);
      const high = schedule.next(n, noJitter);
      if (low.action !== 'retry' || high.action !== 'retry') throw new Error();
      expect(low.delayMs).toBeLessThanOrEqual(high.delayMs);
      expect(low.delayMs).toBeGreaterThanOrEqual(
        Math.floor(high.delayMs * 0.8),
      );
    }
  });

  it('bounds the longest wait: fast waits, horizon, and every attempt at its timeout', () => {
    const schedule = new RetrySchedule(options);

    const longest = schedule.longestWaitMs(30_000);

    expect(longest).toBe(
      200 + 400 + 800 + 3_600_000 + schedule.maxDeliveries * 30_000,
    );
  });
});
