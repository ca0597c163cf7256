/**
 * CloudEvents extension attributes of the trust layer (lower-case letters
 * and digits only, as CloudEvents requires). A stock subscriber ignores them.
 */
export const TRUST_ATTRIBUTES = {
  /** Ed25519 signature (base64url) over the root of the envelope's batch. */
  signature: 'signature',
  /** Id of the key that made `signature`. */
  keyId: 'signaturekeyid',
  /**
   * The proof that leads from the envelope's signed text to the root of
   * its batch, which `signature` covers (a batch of one: `b2.1.0.`).
   */
  proof: 'signatureproof',
  /** Id of the admin who published the event through the HTTP route. */
  publishedBy: 'publishedby',
  /** A dead-letter replay: the service that put the event back. */
  replayedBy: 'replayedby',
  /** A dead-letter replay: when it was put back (ISO 8601). */
  replayedAt: 'replayedat',
  /** A dead-letter replay: the publisher's original signature and key id. */
  originSignature: 'originsignature',
  originKeyId: 'originkeyid',
  originProof: 'originproof',
} as const;

/** Attributes left out of the text the outer signature covers. */
export const SIGNATURE_ATTRIBUTES = [
  TRUST_ATTRIBUTES.signature,
  TRUST_ATTRIBUTES.keyId,
  TRUST_ATTRIBUTES.proof,
] as const;

/**
 * Attributes a replay adds: left out too (with the signature attributes) of
 * the form the publisher's original signature covers.
 */
export const REPLAY_ATTRIBUTES = [
  TRUST_ATTRIBUTES.replayedBy,
  TRUST_ATTRIBUTES.replayedAt,
  TRUST_ATTRIBUTES.originSignature,
  TRUST_ATTRIBUTES.originKeyId,
  TRUST_ATTRIBUTES.originProof,
] as const;

/** Why an event was refused; the `reason` label of the rejection metric. */
export const REJECTION_REASONS = [
  'unsigned',
  'unknown-key',
  'bad-signature',
  'key-not-source',
  'not-publisher',
  'too-old',
  'from-the-future',
  'sensitive-in-clear',
  'undecryptable',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** Default `EVENT_BUS_KEYS_DIR`, under the working directory. */
export const DEFAULT_KEYS_DIR = '.data/keys';

/**
 * Default maximum event age: 8 days. An event may legitimately wait in its
 * stream up to the 7-day retention ceiling (a consumer group that is down),
 * plus retries over the 1 h horizon and outbox time while Redis is down;
 * past the ceiling it moves to the dead letters, whose replays are re-signed
 * and aged from the replay. Inboxes should remember processed ids at least
 * this long, so that a genuine event appended again is refused either as a
 * duplicate or by age.
 */
export const DEFAULT_MAX_EVENT_AGE_SECONDS = 8 * 24 * 3600;

/** Clock skew tolerated on an event's time. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Batches whose signature a consumer has verified, remembered at most (with
 * up to twice their envelopes' count of nodes each).
 */
export const VERIFIED_BATCHES_REMEMBERED = 1_024;

/** A consumer meeting an unknown key id reloads the folder at most this often. */
export const KEY_RELOAD_INTERVAL_MS = 1_000;
