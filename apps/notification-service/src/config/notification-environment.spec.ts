import { validateEnvironment } from '@app/common';
import { NotificationEnvironment } from './notification-environment.js';

const validate = validateEnvironment(NotificationEnvironment);
const base = { JWT_SECRET: '0123456789abcdef' };

describe('NotificationEnvironment', () => {
  it('accepts no SMTP_URL (e-mails are recorded)', () => {
    expect(validate(base).SMTP_URL).toBeUndefined();
  });

  it.each(['smtp://mail:1025', 'smtps://user:pass@smtp.example.com:465'])(
    'accepts %s',
    (SMTP_URL) => {
      expect(validate({ ...base, SMTP_URL }).SMTP_URL).toBe(SMTP_URL);
    },
  );

  it('stops on a malformed SMTP_URL with one clear line', () => {
    expect(() => validate({ ...base, SMTP_URL: 'http://mail' })).toThrow(
      'Invalid configuration: SMTP_URL must be an smtp:// or smtps:// URL',
    );
  });
});
