import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { isEventType, mayConsume } from '@app/contracts';
import { DeadLetters } from '../dead-letters/dead-letters.js';
import {
  appendDeadLetters,
  type DeadLetterSource,
} from '../dead-letters/dead-letter.store.js';
import {
  fieldOf,
  type DeadLetterRecord,
} from '../dead-letters/dead-letter.codec.js';
import {
  DEFAULT_KEY_PREFIX,
  EVENT_BUS_REDIS,
  InjectEventBusOptions,
} from '../event-bus.constants.js';
import {
  streamMaxRetentionSeconds,
  streamRetentionSeconds,
} from '../event-bus-config.js';
import type { EventBusModuleOptions } from '../interfaces/event-bus-options.interface.js';
import { EventBusStats } from '../stats/event-bus.stats.js';
import { StreamLagGauges, type GroupLag } from '../stats/stream-lag.gauges.js';
import {
  consumerGroupsKey,
  consumerRolesKey,
  ENVELOPE_FIELD,
  groupPositionsKey,
  releasedRolesKey,
  retriesKey,
  streamKey,
} from '../transport/streams/redis-streams.constants.js';
import { awaitedRoleGroups, roleOfGroup } from './declared-consumers.js';
import {
  groupsPastCeiling,
  trimPoint,
  type GroupPosition,
} from './group-positions.js';
import { notStartedGroup, readGroupPositions } from './read-group-positions.js';
import {
  CEILING_BATCH,
  ceilingReason,
  DEFAULT_RETENTION_INTERVAL_MS,
  movedByCeilingKey,
  retentionLockKey,
} from './retention.constants.js';
import { compareIds, idAt, minId, timeOf } from './stream-ids.js';

/** Thrown when a consumer group to remove is on no stream and in no registry. */
export class ConsumerGroupNotFoundError extends Error {
  constructor(readonly group: string) {
    super(`There is no consumer group ${group} on any event stream`);
    this.name = ConsumerGroupNotFoundError.name;
  }
}

/** Per event type, per consumer group. */
export type StreamLag = Record<string, Record<string, GroupLag>>;

/** What one pass of the retention task did. */
export interface RetentionPass {
  /** False when another instance held the lock: only measured. */
  trimmed: boolean;
  /** Entries trimmed per type. */
  removed: Record<string, number>;
  /** Entries moved to dead letters by the ceiling, per type and group. */
  moved: Record<string, Record<string, number>>;
  /** Handler types of the dead letters discarded past their bounds. */
  discarded: string[];
  lag: StreamLag;
}

type Entry = [id: string, fields: string[]];

interface ConsumerRoles {
  registered: Record<string, string>;
  released: ReadonlySet<string>;
}

/** Frees the lock only if this instance still holds it. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * The streams' retention, as a periodic task (one instance at a time, under
 * a short Redis lock): a stream `eventbus:stream:<type>` is trimmed
 * (`XTRIM MINID`) below the ordinary retention only as far as every
 * consumer group of the type has handled it; the groups are those on the
 * stream, those registered for the type (`consumerGroupsKey`) and, for each
 * consuming role `EVENT_PERMISSIONS` declares that none of them plays, the
 * role's default group: a service that is down, or has never run, holds
 * what it will need. Past the
 * hard ceiling, what a group has not handled moves to its dead letters with
 * the reason, counted. Also measures each group's lag for health and
 * `/metrics`, and applies the dead letters' bounds.
 */
@Injectable()
export class StreamRetention
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(StreamRetention.name);
  private readonly keyPrefix: string;
  private readonly retentionSeconds: number;
  private readonly maxRetentionSeconds: number;
  private readonly intervalMs: number;
  private readonly lockToken = randomUUID();
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private lastError?: string;

  constructor(
    @InjectEventBusOptions() options: EventBusModuleOptions,
    @Inject(EVENT_BUS_REDIS) private readonly redis: Redis | null,
    private readonly deadLetters: DeadLetters,
    private readonly stats: EventBusStats,
    private readonly gauges: StreamLagGauges,
  ) {
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.retentionSeconds = streamRetentionSeconds(options);
    this.maxRetentionSeconds = streamMaxRetentionSeconds(options);
    this.intervalMs =
      options.retentionIntervalMs ?? DEFAULT_RETENTION_INTERVAL_MS;
  }

  onApplicationBootstrap(): void {
    if (!this.redis) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    // Housekeeping never keeps the process alive.
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.runOnce()
      .then(() => (this.lastError = undefined))
      .catch((error: Error) => {
        if (error.message === this.lastError) return;
        this.lastError = error.message;
        this.logger.warn(`Stream retention skipped: ${error.message}`);
      })
      .finally(() => (this.running = undefined));
  }

  /**
   * One pass: when this instance gets the lock, applies the ceiling, trims
   * every stream and applies the dead letters' bounds; always measures the
   * lag (and sets the gauges).
   */
  async runOnce(now = Date.now()): Promise<RetentionPass> {
    const redis = this.client();
    const locked = await this.lock(redis);
    const pass: RetentionPass = {
      trimmed: locked,
      removed: {},
      moved: {},
      discarded: [],
      lag: {},
    };
    try {
      const roles = await this.consumerRoles();
      for (const type of await this.types()) {
        const stream = streamKey(this.keyPrefix, type);
        let groups = await this.positions(type, roles);
        if (locked) {
          const moved = await this.applyCeiling(type, stream, groups, now);
          if (Object.keys(moved).length > 0) {
            pass.moved[type] = moved;
            groups = await this.positions(type, roles);
          }
          const point = trimPoint(groups, this.retentionSeconds * 1_000, now);
          pass.removed[type] = await redis.xtrim(stream, 'MINID', point);
        }
        pass.lag[type] = await this.lagOf(stream, groups, now);
      }
      if (locked) {
        pass.discarded = await this.deadLetters.enforceBounds(now);
        for (const handler of pass.discarded) {
          this.stats.count('deadLetterDiscarded', handler);
        }
      }
      const { groups } = await this.deadLetters.summary(now);
      this.gauges.setDeadLetters(
        Object.fromEntries(
          Object.entries(groups).map(([group, { count }]) => [group, count]),
        ),
      );
    } finally {
      if (locked) await this.unlock(redis);
    }
    this.gauges.setLag(pass.lag);
    return pass;
  }

  /** Per type and group, what is not handled yet, in entries and seconds. */
  async measure(now = Date.now()): Promise<StreamLag> {
    const lag: StreamLag = {};
    const roles = await this.consumerRoles();
    for (const type of await this.types()) {
      const groups = await this.positions(type, roles);
      lag[type] = await this.lagOf(
        streamKey(this.keyPrefix, type),
        groups,
        now,
      );
    }
    this.gauges.setLag(lag);
    return lag;
  }

  /** Entries the ceiling moved to dead letters, per type and group, ever. */
  async movedByCeiling(): Promise<Record<string, Record<string, number>>> {
    const redis = this.client();
    const moved: Record<string, Record<string, number>> = {};
    for (const type of await this.types()) {
      const counts = await redis.hgetall(
        movedByCeilingKey(this.keyPrefix, type),
      );
      if (Object.keys(counts).length === 0) continue;
      moved[type] = Object.fromEntries(
        Object.entries(counts).map(([group, count]) => [group, Number(count)]),
      );
    }
    return moved;
  }

  /**
   * Removes a consumer group that is gone for good from every stream and
   * registry (`XGROUP DESTROY`, `SREM`): retention no longer waits for it.
   * A group of a consuming role (`EVENT_PERMISSIONS`), its default name
   * included when its service never ran, also releases that role until a
   * service of the role starts again. Returns the event types it was
   * released from. A service still running with that group recreates it.
   */
  async removeGroup(
    group: string,
  ): Promise<{ group: string; types: string[] }> {
    const redis = this.client();
    const released = new Set<string>();
    const roles = await this.consumerRoles();
    const role = roleOfGroup(group, roles.registered);
    for (const type of await this.types()) {
      const destroyed = await redis
        .xgroup('DESTROY', streamKey(this.keyPrefix, type), group)
        .catch(() => 0);
      if (Number(destroyed) > 0) released.add(type);
      if (
        role &&
        !roles.released.has(role) &&
        isEventType(type) &&
        mayConsume(role, type)
      ) {
        released.add(type);
      }
    }
    const registryPrefix = consumerGroupsKey(this.keyPrefix, '');
    for (const key of await this.scan(
      `${escapeGlob(registryPrefix)}*`,
      'set',
    )) {
      if ((await redis.srem(key, group)) > 0) {
        released.add(key.slice(registryPrefix.length));
      }
    }
    if (released.size === 0) throw new ConsumerGroupNotFoundError(group);
    // Its waiting retries and remembered positions go with it.
    await redis.del(
      retriesKey(this.keyPrefix, group),
      groupPositionsKey(this.keyPrefix, group),
    );
    await redis.hdel(consumerRolesKey(this.keyPrefix), group);
    if (role) await redis.sadd(releasedRolesKey(this.keyPrefix), role);
    const types = [...released].sort();
    this.logger.warn(
      `Consumer group ${group} removed from ${types.join(', ')}: retention no longer waits for it`,
    );
    return { group, types };
  }

  /**
   * Moves what the late groups have not handled below the ceiling into
   * their dead letters, a batch at a time, and counts it.
   */
  private async applyCeiling(
    type: string,
    stream: string,
    groups: GroupPosition[],
    now: number,
  ): Promise<Record<string, number>> {
    const ceilingId = idAt(now - this.maxRetentionSeconds * 1_000);
    const moved: Record<string, number> = {};
    for (const group of groupsPastCeiling(groups, ceilingId)) {
      const count =
        (await this.movePending(type, stream, group, ceilingId)) +
        (await this.moveUndelivered(type, stream, group, ceilingId));
      if (count === 0) continue;
      moved[group.name] = count;
      for (let i = 0; i < count; i++) this.stats.count('movedByCeiling', type);
      await this.client().hincrby(
        movedByCeilingKey(this.keyPrefix, type),
        group.name,
        count,
      );
      this.logger.warn(
        `${count} ${type} entries that ${group.name} had not handled within ${this.maxRetentionSeconds} s moved to its dead letters`,
      );
    }
    return moved;
  }

  /** Entries delivered to the group but never acknowledged, below the ceiling. */
  private async movePending(
    type: string,
    stream: string,
    group: GroupPosition,
    ceilingId: string,
  ): Promise<number> {
    if (
      !group.oldestPendingId ||
      compareIds(group.oldestPendingId, ceilingId) >= 0
    ) {
      return 0;
    }
    let moved = 0;
    for (;;) {
      const pending = (await this.client().xpending(
        stream,
        group.name,
        '-',
        `(${ceilingId}`,
        CEILING_BATCH,
      )) as Array<[string, string, number, number]>;
      if (pending.length === 0) return moved;
      const entries = await this.entries(
        stream,
        pending.map(([id]) => id),
      );
      const letters = pending.map(([id, , , deliveries]) =>
        this.letter(type, stream, group.name, id, entries.get(id), deliveries),
      );
      moved += await this.append(stream, group.name, letters, {
        kind: 'pending',
      });
      if (pending.length < CEILING_BATCH) return moved;
    }
  }

  /** Entries never delivered to the group, below the ceiling. */
  private async moveUndelivered(
    type: string,
    stream: string,
    group: GroupPosition,
    ceilingId: string,
  ): Promise<number> {
    let from: string | null = group.exists ? group.lastDeliveredId : null;
    let moved = 0;
    for (;;) {
      const entries = (await this.client().xrange(
        stream,
        from === null ? '-' : `(${from}`,
        `(${ceilingId}`,
        'COUNT',
        CEILING_BATCH,
      )) as Entry[];
      if (entries.length === 0) return moved;
      const to = entries[entries.length - 1][0];
      const letters = entries.map(([id, fields]) =>
        this.letter(type, stream, group.name, id, fields, 0),
      );
      const added = await this.append(stream, group.name, letters, {
        kind: 'undelivered',
        from,
        to,
      });
      // The group moved meanwhile (its service is back): the next pass sees it.
      if (added === -1) return moved;
      moved += added;
      from = to;
      if (entries.length < CEILING_BATCH) return moved;
    }
  }

  private letter(
    type: string,
    stream: string,
    group: string,
    entryId: string,
    fields: string[] | undefined,
    deliveries: number,
  ): DeadLetterRecord {
    const envelope = fields && fieldOf(fields, ENVELOPE_FIELD);
    return {
      envelope: envelope ?? null,
      stream,
      entryId,
      group,
      handler: type,
      error: envelope
        ? ceilingReason(this.maxRetentionSeconds)
        : `${ceilingReason(this.maxRetentionSeconds)}; the entry itself was already gone from the stream`,
      deliveries,
    };
  }

  /** Returns the letters written, or -1 when the group moved meanwhile. */
  private async append(
    stream: string,
    group: string,
    letters: DeadLetterRecord[],
    source: DeadLetterSource,
  ): Promise<number> {
    const result = await appendDeadLetters(
      this.client(),
      {
        keyPrefix: this.keyPrefix,
        group,
        stream,
        bounds: this.deadLetters.bounds,
      },
      letters,
      source,
    );
    for (const handler of result.discarded) {
      this.stats.count('deadLetterDiscarded', handler);
    }
    return result.applied ? result.added.length : -1;
  }

  private async entries(
    stream: string,
    ids: string[],
  ): Promise<Map<string, string[]>> {
    const pipeline = this.client().pipeline();
    for (const id of ids) pipeline.xrange(stream, id, id);
    const results = (await pipeline.exec()) ?? [];
    const found = new Map<string, string[]>();
    for (const [, reply] of results) {
      for (const [id, fields] of (reply as Entry[] | null) ?? []) {
        found.set(id, fields);
      }
    }
    return found;
  }

  private async lagOf(
    stream: string,
    groups: GroupPosition[],
    now: number,
  ): Promise<Record<string, GroupLag>> {
    const redis = this.client();
    const lag: Record<string, GroupLag> = {};
    for (const group of groups) {
      const [first] = (await redis.xrange(
        stream,
        group.exists ? `(${group.lastDeliveredId}` : '-',
        '+',
        'COUNT',
        1,
      )) as Entry[];
      const undelivered = group.exists
        ? (group.undelivered ?? (first ? null : 0))
        : await redis.xlen(stream);
      const oldest = [group.oldestPendingId, first?.[0]].filter(
        (id): id is string => id !== undefined,
      );
      lag[group.name] = {
        pending: group.pending,
        undelivered,
        entries: undelivered === null ? null : group.pending + undelivered,
        seconds:
          oldest.length === 0
            ? 0
            : Math.max(
                0,
                Math.round((now - timeOf(minId(oldest[0], ...oldest))) / 1_000),
              ),
        exists: group.exists,
      };
    }
    return lag;
  }

  /**
   * Where each group retention waits for on `type` stands: those on its
   * stream, those registered for it, and the default groups of the
   * consuming roles that have neither.
   */
  private async positions(
    type: string,
    roles: ConsumerRoles,
  ): Promise<GroupPosition[]> {
    const redis = this.client();
    const registered = await redis.smembers(
      consumerGroupsKey(this.keyPrefix, type),
    );
    const positions = await readGroupPositions(
      redis,
      streamKey(this.keyPrefix, type),
      registered,
    );
    const awaited = awaitedRoleGroups(
      type,
      positions.map((group) => group.name),
      roles.registered,
      roles.released,
    );
    return [...positions, ...awaited.map(notStartedGroup)];
  }

  /** The role each group registered, and the roles an operator released. */
  private async consumerRoles(): Promise<ConsumerRoles> {
    const redis = this.client();
    const [registered, released] = await Promise.all([
      redis.hgetall(consumerRolesKey(this.keyPrefix)),
      redis.smembers(releasedRolesKey(this.keyPrefix)),
    ]);
    return { registered, released: new Set(released) };
  }

  /** The event types that have a stream. */
  private async types(): Promise<string[]> {
    const prefix = streamKey(this.keyPrefix, '');
    const keys = await this.scan(`${escapeGlob(prefix)}*`, 'stream');
    return keys.map((key) => key.slice(prefix.length)).sort();
  }

  private async scan(match: string, type: string): Promise<string[]> {
    const keys = new Set<string>();
    let cursor = '0';
    do {
      const [next, found] = await this.client().scan(
        cursor,
        'MATCH',
        match,
        'COUNT',
        500,
        'TYPE',
        type,
      );
      for (const key of found) keys.add(key);
      cursor = next;
    } while (cursor !== '0');
    return [...keys];
  }

  private async lock(redis: Redis): Promise<boolean> {
    // Long enough for a pass, short enough that a crashed holder is replaced soon.
    const ttlMs = Math.max(30_000, this.intervalMs);
    return (
      (await redis.set(
        retentionLockKey(this.keyPrefix),
        this.lockToken,
        'PX',
        ttlMs,
        'NX',
      )) === 'OK'
    );
  }

  private async unlock(redis: Redis): Promise<void> {
    await redis
      .eval(RELEASE_SCRIPT, 1, retentionLockKey(this.keyPrefix), this.lockToken)
      .catch(() => undefined);
  }

  private client(): Redis {
    if (!this.redis) {
      throw new Error('The bus runs in local-only mode: no streams to retain');
    }
    return this.redis;
  }
}

const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');
