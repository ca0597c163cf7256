import { EMAIL_TEMPLATES } from '@app/contracts';
import {
  EMAIL_TEMPLATE_DEFINITIONS,
  EmailTemplateError,
  renderEmail,
} from './email-templates.js';

describe('renderEmail', () => {
  describe('verify-email', () => {
    it('puts the token and how to use it in the body', () => {
      const email = renderEmail('verify-email', {
        name: 'Ada',
        token: 'tok-123',
      });

      expect(email.subject).toBe('Verify your e-mail address');
      expect(email.body).toContain('Hello Ada,');
      expect(email.body).toContain('tok-123');
      expect(email.body).toContain('POST /users/verify');
      expect(email.body).toContain('{"token": "tok-123"}');
    });

    it('writes the token as valid JSON even with quotes in it', () => {
      const token = 'a"b\\c';

      const { body } = renderEmail('verify-email', { name: 'Ada', token });

      const line = body.split('\n').find((l) => l.includes('{"token"'))!;
      expect(JSON.parse(line.trim())).toEqual({ token });
    });

    it('needs the token', () => {
      expect(() => renderEmail('verify-email', { name: 'Ada' })).toThrow(
        new EmailTemplateError(
          'The e-mail template "verify-email" needs the variables: token',
        ),
      );
    });

    it('treats an empty or null variable as missing', () => {
      expect(() =>
        renderEmail('verify-email', { name: ' ', token: null }),
      ).toThrow(/needs the variables: name, token/);
    });
  });

  describe('welcome', () => {
    it('greets the user by name', () => {
      const email = renderEmail('welcome', { name: 'Ada' });

      expect(email.subject).toBe('Welcome, Ada');
      expect(email.body).toContain('Hello Ada,');
      expect(email.body).toContain('verified');
    });

    it('keeps the subject on one line whatever the name holds', () => {
      const email = renderEmail('welcome', { name: 'Ada\r\nBcc: x@evil.test' });

      expect(email.subject).toBe('Welcome, Ada Bcc: x@evil.test');
    });

    it('accepts numbers and booleans as variables', () => {
      expect(renderEmail('welcome', { name: 42 }).body).toContain('Hello 42,');
    });
  });

  it('refuses a variable that is not a scalar', () => {
    expect(() => renderEmail('welcome', { name: { first: 'Ada' } })).toThrow(
      'The e-mail variable "name" must be a string, number or boolean',
    );
  });

  describe('booking-status', () => {
    const variables = {
      name: 'Ada',
      bookingId: 'b-1',
      status: 'confirmed',
      startsAt: '2026-01-01T09:00:00.000Z',
      endsAt: '2026-01-01T12:00:00.000Z',
    };

    it('says what happened to the booking and when it takes place', () => {
      const email = renderEmail('booking-status', variables);

      expect(email.subject).toBe('Your booking is confirmed');
      expect(email.body).toContain('Your booking b-1 is confirmed.');
      expect(email.body).toContain('From: 2026-01-01T09:00:00.000Z');
      expect(email.body).not.toContain('Reason');
    });

    it('gives the reason when there is one', () => {
      const email = renderEmail('booking-status', {
        ...variables,
        status: 'cancelled',
        reason: 'customer deleted',
      });

      expect(email.subject).toBe('Your booking has been cancelled');
      expect(email.body).toContain('Reason: customer deleted');
    });
  });

  it('renders the invoice with its amount', () => {
    const email = renderEmail('invoice', {
      invoiceId: 'i-1',
      shiftId: 's-1',
      amount: '62.50 USD',
    });

    expect(email.subject).toBe('Invoice i-1');
    expect(email.body).toContain('Amount due: 62.50 USD');
  });

  it('defines every template of the contract', () => {
    expect(Object.keys(EMAIL_TEMPLATE_DEFINITIONS).sort()).toEqual(
      [...EMAIL_TEMPLATES].sort(),
    );
  });

  it('refuses unknown templates, including inherited property names', () => {
    expect(() => renderEmail('toString', {})).toThrow(EmailTemplateError);
  });
});
