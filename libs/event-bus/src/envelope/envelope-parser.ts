import { EVENT_CATALOGUE } from '@app/contracts';
import { assertValidPayload } from './payload-validation.js';
import type { EventEnvelope } from './event-envelope.js';

export type ParsedEnvelope =
  { ok: true; envelope: EventEnvelope } | { ok: false; reason: string };

const REQUIRED_STRINGS = [
  'id',
  'type',
  'source',
  'time',
  'correlationid',
] as const;

/**
 * Checks a message received on `channel`: a CloudEvents envelope of a known
 * type whose `data` validates against the catalogue. Never throws, so one bad
 * message cannot stop a consumer.
 */
export function parseEnvelope(channel: string, raw: unknown): ParsedEnvelope {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: 'not a JSON object' };
  }
  const candidate = raw as Record<string, unknown>;
  if (candidate.specversion !== '1.0') {
    return { ok: false, reason: 'specversion is not "1.0"' };
  }
  for (const field of REQUIRED_STRINGS) {
    if (typeof candidate[field] !== 'string' || candidate[field] === '') {
      return { ok: false, reason: `${field} is missing or not a string` };
    }
  }
  if (candidate.type !== channel) {
    return {
      ok: false,
      reason: `type "${String(candidate.type)}" does not match the channel`,
    };
  }
  if (Number.isNaN(Date.parse(candidate.time as string))) {
    return { ok: false, reason: 'time is not an ISO 8601 date' };
  }
  try {
    const type = assertValidPayload(channel, candidate.data);
    if (candidate.dataversion !== EVENT_CATALOGUE[type].version) {
      return {
        ok: false,
        reason: `dataversion ${String(candidate.dataversion)} is not the supported ${EVENT_CATALOGUE[type].version}`,
      };
    }
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  return { ok: true, envelope: candidate as unknown as EventEnvelope };
}
