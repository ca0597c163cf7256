import type { Redis } from 'ioredis';

/**
 * The durable consumer's steps that must not interleave with another
 * instance's, as Lua scripts (ioredis `defineCommand`: EVALSHA, loaded on
 * first use). Each touches one stream and the keys of its consumer group.
 */
const SCRIPTS = {
  /**
   * Takes a due retry: removes it from the group's retries and claims the
   * entry, in one step, so two instances never both take it. Answers
   * `[deliveries, fields]`, or nil when another instance took it first or
   * the entry is no longer pending (acknowledged, or not read yet by a
   * recreated group, which will deliver it as new).
   * KEYS: retries, stream. ARGV: member, group, consumer, entry id.
   */
  takeDueRetry: {
    numberOfKeys: 2,
    lua: `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return nil end
local claimed = redis.call('XCLAIM', KEYS[2], ARGV[2], ARGV[3], 0, ARGV[4])
if #claimed == 0 or not claimed[1][2] then return nil end
local pending = redis.call('XPENDING', KEYS[2], ARGV[2], ARGV[4], ARGV[4], 1)
return { pending[1][4], claimed[1][2] }`,
  },
  /**
   * Takes over entries left idle by a consumer that stopped renewing them
   * (it crashed), except those waiting for a delayed retry, whose due time
   * the retries set keeps. XCLAIM's minimum idle time leaves alone an entry
   * whose lease was renewed meanwhile.
   * KEYS: stream, retries. ARGV: group, consumer, min idle ms, entry ids...
   */
  claimIdle: {
    numberOfKeys: 2,
    lua: `
local ids = {}
for i = 4, #ARGV do
  if not redis.call('ZSCORE', KEYS[2], KEYS[1] .. '|' .. ARGV[i]) then
    ids[#ids + 1] = ARGV[i]
  end
end
if #ids == 0 then return {} end
return redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], unpack(ids))`,
  },
  /**
   * Renews this consumer's leases while its handlers run: resets the idle
   * time of the entries it still holds (XCLAIM JUSTID to itself, which does
   * not count a delivery) and the TTL of their inbox claims. Answers the
   * ids it no longer holds.
   * KEYS: stream, then one inbox key per id ('' for none).
   * ARGV: group, consumer, lease ms, in-progress mark, entry ids...
   */
  // No numberOfKeys: the count goes first in each call.
  renewLeases: {
    lua: `
local held, lost = {}, {}
for i = 5, #ARGV do
  local id = ARGV[i]
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)
  if pending[1] and pending[1][2] == ARGV[2] then
    held[#held + 1] = id
    local inbox = KEYS[i - 3]
    if inbox ~= '' and redis.call('GET', inbox) == ARGV[4] then
      redis.call('PEXPIRE', inbox, ARGV[3])
    end
  else
    lost[#lost + 1] = id
  end
end
if #held > 0 then
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, unpack(held), 'JUSTID')
end
return lost`,
  },
  /**
   * The inbox claims of a whole read in one command rather than a SET per
   * event: each key is claimed (SET NX GET, with the claim's TTL) unless it
   * is held. Answers per key 0 (claimed), 1 (done already), 2 (busy).
   * KEYS: inbox keys. ARGV: in-progress mark, claim ms, done mark.
   */
  claimInbox: {
    lua: `
local answers = {}
for i, key in ipairs(KEYS) do
  local previous = redis.call('SET', key, ARGV[1], 'PX', ARGV[2], 'NX', 'GET')
  if not previous then answers[i] = 0
  elseif previous == ARGV[3] then answers[i] = 1
  else answers[i] = 2 end
end
return answers`,
  },
  /**
   * Records handled events and acknowledges entries, in one command rather
   * than a SET per event: the records first, then one XACK per stream. A
   * failed XACK (NOGROUP: the group was lost) fails the command, the records
   * and the other streams' acknowledgements kept.
   * KEYS: the inbox keys of the handled events, then the streams.
   * ARGV: how many inbox keys, done mark, TTL s, group, then per stream the
   * number of its entry ids and the ids.
   */
  completeInbox: {
    lua: `
local records = tonumber(ARGV[1])
for i = 1, records do
  redis.call('SET', KEYS[i], ARGV[2], 'EX', ARGV[3])
end
local failed
local at = 5
for s = records + 1, #KEYS do
  local count = tonumber(ARGV[at])
  for from = at + 1, at + count, 1000 do
    local to = math.min(from + 999, at + count)
    local reply = redis.pcall('XACK', KEYS[s], ARGV[4], unpack(ARGV, from, to))
    if type(reply) == 'table' and reply.err then failed = failed or reply end
  end
  at = at + count + 1
end
if failed then return failed end
return records`,
  },
  /**
   * Removes the consumers of instances that are gone: idle longer than the
   * given time and holding nothing pending (a consumer with pending entries
   * is left for reclaiming). Answers their names.
   * KEYS: stream. ARGV: group, this consumer, min idle ms.
   */
  dropIdleConsumers: {
    numberOfKeys: 1,
    lua: `
local dropped = {}
for _, flat in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #flat, 2 do info[flat[i]] = flat[i + 1] end
  if info['name'] ~= ARGV[2] and tonumber(info['pending']) == 0
      and tonumber(info['idle']) > tonumber(ARGV[3]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    dropped[#dropped + 1] = info['name']
  end
end
return dropped`,
  },
} as const;

type StreamEntry = [id: string, fields: string[]];

/** The inbox's scripts (`RedisInbox`), on a connection or in a MULTI. */
export interface InboxScripts<R = Promise<number[]>, C = Promise<number>> {
  claimInbox(keyCount: number, ...keysThenArgs: Array<string | number>): R;
  completeInbox(keyCount: number, ...keysThenArgs: Array<string | number>): C;
}

/** A Redis connection with the consumer's scripts defined. */
export interface ConsumerScripts extends InboxScripts {
  takeDueRetry(
    retries: string,
    stream: string,
    member: string,
    group: string,
    consumer: string,
    entryId: string,
  ): Promise<[deliveries: number, fields: string[]] | null>;
  claimIdle(
    stream: string,
    retries: string,
    group: string,
    consumer: string,
    minIdleMs: number,
    ...entryIds: string[]
  ): Promise<StreamEntry[]>;
  renewLeases(
    keyCount: number,
    ...keysThenArgs: Array<string | number>
  ): Promise<string[]>;
  dropIdleConsumers(
    stream: string,
    group: string,
    consumer: string,
    minIdleMs: number,
  ): Promise<string[]>;
}

/** Defines the scripts on `redis` and returns it, typed. */
export function withConsumerScripts(redis: Redis): Redis & ConsumerScripts {
  for (const [name, definition] of Object.entries(SCRIPTS)) {
    redis.defineCommand(name, definition);
  }
  return redis as Redis & ConsumerScripts;
}
