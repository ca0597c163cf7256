import { randomUUID } from 'node:crypto';

/**
 * A CloudEvents 1.0 event in structured JSON mode, with the bus's extensions.
 * This object is the `data` of the Nest Redis wire message `{ pattern, data }`.
 */
export interface EventEnvelope<TData = unknown> {
  specversion: '1.0';
  /** UUID, unique per event. */
  id: string;
  /** The event type, e.g. `user.registered`; also the Nest pattern. */
  type: string;
  /** The publishing service. */
  source: string;
  /** ISO 8601 time of publication. */
  time: string;
  datacontenttype: 'application/json';
  data: TData;
  /** Carried from the HTTP request or the event that caused this one. */
  correlationid: string;
  /** Id of the event that caused this one, when there is one. */
  causationid?: string;
  /** Schema version of `data`. */
  dataversion: number;
  /**
   * Trust extensions (README, Trust): the publisher's Ed25519 signature
   * (base64url) over the root of the batch it was signed in, the id of its
   * key, and the proof that leads from this envelope's JSON text to the root.
   */
  signature?: string;
  signaturekeyid?: string;
  signatureproof?: string;
  /** The admin who published it through `POST /api/events/publish`. */
  publishedby?: string;
  /** A dead-letter replay: who put it back, when, and the original signature. */
  replayedby?: string;
  replayedat?: string;
  originsignature?: string;
  originkeyid?: string;
  originproof?: string;
}

export interface CreateEnvelopeInput<TData> {
  type: string;
  source: string;
  data: TData;
  dataversion: number;
  correlationId?: string;
  causationId?: string;
}

export function createEventEnvelope<TData>(
  input: CreateEnvelopeInput<TData>,
  now: Date = new Date(),
): EventEnvelope<TData> {
  return {
    specversion: '1.0',
    id: randomUUID(),
    type: input.type,
    source: input.source,
    time: now.toISOString(),
    datacontenttype: 'application/json',
    data: input.data,
    correlationid: input.correlationId ?? randomUUID(),
    ...(input.causationId && { causationid: input.causationId }),
    dataversion: input.dataversion,
  };
}
