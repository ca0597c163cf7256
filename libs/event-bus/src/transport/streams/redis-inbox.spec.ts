import type { Redis } from 'ioredis';
import { RedisInbox } from './redis-inbox.js';

/** Just enough of Redis's SET NX / GET / DEL / MULTI for the inbox, with a clock. */
class FakeRedis {
  now = 0;
  readonly values = new Map<string, { value: string; expiresAt: number }>();
  readonly acked: string[] = [];

  set(key: string, value: string, unit: 'PX' | 'EX', ttl: number, nx?: 'NX') {
    if (nx && this.read(key) !== null) return Promise.resolve(null);
    const ms = unit === 'EX' ? ttl * 1_000 : ttl;
    this.values.set(key, { value, expiresAt: this.now + ms });
    return Promise.resolve('OK');
  }

  get(key: string) {
    return Promise.resolve(this.read(key));
  }

  del(key: string) {
    return Promise.resolve(this.values.delete(key) ? 1 : 0);
  }

  multi() {
    const queued: Array<() => unknown> = [];
    const chain = {
      set: (key: string, value: string, unit: 'EX', ttl: number) => {
        queued.push(() => this.set(key, value, unit, ttl));
        return chain;
      },
      xack: (stream: string, group: string, id: string) => {
        queued.push(() => this.acked.push(`${stream} ${group} ${id}`));
        return chain;
      },
      exec: async () => {
        for (const command of queued) await command();
        return [];
      },
    };
    return chain;
  }

  private read(key: string): string | null {
    const entry = this.values.get(key);
    if (!entry || entry.expiresAt <= this.now) return null;
    return entry.value;
  }
}

describe('RedisInbox (the idempotency check of the durable transport)', () => {
  let redis: FakeRedis;
  let inbox: RedisInbox;
  let other: RedisInbox;

  beforeEach(() => {
    redis = new FakeRedis();
    const options = {
      keyPrefix: 'eventbus:',
      group: 'notification-service',
      claimMs: 30_000,
      doneTtlSeconds: 86_400,
    };
    inbox = new RedisInbox(redis as unknown as Redis, options);
    other = new RedisInbox(redis as unknown as Redis, {
      ...options,
      group: 'scheduler-service',
    });
  });

  it('lets one consumer claim an event; another instance finds it busy', async () => {
    expect(await inbox.claim('e1')).toBe('claimed');
    expect(await inbox.claim('e1')).toBe('busy');
  });

  it('answers done for a handled event, and acknowledges with the record', async () => {
    await inbox.claim('e1');
    await inbox.complete('e1', 'eventbus:stream:user.registered', '1-0');

    expect(await inbox.claim('e1')).toBe('done');
    expect(redis.acked).toEqual([
      'eventbus:stream:user.registered notification-service 1-0',
    ]);
    expect(redis.values.has('eventbus:inbox:notification-service:e1')).toBe(
      true,
    );
  });

  it('frees a failed attempt for its retry', async () => {
    await inbox.claim('e1');
    await inbox.release('e1');

    expect(await inbox.claim('e1')).toBe('claimed');
  });

  it('frees the claim of a crashed consumer after claimMs', async () => {
    await inbox.claim('e1');
    redis.now += 29_999;
    expect(await inbox.claim('e1')).toBe('busy');
    redis.now += 1;
    expect(await inbox.claim('e1')).toBe('claimed');
  });

  it('forgets a handled id after its TTL', async () => {
    await inbox.claim('e1');
    await inbox.complete('e1', 'stream', '1-0');
    redis.now += 86_400 * 1_000;

    expect(await inbox.claim('e1')).toBe('claimed');
  });

  it('keeps each group’s record apart', async () => {
    await inbox.claim('e1');
    await inbox.complete('e1', 'stream', '1-0');

    expect(await other.claim('e1')).toBe('claimed');
  });
});
