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

  it.each(['booking-status', 'invoice'])(
    'says the %s template is not available yet',
    (template) => {
      expect(() => renderEmail(template, {})).toThrow(
        `The e-mail template "${template}" is not available yet`,
      );
    },
  );

  it('refuses unknown templates, including inherited property names', () => {
    expect(() => renderEmail('toString', {})).toThrow(EmailTemplateError);
  });

  it('only defines templates of the contract', () => {
    for (const name of Object.keys(EMAIL_TEMPLATE_DEFINITIONS)) {
      expect(EMAIL_TEMPLATES).toContain(name);
    }
  });
});
