import type { Redis } from 'ioredis';
import { idAt } from '../retention/stream-ids.js';
import { deadLetterKey } from '../transport/streams/redis-streams.constants.js';
import {
  encodeDeadLetter,
  type DeadLetterRecord,
} from './dead-letter.codec.js';

/** How many dead letters each consumer group keeps, and for how long. */
export interface DeadLetterBounds {
  /** Letters kept per group; past it the oldest are discarded. */
  maxPerGroup: number;
  /** Letters older than this are discarded. */
  maxAgeSeconds: number;
}

/** 10 000 letters of a few KB per group; two weeks to look at them. */
export const DEFAULT_DEAD_LETTER_BOUNDS: DeadLetterBounds = {
  maxPerGroup: 10_000,
  maxAgeSeconds: 14 * 86_400,
};

/** Share of a bound past which health warns, before anything is discarded. */
export const DEAD_LETTER_WARNING_RATIO = 0.8;

/**
 * One group's dead letters, as {@link indexMember}s of a sorted set whose
 * scores are all 0, so members sort exactly as the ids do: bounds and lists
 * by group.
 */
export const deadLetterIndexKey = (keyPrefix: string, group: string): string =>
  `${keyPrefix}dead-letters:group:${group}`;

/** A dead letter id as a member of its group's index: zero-padded, so it sorts. */
export const indexMember = (id: string): string => {
  const [ms, seq = '0'] = id.split('-');
  return `${ms.padStart(20, '0')}-${seq.padStart(20, '0')}`;
};

/** The dead letter id of an index member. */
export const idOfIndexMember = (member: string): string => {
  const [ms, seq] = member.split('-');
  return `${BigInt(ms)}-${BigInt(seq)}`;
};

/** The groups that have had dead letters. */
export const deadLetterGroupsKey = (keyPrefix: string): string =>
  `${keyPrefix}dead-letters:groups`;

/** Dead letters discarded by the bounds, per group (a hash). */
export const deadLetterDiscardedKey = (keyPrefix: string): string =>
  `${keyPrefix}dead-letters:discarded`;

/**
 * How the entries behind the letters leave their stream's group:
 * - `acknowledge`: the caller holds them pending (a failed handler);
 * - `pending`: only those still pending (the retention ceiling, which
 *   races with a consumer that may acknowledge meanwhile);
 * - `undelivered`: entries after the group's position `from` (`null`: the
 *   group does not exist yet); the group moves to `to`, created there if
 *   needed. Nothing is written if the group moved meanwhile.
 * - `none`: no letters, only the bounds applied.
 */
export type DeadLetterSource =
  | { kind: 'acknowledge' | 'pending' | 'none' }
  | { kind: 'undelivered'; from: string | null; to: string };

export interface AppendedDeadLetters {
  /** False when an `undelivered` group moved meanwhile: nothing written. */
  applied: boolean;
  /** Ids of the new letters. */
  added: string[];
  /** Handler types of the letters the bounds discarded. */
  discarded: string[];
}

/*
 * One script, so that a letter is written if and only if its entry leaves
 * the group, and the group's bounds hold after every write.
 * KEYS: dead letters, the group's index, discarded counts, groups, stream.
 * ARGV: group, max per group, oldest time kept (ms), source kind, from, to,
 * letter count, then per letter: entry id, field count, fields.
 */
const APPEND_SCRIPT = `
local dlq, index, discardedKey, groupsKey, source = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local group, maxCount, oldest, kind = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]

local function member(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return string.rep('0', 20 - #ms) .. ms .. '-' .. string.rep('0', 20 - #seq) .. seq
end
local function idOf(m)
  local ms, seq = string.match(m, '^(%d+)-(%d+)$')
  return (string.gsub(ms, '^0+(%d)', '%1')) .. '-' .. (string.gsub(seq, '^0+(%d)', '%1'))
end
local from, to, count = ARGV[5], ARGV[6], tonumber(ARGV[7])

local entriesRead = false
if kind == 'undelivered' then
  local position = false
  local groups = redis.pcall('XINFO', 'GROUPS', source)
  if type(groups) == 'table' and not groups.err then
    for _, info in ipairs(groups) do
      local name, last, read
      for i = 1, #info, 2 do
        if info[i] == 'name' then name = info[i + 1]
        elseif info[i] == 'last-delivered-id' then last = info[i + 1]
        elseif info[i] == 'entries-read' then read = info[i + 1] end
      end
      if name == group then position = last; entriesRead = read end
    end
  end
  if (from == '' and position) or (from ~= '' and position ~= from) then
    return {0, {}, {}}
  end
end

local added = {}
local arg = 8
for _ = 1, count do
  local entryId, fieldCount = ARGV[arg], tonumber(ARGV[arg + 1])
  local fields = {}
  for k = 1, fieldCount do fields[k] = ARGV[arg + 1 + k] end
  arg = arg + 2 + fieldCount
  local write = true
  if kind == 'acknowledge' then
    redis.call('XACK', source, group, entryId)
  elseif kind == 'pending' then
    write = redis.call('XACK', source, group, entryId) == 1
  end
  if write then
    local id = redis.call('XADD', dlq, '*', unpack(fields))
    redis.call('ZADD', index, 0, member(id))
    added[#added + 1] = id
  end
end
if #added > 0 then redis.call('SADD', groupsKey, group) end

if kind == 'undelivered' then
  if from == '' then
    redis.call('XGROUP', 'CREATE', source, group, to)
  elseif entriesRead then
    redis.call('XGROUP', 'SETID', source, group, to, 'ENTRIESREAD', entriesRead + count)
  else
    redis.call('XGROUP', 'SETID', source, group, to)
  end
end

local discarded = {}
local function drop(ids)
  for _, m in ipairs(ids) do
    local id = idOf(m)
    local entry = redis.call('XRANGE', dlq, id, id)[1]
    if entry then
      local handler = ''
      for i = 1, #entry[2], 2 do
        if entry[2][i] == 'handler' then handler = entry[2][i + 1] end
      end
      redis.call('XDEL', dlq, id)
      discarded[#discarded + 1] = handler
    end
  end
end
local expired = redis.call('ZRANGEBYLEX', index, '-', '(' .. oldest)
if #expired > 0 then
  redis.call('ZREMRANGEBYLEX', index, '-', '(' .. oldest)
  drop(expired)
end
local excess = redis.call('ZCARD', index) - maxCount
if excess > 0 then
  local popped = redis.call('ZPOPMIN', index, excess)
  local ids = {}
  for i = 1, #popped, 2 do ids[#ids + 1] = popped[i] end
  drop(ids)
end
if #discarded > 0 then redis.call('HINCRBY', discardedKey, group, #discarded) end
return {1, added, discarded}
`;

/**
 * Writes dead letters of one group (entries of one stream) and applies the
 * group's bounds, discarding its oldest letters past them (counted in
 * {@link deadLetterDiscardedKey}). Every writer of dead letters goes
 * through here.
 */
export async function appendDeadLetters(
  redis: Redis,
  target: {
    keyPrefix: string;
    group: string;
    /** The stream the entries are on (any key with `none`). */
    stream: string;
    bounds: DeadLetterBounds;
    now?: number;
  },
  letters: readonly DeadLetterRecord[],
  source: DeadLetterSource,
): Promise<AppendedDeadLetters> {
  const { keyPrefix, group, stream, bounds } = target;
  const now = target.now ?? Date.now();
  const letterArgs = letters.flatMap((letter) => {
    const fields = encodeDeadLetter({ ...letter, group });
    return [letter.entryId, String(fields.length), ...fields];
  });
  const [applied, added, discarded] = (await redis.eval(
    APPEND_SCRIPT,
    5,
    deadLetterKey(keyPrefix),
    deadLetterIndexKey(keyPrefix, group),
    deadLetterDiscardedKey(keyPrefix),
    deadLetterGroupsKey(keyPrefix),
    stream,
    group,
    String(bounds.maxPerGroup),
    indexMember(idAt(now - bounds.maxAgeSeconds * 1_000)),
    source.kind,
    source.kind === 'undelivered' ? (source.from ?? '') : '',
    source.kind === 'undelivered' ? source.to : '',
    String(letters.length),
    ...letterArgs,
  )) as [number, string[], string[]];
  return { applied: applied === 1, added, discarded };
}
