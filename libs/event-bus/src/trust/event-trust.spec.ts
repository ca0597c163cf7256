import { randomUUID, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudEvent } from 'cloudevents';
import type { ServiceRole } from '@app/contracts';
import { parseEnvelope } from '../envelope/envelope-parser.js';
import {
  createEventEnvelope,
  type EventEnvelope,
} from '../envelope/event-envelope.js';
import { batchTree, leafHash, signedRoot } from './batch-signature.js';
import { canonicalForm } from './canonical-form.js';
import { EventTrust } from './event-trust.js';
import {
  EventConsumeForbiddenError,
  EventPublishForbiddenError,
} from './trust.errors.js';

describe('EventTrust', () => {
  let keysDir: string;
  const trustOf = (
    service: string,
    options: { role?: ServiceRole; maxEventAgeSeconds?: number } = {},
  ) => new EventTrust({ service, trust: { keysDir, ...options } });

  beforeEach(() => (keysDir = mkdtempSync(join(tmpdir(), 'keys-'))));
  afterEach(() => rmSync(keysDir, { recursive: true, force: true }));

  const deleted = (time = new Date()) =>
    createEventEnvelope(
      {
        type: 'user.deleted',
        source: 'user-service',
        dataversion: 1,
        data: { userId: randomUUID(), timestamp: time.toISOString() },
      },
      time,
    );
  const registered = () =>
    createEventEnvelope({
      type: 'user.registered',
      source: 'user-service',
      dataversion: 1,
      data: {
        userId: randomUUID(),
        email: 'ada@example.com',
        name: 'Ada',
        role: 'customer',
        verificationToken: 'the-secret-token',
        timestamp: new Date().toISOString(),
      },
    });
  /** Through the wire: what a consumer reads. */
  const wire = (event: object) =>
    JSON.parse(JSON.stringify(event)) as EventEnvelope;

  describe('roles', () => {
    it('derives the role from the service name, or takes the one given', () => {
      expect(trustOf('notification-service-e2e-1').role).toBe('notification');
      expect(trustOf('billing-eu', { role: 'scheduler' }).role).toBe(
        'scheduler',
      );
      expect(trustOf('some-test').role).toBeNull();
    });

    it('refuses to publish a type of another role', () => {
      expect(() =>
        trustOf('booking-service').assertMayPublish('user.deleted'),
      ).toThrow(EventPublishForbiddenError);
      expect(() =>
        trustOf('user-service').assertMayPublish('user.deleted'),
      ).not.toThrow();
    });

    it('refuses a handler of a type the role does not consume', () => {
      expect(() =>
        trustOf('booking-service').assertMayConsume([
          'user.deleted',
          'invoice.generated',
        ]),
      ).toThrow(
        new EventConsumeForbiddenError(
          ['invoice.generated'],
          'booking-service',
          'booking',
        ),
      );
    });
  });

  describe('signatures', () => {
    it('signs so that a consumer accepts the event, which still validates as a CloudEvent', () => {
      const sealed = trustOf('user-service').seal(deleted());
      expect(sealed).toMatchObject({
        signature: expect.stringMatching(/^[\w-]+$/),
        signaturekeyid: expect.any(String),
      });
      expect(new CloudEvent({ ...wire(sealed) }, true).validate()).toBe(true);

      const opened = trustOf('booking-service').open(wire(sealed));
      expect(opened).toEqual({ ok: true, envelope: wire(sealed) });
    });

    it.each([
      ['unsigned', (e: EventEnvelope) => ({ ...e, signature: undefined })],
      [
        'bad-signature',
        (e: EventEnvelope) => ({
          ...e,
          data: { ...(e.data as object), userId: randomUUID() },
        }),
      ],
      [
        'bad-signature',
        (e: EventEnvelope) => ({ ...e, time: new Date(0).toISOString() }),
      ],
      ['unknown-key', (e: EventEnvelope) => ({ ...e, signaturekeyid: 'nope' })],
    ])('refuses an event that is %s', (reason, change) => {
      const sealed = trustOf('user-service').seal(deleted());
      const result = trustOf('booking-service').open(wire(change(sealed)));
      expect(result).toEqual({
        ok: false,
        reason: expect.stringContaining(`(${reason})`),
        // Only a key not known yet may pass later: durable consumers retry it.
        retryable: reason === 'unknown-key',
      });
    });

    it('refuses an event signed with a key that is not its source’s', () => {
      const impostor = trustOf('user-service-2');
      const sealed = impostor.seal(deleted());
      expect(trustOf('booking-service').open(wire(sealed))).toMatchObject({
        ok: false,
        reason: expect.stringContaining('(key-not-source)'),
      });
    });

    it('refuses a type that the signer’s role does not publish, even well signed', () => {
      const booking = trustOf('booking-service');
      const forged = booking.seal({ ...deleted(), source: 'booking-service' });
      expect(trustOf('scheduler-service').open(wire(forged))).toMatchObject({
        ok: false,
        reason: expect.stringContaining('(not-publisher)'),
      });
    });

    it('trusts a service without a role only when it has none itself', () => {
      const tool = trustOf('some-tool');
      const event = tool.seal({ ...deleted(), source: 'some-tool' });
      expect(trustOf('booking-service').open(wire(event)).ok).toBe(false);
      expect(trustOf('another-tool').open(wire(event)).ok).toBe(true);
    });

    it('refuses an event older than the maximum age', () => {
      const old = new Date(Date.now() - 3_600_000);
      const sealed = trustOf('user-service').seal(deleted(old));
      const strict = trustOf('booking-service', { maxEventAgeSeconds: 600 });
      expect(strict.open(wire(sealed))).toMatchObject({
        reason: expect.stringContaining('(too-old)'),
      });
      expect(strict.open(wire(sealed), { checkAge: false }).ok).toBe(true);
    });

    it('accepts events of every key of a service (rotation)', () => {
      const before = trustOf('user-service').seal(deleted());
      const consumer = trustOf('booking-service');
      expect(consumer.open(wire(before)).ok).toBe(true);

      const rotated = trustOf('user-service');
      rotated.keys.load();
      rotated.keys.createSigningKey('user-service', 'user');
      const after = trustOf('user-service').seal(deleted());

      expect(after.signaturekeyid).not.toBe(before.signaturekeyid);
      expect(trustOf('booking-service').open(wire(before)).ok).toBe(true);
      expect(trustOf('booking-service').open(wire(after)).ok).toBe(true);
    });

    it('marks a dead-letter replay, aged from the replay, that still proves its publisher', () => {
      const old = new Date(Date.now() - 3_600_000);
      const original = wire(trustOf('user-service').seal(deleted(old)));
      const replay = wire(
        trustOf('notification-service').resealAsReplay(original) as object,
      );
      const consumer = trustOf('booking-service', { maxEventAgeSeconds: 600 });

      expect(replay).toMatchObject({
        replayedby: 'notification-service',
        originsignature: original.signature,
      });
      expect(consumer.open(replay).ok).toBe(true);
      const forged = {
        ...replay,
        data: { ...(replay.data as object), userId: randomUUID() },
      };
      const resigned = wire(
        trustOf('notification-service').resealAsReplay(forged) as object,
      );
      expect(consumer.open(resigned)).toMatchObject({
        reason: expect.stringContaining('publisher’s signature'),
      });
    });
  });

  describe('batch signatures', () => {
    /** Envelopes sealed in one turn, as concurrent publishes are. */
    const sealTogether = (trust: EventTrust, events: EventEnvelope[]) =>
      Promise.all(
        events.map(async (event) => (await trust.sealBatched(event)).envelope),
      );

    it('signs the envelopes of one turn once, each with the proof of its leaf, and a consumer accepts each', async () => {
      const events = Array.from({ length: 5 }, () => deleted());
      const sealed = (await sealTogether(trustOf('user-service'), events)).map(
        wire,
      );
      const signatures = new Set(sealed.map((event) => event.signature));
      expect(signatures.size).toBe(1);
      expect(new Set(sealed.map((e) => e.signatureproof)).size).toBe(5);
      const consumer = trustOf('booking-service');
      for (const event of sealed) {
        expect(consumer.open(event)).toEqual({ ok: true, envelope: event });
        expect(new CloudEvent({ ...event }, true).validate()).toBe(true);
      }
    });

    it('leaves the envelopes it is given as they were', async () => {
      const events = [deleted(), registered()];
      const before = events.map((event) => JSON.stringify(event));
      const sealed = await sealTogether(trustOf('user-service'), events);
      expect(events.map((event) => JSON.stringify(event))).toEqual(before);
      sealed.forEach((envelope, i) => expect(envelope).not.toBe(events[i]));
    });

    it('signs an envelope alone in its turn as a batch of one', async () => {
      const [sealed] = await sealTogether(trustOf('user-service'), [deleted()]);
      expect(sealed).toHaveProperty('signatureproof', 'b2.1.0.');
      expect(trustOf('booking-service').open(wire(sealed)).ok).toBe(true);
    });

    it('gives each envelope with its JSON text, which the publisher sends', async () => {
      const trust = trustOf('user-service');
      const sealed = await Promise.all(
        [deleted(), registered()].map((event) => trust.sealBatched(event)),
      );
      for (const { envelope, text } of sealed) {
        expect(text).toBe(JSON.stringify(envelope));
      }
    });

    it('takes the signed text from the JSON the envelope was read from, and refuses a forged one', async () => {
      const trust = trustOf('user-service');
      const sealed = await Promise.all(
        [deleted(), deleted()].map((event) => trust.sealBatched(event)),
      );
      const consumer = trustOf('booking-service');
      for (const { text } of sealed) {
        expect(
          consumer.open(JSON.parse(text) as EventEnvelope, { text }).ok,
        ).toBe(true);
      }
      const { envelope, text } = sealed[0];
      // The text is what is checked: the same envelope, its members in
      // another order, passes with it (and fails serialised again).
      const { id, ...rest } = JSON.parse(text) as EventEnvelope;
      expect(consumer.open({ ...rest, id }, { text }).ok).toBe(true);
      expect(consumer.open({ ...rest, id }).ok).toBe(false);
      const userId = (envelope.data as { userId: string }).userId;
      const forged = text.replace(userId, randomUUID());
      expect(
        consumer.open(JSON.parse(forged) as EventEnvelope, { text: forged }),
      ).toMatchObject({
        ok: false,
        reason: expect.stringContaining('(bad-signature)'),
      });
      // Written otherwise (members reordered, spaces): serialised again.
      const spaced = JSON.stringify(JSON.parse(text), null, 2);
      expect(
        consumer.open(JSON.parse(spaced) as EventEnvelope, { text: spaced }).ok,
      ).toBe(true);
    });

    it('refuses the envelope re-serialised with its members in another order', async () => {
      const [sealed] = await sealTogether(trustOf('user-service'), [deleted()]);
      const { id, ...rest } = wire(sealed);
      expect(trustOf('booking-service').open({ ...rest, id })).toMatchObject({
        ok: false,
        reason: expect.stringContaining('(bad-signature)'),
      });
    });

    it('still accepts events signed before the JSON-text scheme: one by one in RFC 8785 form, and b1 batches', () => {
      const publisher = trustOf('user-service');
      const { keyId, key } = publisher.keys.signingKey('user-service', 'user');
      const alone = deleted();
      const byItself = {
        ...alone,
        signature: sign(null, canonicalForm(alone, []), key).toString(
          'base64url',
        ),
        signaturekeyid: keyId,
      };
      const batch = [deleted(), deleted(), deleted()];
      const { root, proofs } = batchTree(
        batch.map((event) => leafHash(canonicalForm(event, []))),
        'b1',
      );
      const signature = sign(null, signedRoot(root, 'b1'), key).toString(
        'base64url',
      );
      const consumer = trustOf('booking-service');
      expect(consumer.open(wire(byItself)).ok).toBe(true);
      batch.forEach((event, i) => {
        const signed = {
          ...event,
          signature,
          signaturekeyid: keyId,
          signatureproof: proofs[i],
        };
        expect(consumer.open(wire(signed)).ok).toBe(true);
        // b1 leaves are the RFC 8785 form: member order does not matter.
        const { id, ...rest } = wire(signed);
        expect(consumer.open({ ...rest, id }).ok).toBe(true);
        // Read as b2, the same proof leads elsewhere.
        expect(
          consumer.open(
            wire({ ...signed, signatureproof: proofs[i].replace('b1', 'b2') }),
          ).ok,
        ).toBe(false);
      });
    });

    it('refuses a changed envelope, a borrowed or altered proof, and a proof dropped, even once the root was verified', async () => {
      const sealed = (
        await sealTogether(
          trustOf('user-service'),
          Array.from({ length: 3 }, () => deleted()),
        )
      ).map(wire);
      const consumer = trustOf('booking-service');
      expect(consumer.open(sealed[0]).ok).toBe(true);
      const proof = String(sealed[0].signatureproof);
      const [scheme, count, index, path] = proof.split('.');
      const forgeries = [
        {
          ...sealed[0],
          data: { ...(sealed[0].data as object), userId: randomUUID() },
        },
        { ...sealed[0], signatureproof: sealed[1].signatureproof },
        { ...sealed[0], signatureproof: [scheme, count, '1', path].join('.') },
        { ...sealed[0], signatureproof: [scheme, '2', index, path].join('.') },
        { ...sealed[0], signatureproof: `${proof}AAAA` },
        { ...sealed[0], signatureproof: 'b2.1.0.' },
        { ...sealed[0], signatureproof: 42 },
        { ...sealed[0], signatureproof: undefined },
      ];
      for (const forged of forgeries) {
        expect(consumer.open(wire(forged))).toMatchObject({
          ok: false,
          reason: expect.stringContaining('(bad-signature)'),
        });
      }
    });

    it('keeps the batch proof of a dead-letter replay with the publisher’s signature', async () => {
      const [original] = (
        await sealTogether(trustOf('user-service'), [deleted(), deleted()])
      ).map(wire);
      const replay = wire(
        trustOf('notification-service').resealAsReplay(original) as object,
      );
      expect(replay).toMatchObject({
        originsignature: original.signature,
        originproof: original.signatureproof,
        signatureproof: 'b2.1.0.',
      });
      expect(trustOf('booking-service').open(replay).ok).toBe(true);
    });
  });

  describe('sensitive fields', () => {
    it('encrypts them when sealing and decrypts them for handlers only', () => {
      const sealed = wire(trustOf('user-service').seal(registered()));
      expect(JSON.stringify(sealed)).not.toContain('the-secret-token');

      const consumer = trustOf('notification-service');
      const forHandler = parseEnvelope('user.registered', sealed, (e) =>
        consumer.open(e),
      );
      const forBrowser = consumer.open(sealed, { decrypt: false });

      expect(forHandler).toMatchObject({
        ok: true,
        envelope: { data: { verificationToken: 'the-secret-token' } },
      });
      expect(JSON.stringify(forBrowser)).not.toContain('the-secret-token');
    });

    it('encrypts them, unsigned, for an outbox row; its relay signs it later', () => {
      const publisher = trustOf('user-service');
      const row = wire(publisher.encrypt(registered()));
      expect(JSON.stringify(row)).not.toContain('the-secret-token');
      expect(row).not.toHaveProperty('signature');

      const consumer = trustOf('notification-service');
      expect(consumer.open(row).ok).toBe(false);
      const [{ envelope, text }] = publisher.signAll([row]);
      expect(consumer.open(wire(envelope), { text })).toMatchObject({
        ok: true,
        envelope: { data: { verificationToken: 'the-secret-token' } },
      });
    });

    it('refuses a signed event whose sensitive field is in clear', () => {
      const trust = trustOf('user-service');
      const event = registered();
      // Signed as is, without sealing the field.
      const clear = wire(
        trust.resealAsReplay({
          ...trust.seal(event),
          data: event.data,
        }) as object,
      );
      expect(trustOf('notification-service').open(clear).ok).toBe(false);
    });
  });
});
