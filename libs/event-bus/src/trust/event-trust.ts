import { sign, verify } from 'node:crypto';
import { resolve } from 'node:path';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import {
  EVENT_CATALOGUE,
  EVENT_PERMISSIONS,
  EVENT_TYPES,
  isEventType,
  mayConsume,
  mayPublish,
  roleOfServiceName,
  type EventType,
  type ServiceRole,
} from '@app/contracts';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import type {
  EnvelopeVerifier,
  ParsedEnvelope,
} from '../envelope/envelope-parser.js';
import { maxEventAgeSeconds } from '../event-bus-config.js';
import { InjectEventBusOptions } from '../event-bus.constants.js';
import type { EventBusModuleOptions } from '../interfaces/event-bus-options.interface.js';
import {
  canonicalForm,
  withoutAttributes,
  withoutAttributesIfPresent,
} from './canonical-form.js';
import {
  TrustKeyStore,
  type SigningKey,
  type TrustedKey,
} from './key-store.js';
import { isSealed, SensitiveCipher } from './sensitive-cipher.js';
import {
  DEFAULT_KEYS_DIR,
  MAX_CLOCK_SKEW_MS,
  REPLAY_ATTRIBUTES,
  SIGNATURE_ATTRIBUTES,
  TRUST_ATTRIBUTES as ATTR,
  VERIFIED_BATCHES_REMEMBERED,
  type RejectionReason,
} from './trust.constants.js';
import {
  batchTree,
  climbProof,
  CURRENT_SCHEME,
  leafHash,
  MAX_BATCH_LEAVES,
  readProof,
  signedRoot,
  type BatchProof,
} from './batch-signature.js';
import {
  membersText,
  withMembersAppended,
} from '../envelope/append-members.js';
import {
  EventConsumeForbiddenError,
  EventPublishForbiddenError,
} from './trust.errors.js';
import { untrustedEventsCounter } from './trust-metrics.js';

export interface OpenOptions {
  /** Decrypt the sensitive fields (for handlers); default true. */
  decrypt?: boolean;
  /** Refuse events older than the maximum age; default true. */
  checkAge?: boolean;
  /** The JSON text the envelope was parsed from, when the caller has it. */
  text?: string;
  /**
   * Count a refusal in `eventbus_events_untrusted_total`; default true.
   * False for reads that deliver nothing (the history listing a stream).
   */
  count?: boolean;
}

export interface SealOptions {
  /** The admin who published through `POST /api/events/publish`. */
  publishedBy?: string;
}

/** What the consuming servers need: the check of each envelope and of their handlers. */
export interface ConsumerTrust {
  /** Verifies (and decrypts for handlers) an envelope of the right shape. */
  readonly verify: EnvelopeVerifier;
  /** Throws `EventConsumeForbiddenError` for handlers the role may not have. */
  assertMayConsume(types: readonly string[]): void;
}

type Envelope = EventEnvelope & Record<string, unknown>;

/** A signed envelope and its JSON text, as it goes on the wire. */
export interface SealedEnvelope<T = unknown> {
  envelope: EventEnvelope<T>;
  text: string;
}

interface PendingSignature {
  envelope: object;
  resolve: (signed: SealedEnvelope) => void;
  reject: (error: Error) => void;
}

/**
 * The trust layer of the bus. Publishing: `seal` encrypts the catalogue's
 * sensitive fields (AES-256-GCM) and signs the envelope with this service's
 * Ed25519 key (`signature`, `signaturekeyid`, `signatureproof`) as a batch
 * of one; `sealBatched` signs the envelopes of one turn together.
 * Consuming: `open` lets an event through only when it is signed by a key
 * of its `source`, that source's role publishes its type, it is not older
 * than the maximum age, and its sensitive fields are sealed; it decrypts
 * them for handlers.
 *
 * The service's role is `trust.role` (`EVENT_BUS_ROLE`), else the one its
 * app's name implies (`eventBusOptionsFromConfig`), else the one the service
 * name starts with (`notification-service-e2e-1` plays `notification`). A
 * service with no role (tests, tools) is not restricted itself, but no
 * service with a role trusts its events.
 */
@Injectable()
export class EventTrust implements OnModuleInit {
  private readonly logger = new Logger(EventTrust.name);
  readonly service: string;
  readonly role: ServiceRole | null;
  readonly keys: TrustKeyStore;
  readonly cipher: SensitiveCipher;
  private readonly maxAgeMs: number;
  private readonly rejections = untrustedEventsCounter();
  private signer?: SigningKey;
  /** Envelopes waiting to be signed together at the end of this turn. */
  private batch: PendingSignature[] = [];
  /**
   * The nodes (latin1 digests) known to be in each batch tree whose signature was
   * verified, by key id and signature.
   */
  private readonly verifiedBatches = new Map<string, Set<string>>();

  constructor(@InjectEventBusOptions() options: EventBusModuleOptions) {
    this.service = options.service;
    this.role =
      options.trust?.role ?? roleOfServiceName(options.service) ?? null;
    const dir = resolve(options.trust?.keysDir ?? DEFAULT_KEYS_DIR);
    this.keys = new TrustKeyStore(dir, (what) =>
      this.logger.log(`Created ${what} in ${dir}`),
    );
    this.cipher = new SensitiveCipher(this.keys);
    this.maxAgeMs = maxEventAgeSeconds(options) * 1_000;
  }

  /** Loads the keys and creates this service's signing key when it has none. */
  onModuleInit(): void {
    this.signingKey();
    // Made now rather than at the first event: services starting together
    // then mostly find one another's keys already there.
    if (this.handlesSensitiveFields()) this.keys.currentDataKey();
  }

  private handlesSensitiveFields(): boolean {
    const role = this.role;
    return EVENT_TYPES.some(
      (type) =>
        EVENT_CATALOGUE[type].sensitive.length > 0 &&
        (role === null || mayPublish(role, type) || mayConsume(role, type)),
    );
  }

  /** Throws `EventPublishForbiddenError` unless the role publishes `type`. */
  assertMayPublish(type: EventType): void {
    if (this.role !== null && !mayPublish(this.role, type)) {
      throw new EventPublishForbiddenError(
        type,
        this.service,
        this.role,
        EVENT_PERMISSIONS[type].publisher,
      );
    }
  }

  assertMayConsume(types: readonly string[]): void {
    const role = this.role;
    if (role === null) return;
    const forbidden = types.filter(
      (type) => isEventType(type) && !mayConsume(role, type),
    );
    if (forbidden.length > 0) {
      throw new EventConsumeForbiddenError(forbidden, this.service, role);
    }
  }

  /** The envelope as it leaves the service: sensitive fields sealed, signed. */
  seal<T>(
    event: EventEnvelope<T>,
    options: SealOptions = {},
  ): EventEnvelope<T> {
    return this.sign(
      this.encrypt(event, options),
    ) as unknown as EventEnvelope<T>;
  }

  /**
   * The envelope with its sensitive fields encrypted (a copy when any is),
   * not signed: what an outbox row keeps until its relay signs it with the
   * rows it sends together (`signAll`).
   */
  encrypt<T>(
    event: EventEnvelope<T>,
    options: SealOptions = {},
  ): EventEnvelope<T> {
    const data = this.sealSensitive(event.type, event.data);
    if (data === event.data && !options.publishedBy) return event;
    const sealed = Object.assign({}, event, { data }) as unknown as Envelope;
    if (options.publishedBy) sealed[ATTR.publishedBy] = options.publishedBy;
    return sealed as unknown as EventEnvelope<T>;
  }

  /**
   * Signs envelopes whose sensitive fields are encrypted, in batches of up
   * to `MAX_BATCH_LEAVES` (a signature they carry already is replaced):
   * the outbox relay's rows, sent together.
   */
  signAll(envelopes: readonly EventEnvelope[]): SealedEnvelope[] {
    const signed: SealedEnvelope[] = [];
    for (let i = 0; i < envelopes.length; i += MAX_BATCH_LEAVES) {
      const batch = envelopes.slice(i, i + MAX_BATCH_LEAVES);
      signed.push(...this.signTogether(batch));
    }
    return signed;
  }

  /**
   * As `seal`, but the envelopes sealed in the same turn of the event loop
   * (up to `MAX_BATCH_LEAVES`) share one signature over a Merkle tree of
   * them, each with the proof of its leaf (`signatureproof`): a publisher
   * signs, and each consumer verifies, once per batch rather than once per
   * event. An envelope alone in its turn is a batch of one. Gives the
   * envelope's JSON text too, which was made to sign it: the publisher sends
   * it as it is.
   */
  sealBatched<T>(
    event: EventEnvelope<T>,
    options: SealOptions = {},
  ): Promise<SealedEnvelope<T>> {
    return new Promise((resolve, reject) => {
      // Encrypting may throw (no data key): the promise rejects with it.
      const envelope = this.encrypt(event, options);
      this.batch.push({
        envelope,
        resolve: resolve as PendingSignature['resolve'],
        reject,
      });
      if (this.batch.length >= MAX_BATCH_LEAVES) this.signBatch();
      else if (this.batch.length === 1) setImmediate(() => this.signBatch());
    });
  }

  private signBatch(): void {
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 0) return;
    try {
      const signed = this.signTogether(batch.map(({ envelope }) => envelope));
      batch.forEach(({ resolve }, i) => resolve(signed[i]));
    } catch (error) {
      for (const { reject } of batch) reject(error as Error);
    }
  }

  /**
   * Signs `envelopes` with one signature over the tree of their JSON texts
   * (scheme `b2`), each with its proof; one envelope alone is a batch of
   * one. The signature attributes go last, so each envelope's text is its
   * signed text with them appended: the publisher sends that text as it is.
   */
  private signTogether(envelopes: readonly object[]): SealedEnvelope[] {
    const { keyId, key } = this.signingKey();
    const unsigned = envelopes.map((envelope) =>
      withoutAttributesIfPresent(envelope, SIGNATURE_ATTRIBUTES),
    );
    const texts = unsigned.map((envelope) => JSON.stringify(envelope));
    const { root, proofs } = batchTree(texts.map((text) => leafHash(text)));
    const signature = sign(
      null,
      signedRoot(root, CURRENT_SCHEME),
      key,
    ).toString('base64url');
    // The same for every envelope of the batch: written once.
    const signedBy = { [ATTR.signature]: signature, [ATTR.keyId]: keyId };
    const signedByText = membersText(signedBy);
    return unsigned.map((envelope, i) => {
      const proof = { [ATTR.proof]: proofs[i] };
      return {
        // Not a spread with new members after it, which V8 makes slowly.
        envelope: Object.assign(
          {},
          envelope,
          signedBy,
          proof,
        ) as unknown as EventEnvelope,
        text: withMembersAppended(texts[i], signedByText + membersText(proof)),
      };
    });
  }

  /**
   * A dead letter put back on its stream: signed again by this service and
   * marked as a replay (`replayedby`, `replayedat`), the publisher's
   * signature kept (`originsignature`, `originkeyid`), so the event is aged
   * from the replay but still proves who published it. Anything else (not
   * an envelope, unsigned) is returned as it is, and consumers refuse it.
   */
  resealAsReplay(raw: unknown): unknown {
    if (!isObject(raw) || typeof raw[ATTR.signature] !== 'string') return raw;
    const replay = withoutAttributes(raw, [
      ...SIGNATURE_ATTRIBUTES,
      ...REPLAY_ATTRIBUTES,
    ]);
    const alreadyReplayed = typeof raw[ATTR.originSignature] === 'string';
    replay[ATTR.originSignature] = alreadyReplayed
      ? raw[ATTR.originSignature]
      : raw[ATTR.signature];
    replay[ATTR.originKeyId] = alreadyReplayed
      ? raw[ATTR.originKeyId]
      : raw[ATTR.keyId];
    const originProof = alreadyReplayed
      ? raw[ATTR.originProof]
      : raw[ATTR.proof];
    if (originProof !== undefined) replay[ATTR.originProof] = originProof;
    replay[ATTR.replayedBy] = this.service;
    replay[ATTR.replayedAt] = new Date().toISOString();
    return this.sign(replay);
  }

  /** Checks an envelope of the right shape; counts what it refuses. */
  open(envelope: EventEnvelope, options: OpenOptions = {}): ParsedEnvelope {
    const result = this.check(envelope as Envelope, options);
    if (!result.ok) {
      if (options.count !== false) {
        this.rejections.inc({ type: envelope.type, reason: result.rejection });
      }
      return {
        ok: false,
        reason: `untrusted event (${result.rejection}): ${result.reason}`,
        // Services start together and keys rotate: a key met before its
        // file was read is known a moment later.
        retryable: result.rejection === 'unknown-key',
      };
    }
    return result;
  }

  /** For the consuming servers: full checks, decrypted for handlers. */
  forConsumers(): ConsumerTrust {
    return {
      verify: (envelope, text) => this.open(envelope, { text }),
      assertMayConsume: (types) => this.assertMayConsume(types),
    };
  }

  private check(
    envelope: Envelope,
    { decrypt = true, checkAge = true, text }: OpenOptions,
  ):
    | { ok: true; envelope: EventEnvelope }
    | { ok: false; rejection: RejectionReason; reason: string } {
    const reject = (rejection: RejectionReason, reason: string) =>
      ({ ok: false, rejection, reason }) as const;
    const type = envelope.type;
    if (!isEventType(type))
      return reject('not-publisher', `unknown type ${type}`);
    const signature = envelope[ATTR.signature];
    const keyId = envelope[ATTR.keyId];
    if (typeof signature !== 'string' || typeof keyId !== 'string') {
      return reject('unsigned', 'no signature or signaturekeyid');
    }
    const signer = this.keys.publicKey(keyId);
    if (!signer) return reject('unknown-key', `no public key ${keyId}`);
    if (
      !this.verifies(
        envelope,
        SIGNATURE_ATTRIBUTES,
        signer,
        signature,
        envelope[ATTR.proof],
        text,
      )
    ) {
      return reject(
        'bad-signature',
        `the signature of key ${keyId} does not match`,
      );
    }
    let publisher = signer;
    let since = envelope.time;
    const replayedBy = envelope[ATTR.replayedBy];
    if (replayedBy !== undefined) {
      if (
        signer.service !== replayedBy ||
        (this.role !== null && signer.role === null)
      ) {
        return reject(
          'key-not-source',
          `key ${keyId} does not speak for ${String(replayedBy)}`,
        );
      }
      const originSignature = envelope[ATTR.originSignature];
      const originKeyId = envelope[ATTR.originKeyId];
      if (
        typeof originSignature !== 'string' ||
        typeof originKeyId !== 'string'
      ) {
        return reject('unsigned', 'a replay without the publisher’s signature');
      }
      const origin = this.keys.publicKey(originKeyId);
      if (!origin) return reject('unknown-key', `no public key ${originKeyId}`);
      const covered = [...SIGNATURE_ATTRIBUTES, ...REPLAY_ATTRIBUTES];
      if (
        !this.verifies(
          envelope,
          covered,
          origin,
          originSignature,
          envelope[ATTR.originProof],
        )
      ) {
        return reject(
          'bad-signature',
          `the publisher’s signature (key ${originKeyId}) does not match`,
        );
      }
      publisher = origin;
      since = String(envelope[ATTR.replayedAt]);
    }
    if (publisher.service !== envelope.source) {
      return reject(
        'key-not-source',
        `key ${publisher.keyId} is ${publisher.service}’s, not ${envelope.source}’s`,
      );
    }
    if (!this.trustsPublisher(publisher.role, type)) {
      return reject(
        'not-publisher',
        `${envelope.source} (role ${publisher.role ?? 'none'}) may not publish ${type}`,
      );
    }
    if (checkAge) {
      const age = Date.now() - Date.parse(since);
      if (!(age <= this.maxAgeMs)) {
        return reject('too-old', `older than ${this.maxAgeMs / 1_000} s`);
      }
      if (age < -MAX_CLOCK_SKEW_MS) {
        return reject('from-the-future', `dated ${since}`);
      }
    }
    const sensitive: readonly string[] = EVENT_CATALOGUE[type].sensitive;
    if (sensitive.length === 0 || !isObject(envelope.data)) {
      return { ok: true, envelope };
    }
    const data = { ...envelope.data };
    for (const field of sensitive) {
      if (!(field in data)) continue;
      if (!isSealed(data[field])) {
        return reject('sensitive-in-clear', `${field} is not encrypted`);
      }
      if (!decrypt) continue;
      try {
        data[field] = this.cipher.open(data[field], fieldContext(type, field));
      } catch (error) {
        return reject('undecryptable', `${field}: ${(error as Error).message}`);
      }
    }
    return { ok: true, envelope: decrypt ? { ...envelope, data } : envelope };
  }

  /**
   * A service with a role trusts only the type's publisher role; one
   * without a role (a test or a tool) also trusts services without one.
   */
  private trustsPublisher(role: ServiceRole | null, type: EventType): boolean {
    if (role === null) return this.role === null;
    return mayPublish(role, type);
  }

  private sealSensitive(type: string, data: unknown): unknown {
    if (!isEventType(type) || !isObject(data)) return data;
    const sensitive: readonly string[] = EVENT_CATALOGUE[type].sensitive;
    if (sensitive.length === 0) return data;
    const sealed = { ...data };
    for (const field of sensitive) {
      if (sealed[field] !== undefined && !isSealed(sealed[field])) {
        sealed[field] = this.cipher.seal(
          sealed[field],
          fieldContext(type, field),
        );
      }
    }
    return sealed;
  }

  private sign(envelope: object): Record<string, unknown> {
    return this.signTogether([envelope])[0].envelope as unknown as Record<
      string,
      unknown
    >;
  }

  private signingKey(): SigningKey {
    this.signer ??= this.keys.signingKey(this.service, this.role);
    return this.signer;
  }

  /**
   * Whether `signature` of `key` covers the envelope without `omit`: by
   * itself (events signed before batches, RFC 8785 form), or, with a
   * `proof`, through the root of its batch. Each batch's signature is
   * verified once; the nodes climbed to its root and the siblings used are
   * then remembered as authentic, so the next envelope of the batch stops
   * at the first node it computes that is one of them.
   */
  private verifies(
    envelope: object,
    omit: readonly string[],
    key: TrustedKey,
    signature: string,
    proofText: unknown,
    envelopeText?: string,
  ): boolean {
    try {
      if (proofText === undefined) {
        return verify(
          null,
          canonicalForm(envelope, omit),
          key.key,
          Buffer.from(signature, 'base64url'),
        );
      }
      if (typeof proofText !== 'string') return false;
      const proof = readProof(proofText);
      if (!proof) return false;
      const batch = `${key.keyId}:${signature}`;
      const known = this.verifiedBatches.get(batch);
      const climb = climbProof(
        leafHash(signedForm(envelope, omit, proof, envelopeText)),
        proof,
        known && ((node) => known.has(node)),
      );
      if (
        !climb.known &&
        !verify(
          null,
          signedRoot(climb.root, proof.scheme),
          key.key,
          Buffer.from(signature, 'base64url'),
        )
      ) {
        return false;
      }
      const nodes = known ?? new Set<string>();
      for (const node of climb.learned) nodes.add(node);
      if (!known) {
        if (this.verifiedBatches.size >= VERIFIED_BATCHES_REMEMBERED) {
          this.verifiedBatches.delete(
            this.verifiedBatches.keys().next().value!,
          );
        }
        this.verifiedBatches.set(batch, nodes);
      }
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * The signed text of a `b2` envelope taken from `text`, its JSON as it
 * travelled, rather than serialising the envelope again: `text` without the
 * signature attributes, which the signer appended last. Undefined when
 * `text` does not end with them (written otherwise): the caller serialises
 * the envelope. Sound because the signed text, when genuine, is the
 * signer's own `JSON.stringify` of an object without those attributes, so
 * `text` parses to exactly it plus them; any other text leads to another
 * leaf, and its proof to another root.
 */
function signedTextOf(text: string, envelope: object): string | undefined {
  const signed = envelope as Record<SignatureAttribute, string>;
  const appended = `${membersText({
    [ATTR.signature]: signed[ATTR.signature],
    [ATTR.keyId]: signed[ATTR.keyId],
    [ATTR.proof]: signed[ATTR.proof],
  })}}`;
  return text.endsWith(appended)
    ? `${text.slice(0, -appended.length)}}`
    : undefined;
}

/**
 * The bytes of a leaf of `proof`'s scheme: the envelope without `omit`.
 * `text`: the JSON the envelope was read from, which holds the signed text
 * of its own (outer) signature.
 */
function signedForm(
  envelope: object,
  omit: readonly string[],
  proof: BatchProof,
  text?: string,
): Buffer | string {
  if (proof.scheme === 'b1') return canonicalForm(envelope, omit);
  if (text !== undefined && omit === SIGNATURE_ATTRIBUTES) {
    const signed = signedTextOf(text, envelope);
    if (signed !== undefined) return signed;
  }
  return JSON.stringify(withoutAttributesIfPresent(envelope, omit));
}

/** The authenticated context of a sensitive field of an event. */
export const fieldContext = (type: string, field: string): string =>
  `event:${type}:${field}`;

type SignatureAttribute = (typeof SIGNATURE_ATTRIBUTES)[number];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
