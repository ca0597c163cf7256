import {
  InvalidConfigurationError,
  ServiceEnvironment,
  validateEnvironment,
} from './environment.js';

const validate = validateEnvironment(ServiceEnvironment);
const secret = 'a-secret-of-enough-length';

describe('validateEnvironment', () => {
  it('converts numbers and keeps valid values', () => {
    const environment = validate({
      JWT_SECRET: secret,
      PORT: '3001',
      EVENT_BUS_REDIS_URL: 'rediss://bus:6384',
    });

    expect(environment.PORT).toBe(3001);
    expect(environment.EVENT_BUS_REDIS_URL).toBe('rediss://bus:6384');
  });

  it('stops with one line naming every bad variable', () => {
    let error: Error | undefined;
    try {
      validate({ PORT: 'abc', EVENT_BUS_REDIS_URL: 'http://nope' });
    } catch (caught) {
      error = caught as Error;
    }

    expect(error).toBeInstanceOf(InvalidConfigurationError);
    expect(error?.message).not.toContain('\n');
    expect(error?.message).toMatch(/^Invalid configuration: /);
    expect(error?.message).toContain('PORT must be an integer');
    expect(error?.message).toContain('EVENT_BUS_REDIS_URL must be a redis://');
    expect(error?.message).toContain('JWT_SECRET must be at least 16');
  });

  it('checks the retention ceiling and the dead-letter bounds', () => {
    const environment = validate({
      JWT_SECRET: secret,
      EVENT_STREAM_MAX_RETENTION_SECONDS: '604800',
      EVENT_BUS_DEAD_LETTER_MAX_PER_GROUP: '10000',
      EVENT_BUS_DEAD_LETTER_MAX_AGE_SECONDS: '1209600',
    });
    expect(environment.EVENT_STREAM_MAX_RETENTION_SECONDS).toBe(604_800);
    expect(environment.EVENT_BUS_DEAD_LETTER_MAX_PER_GROUP).toBe(10_000);

    expect(() =>
      validate({
        JWT_SECRET: secret,
        EVENT_STREAM_MAX_RETENTION_SECONDS: '10',
        EVENT_BUS_DEAD_LETTER_MAX_PER_GROUP: '0',
      }),
    ).toThrow(
      /EVENT_STREAM_MAX_RETENTION_SECONDS must not be less than 60.*EVENT_BUS_DEAD_LETTER_MAX_PER_GROUP must not be less than 1/,
    );
  });
});
