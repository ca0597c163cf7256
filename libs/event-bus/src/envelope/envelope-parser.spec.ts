import { randomUUID } from 'node:crypto';
import { createEventEnvelope } from './event-envelope.js';
import { parseEnvelope } from './envelope-parser.js';

const verified = () =>
  createEventEnvelope({
    type: 'user.verified',
    source: 'user-service',
    dataversion: 1,
    data: {
      userId: randomUUID(),
      email: 'ada@example.com',
      name: 'Ada',
      timestamp: new Date().toISOString(),
    },
  });

describe('parseEnvelope', () => {
  it('accepts a valid envelope on its own channel', () => {
    const envelope = verified();

    expect(parseEnvelope('user.verified', envelope)).toEqual({
      ok: true,
      envelope,
    });
  });

  it.each([
    ['garbage text', 'not json at all'],
    ['an array', [1, 2]],
    ['no specversion', { ...verified(), specversion: undefined }],
    ['a missing id', { ...verified(), id: undefined }],
    ['a bad time', { ...verified(), time: 'yesterday' }],
    ['another dataversion', { ...verified(), dataversion: 7 }],
    ['an invalid payload', { ...verified(), data: { userId: 'x' } }],
  ])('rejects %s with a reason', (_case, raw) => {
    const result = parseEnvelope('user.verified', raw);

    expect(result.ok).toBe(false);
    expect(result).toHaveProperty('reason', expect.any(String));
  });

  it('rejects an envelope whose type is not the channel', () => {
    expect(parseEnvelope('user.deleted', verified())).toMatchObject({
      ok: false,
      reason: expect.stringContaining('does not match the channel'),
    });
  });

  it('asks the verifier before the payload check and validates what it gives', () => {
    const envelope = verified();
    const refused = parseEnvelope('user.verified', envelope, () => ({
      ok: false,
      reason: 'untrusted event (unsigned): no signature',
    }));
    const opened = parseEnvelope(
      'user.verified',
      { ...envelope, data: 'sealed' },
      () => ({
        ok: true,
        envelope,
      }),
    );

    expect(refused).toEqual({
      ok: false,
      reason: 'untrusted event (unsigned): no signature',
    });
    expect(opened).toEqual({ ok: true, envelope });
  });
});
