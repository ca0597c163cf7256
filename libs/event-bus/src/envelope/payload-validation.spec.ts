import { randomUUID } from 'node:crypto';
import {
  EventValidationError,
  UnknownEventTypeError,
} from '../errors/event-validation.error.js';
import { assertValidPayload } from './payload-validation.js';

const registered = () => ({
  userId: randomUUID(),
  email: 'ada@example.com',
  name: 'Ada',
  role: 'customer',
  verificationToken: 'token',
  timestamp: new Date().toISOString(),
});

describe('assertValidPayload', () => {
  it('accepts a payload that matches its class', () => {
    expect(assertValidPayload('user.registered', registered())).toBe(
      'user.registered',
    );
  });

  it('refuses an unknown event type', () => {
    expect(() => assertValidPayload('user.exploded', {})).toThrow(
      UnknownEventTypeError,
    );
  });

  it('names every failing field', () => {
    const payload = { ...registered(), email: 'not-an-email', userId: 42 };

    const error = captureError(() =>
      assertValidPayload('user.registered', payload),
    );

    expect(error).toBeInstanceOf(EventValidationError);
    expect(error.message).toContain('Invalid payload for user.registered');
    expect(error.message).toMatch(/email must be an email/);
    expect(error.message).toMatch(/userId must be a UUID/);
  });

  it('refuses fields the contract does not declare', () => {
    const error = captureError(() =>
      assertValidPayload('user.registered', { ...registered(), password: 'x' }),
    );

    expect(error.message).toMatch(/property password should not exist/);
  });

  it('names nested fields with their path', () => {
    const payload = {
      userId: randomUUID(),
      changes: { role: 'emperor' },
      timestamp: new Date().toISOString(),
    };

    const error = captureError(() =>
      assertValidPayload('user.updated', payload),
    );

    expect(error.message).toMatch(/changes\.role must be one of/);
  });

  it.each([null, 'text', 3, [1]])('refuses %p as a payload', (payload) => {
    expect(() => assertValidPayload('user.registered', payload)).toThrow(
      /must be a JSON object/,
    );
  });
});

function captureError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
