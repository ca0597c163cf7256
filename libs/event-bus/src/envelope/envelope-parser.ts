import { isRFC3339 } from 'class-validator';
import { EVENT_CATALOGUE, isEventType } from '@app/contracts';
import { assertValidPayload } from './payload-validation.js';
import type { EventEnvelope } from './event-envelope.js';

export type ParsedEnvelope =
  | { ok: true; envelope: EventEnvelope }
  | {
      ok: false;
      reason: string;
      /**
       * The same message may pass later (a key not distributed yet): a
       * durable consumer retries it instead of dead-lettering it at once.
       */
      retryable?: boolean;
    };

/**
 * Checks who sent a well-formed envelope (signature, source, age) and gives
 * the envelope handlers see (sensitive fields decrypted): `EventTrust`.
 * `text`, when given, is the JSON text the envelope was parsed from.
 */
export type EnvelopeVerifier = (
  envelope: EventEnvelope,
  text?: string,
) => ParsedEnvelope;

/**
 * The JSON value of a stored envelope's text, or `undefined` when it is
 * missing or not JSON (which `parseEnvelope` then refuses).
 */
export function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? 'null') as unknown;
  } catch {
    return undefined;
  }
}

const REQUIRED_STRINGS = [
  'id',
  'type',
  'source',
  'time',
  'correlationid',
] as const;

/**
 * Checks a message received on `channel`: a CloudEvents envelope of a known
 * type, trusted by `verify` when given (signature checked on the wire form,
 * then sensitive fields decrypted), whose `data` validates against the
 * catalogue. Never throws, so one bad message cannot stop a consumer.
 * `text`: the JSON text `raw` was parsed from, when the caller has it (a
 * stream entry's field); the signature check then takes the signed bytes
 * from it rather than serialising the envelope again.
 */
export function parseEnvelope(
  channel: string,
  raw: unknown,
  verify?: EnvelopeVerifier,
  text?: string,
): ParsedEnvelope {
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
  // CloudEvents' `time` is an RFC 3339 timestamp; Date.parse alone takes
  // far more ("1", "Sat Jun 01 2030").
  const time = candidate.time as string;
  if (!isRFC3339(time) || Number.isNaN(Date.parse(time))) {
    return { ok: false, reason: 'time is not an RFC 3339 timestamp' };
  }
  let envelope = candidate as unknown as EventEnvelope;
  // An unknown type is reported as such by the payload check below.
  if (verify && isEventType(envelope.type)) {
    const verified = verify(envelope, text);
    if (!verified.ok) return verified;
    envelope = verified.envelope;
  }
  try {
    const type = assertValidPayload(channel, envelope.data);
    if (candidate.dataversion !== EVENT_CATALOGUE[type].version) {
      return {
        ok: false,
        reason: `dataversion ${String(candidate.dataversion)} is not the supported ${EVENT_CATALOGUE[type].version}`,
      };
    }
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  return { ok: true, envelope };
}
