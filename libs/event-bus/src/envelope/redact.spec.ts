import { createEventEnvelope } from './event-envelope.js';
import { REDACTED, redactSensitive } from './redact.js';

describe('redactSensitive', () => {
  it('hides the fields the catalogue marks sensitive, in a copy', () => {
    const event = createEventEnvelope({
      type: 'user.registered',
      source: 'user-service',
      dataversion: 1,
      data: { email: 'ada@example.com', verificationToken: 'secret' },
    });

    const redacted = redactSensitive(event);

    expect(redacted.data).toEqual({
      email: 'ada@example.com',
      verificationToken: REDACTED,
    });
    expect(event.data).toHaveProperty('verificationToken', 'secret');
  });

  it('returns events without sensitive fields as they are', () => {
    const event = createEventEnvelope({
      type: 'user.verified',
      source: 'user-service',
      dataversion: 1,
      data: { email: 'ada@example.com' },
    });

    expect(redactSensitive(event)).toBe(event);
  });
});
