import { CloudEvent } from 'cloudevents';
import { createEventEnvelope } from './event-envelope.js';

describe('createEventEnvelope', () => {
  const input = {
    type: 'user.verified',
    source: 'user-service',
    data: { userId: 'u1' },
    dataversion: 1,
  };

  it('fills every CloudEvents attribute and the bus extensions', () => {
    const now = new Date('2026-01-02T03:04:05.000Z');

    const envelope = createEventEnvelope(
      { ...input, correlationId: 'corr-1', causationId: 'cause-1' },
      now,
    );

    expect(envelope).toEqual({
      specversion: '1.0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'user.verified',
      source: 'user-service',
      time: '2026-01-02T03:04:05.000Z',
      datacontenttype: 'application/json',
      data: { userId: 'u1' },
      correlationid: 'corr-1',
      causationid: 'cause-1',
      dataversion: 1,
    });
  });

  it('makes a new correlation id and leaves causationid out when there is no cause', () => {
    const envelope = createEventEnvelope(input);

    expect(envelope.correlationid).toMatch(/^[0-9a-f-]{36}$/);
    expect(envelope).not.toHaveProperty('causationid');
  });

  it('gives every event its own id', () => {
    expect(createEventEnvelope(input).id).not.toBe(
      createEventEnvelope(input).id,
    );
  });

  it('validates with the cloudevents SDK', () => {
    const envelope = createEventEnvelope({ ...input, causationId: 'c' });

    const event = new CloudEvent({ ...envelope }, true);

    expect(event.validate()).toBe(true);
    expect(event.correlationid).toBe(envelope.correlationid);
  });
});
