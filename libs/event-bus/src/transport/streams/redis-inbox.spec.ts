import type { Redis } from 'ioredis';
import type { InboxScripts } from './consumer-scripts.js';
import { RedisInbox } from './redis-inbox.js';

/**
 * Just enough of Redis for the inbox, with a clock: SET (NX GET), DEL,
 * MULTI, XACK, and the inbox's scripts as their Lua does them.
 */
class FakeRedis {
  now = 0;
  readonly values = new Map<string, { value: string; expiresAt: number }>();
  readonly acked: string[] = [];
  /** Round trips: one per MULTI or script call. */
  transactions = 0;

  /** `completeInbox`: the records, then one XACK per stream. */
  completeInbox(keyCount: number, ...keysThenArgs: Array<string | number>) {
    this.transactions += 1;
    const keys = keysThenArgs.slice(0, keyCount) as string[];
    const [records, mark, ttl, group, ...acks] = keysThenArgs.slice(keyCount);
    for (const key of keys.slice(0, Number(records))) {
      this.set(key, String(mark), 'EX', Number(ttl));
    }
    let at = 0;
    for (const stream of keys.slice(Number(records))) {
      const count = Number(acks[at]);
      const ids = acks.slice(at + 1, at + 1 + count).map(String);
      this.xack(stream, String(group), ids);
      at += count + 1;
    }
    return Promise.resolve(Number(records));
  }

  del(key: string) {
    return Promise.resolve(this.values.delete(key) ? 1 : 0);
  }

  multi() {
    const queued: Array<() => unknown> = [];
    const chain = {
      set: (
        key: string,
        value: string,
        unit: 'PX' | 'EX',
        ttl: number,
        nx?: 'NX',
        get?: 'GET',
      ) => {
        queued.push(() => this.set(key, value, unit, ttl, nx, get));
        return chain;
      },
      xack: (stream: string, group: string, ...ids: string[]) => {
        queued.push(() => this.xack(stream, group, ids));
        return chain;
      },
      /** `claimInbox`: SET NX GET each key; 0 claimed, 1 done, 2 busy. */
      claimInbox: (
        keyCount: number,
        ...keysThenArgs: Array<string | number>
      ) => {
        const keys = keysThenArgs.slice(0, keyCount) as string[];
        const [mark, ms, done] = keysThenArgs.slice(keyCount);
        queued.push(() =>
          keys.map((key) => {
            const previous = this.set(
              key,
              String(mark),
              'PX',
              Number(ms),
              'NX',
              'GET',
            );
            if (previous === null) return 0;
            return previous === done ? 1 : 2;
          }),
        );
        return chain;
      },
      exec: () => {
        this.transactions += 1;
        return Promise.resolve(queued.map((command) => [null, command()]));
      },
    };
    return chain;
  }

  private xack(stream: string, group: string, ids: string[]) {
    for (const id of ids) this.acked.push(`${stream} ${group} ${id}`);
    return ids.length;
  }

  private set(
    key: string,
    value: string,
    unit: 'PX' | 'EX',
    ttl: number,
    nx?: 'NX',
    get?: 'GET',
  ) {
    const previous = this.read(key);
    if (nx && previous !== null) return get ? previous : null;
    const ms = unit === 'EX' ? ttl * 1_000 : ttl;
    this.values.set(key, { value, expiresAt: this.now + ms });
    return get ? previous : 'OK';
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
    inbox = new RedisInbox(redis as unknown as Redis & InboxScripts, options);
    other = new RedisInbox(redis as unknown as Redis & InboxScripts, {
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

  it('claims a whole read in one round trip', async () => {
    await inbox.claim('e2');
    const before = redis.transactions;

    const claims = await inbox.claimAll(['e1', 'e2', 'e3']);

    expect(claims).toEqual(['claimed', 'busy', 'claimed']);
    expect(redis.transactions - before).toBe(1);
  });

  it('acknowledges what finishes together in one round trip, one XACK per stream', async () => {
    const before = redis.transactions;

    await Promise.all([
      inbox.complete('e1', 'stream-a', '1-0'),
      inbox.complete('e2', 'stream-a', '2-0'),
      inbox.acknowledge('stream-b', '3-0'),
    ]);

    expect(redis.transactions - before).toBe(1);
    expect(redis.acked).toEqual([
      'stream-a notification-service 1-0',
      'stream-a notification-service 2-0',
      'stream-b notification-service 3-0',
    ]);
    expect(await inbox.claim('e1')).toBe('done');
    expect(await inbox.claim('e2')).toBe('done');
  });
});
