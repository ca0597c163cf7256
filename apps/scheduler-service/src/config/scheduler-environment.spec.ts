import { InvalidConfigurationError, validateEnvironment } from '@app/common';
import { SchedulerEnvironment } from './scheduler-environment.js';

const validate = validateEnvironment(SchedulerEnvironment);
const base = { JWT_SECRET: '0123456789abcdef' };

describe('SchedulerEnvironment', () => {
  it('accepts the defaults (both variables unset or empty)', () => {
    expect(() => validate(base)).not.toThrow();
    expect(() =>
      validate({
        ...base,
        DEFAULT_ORGANIZATION_ID: '',
        DEFAULT_HOURLY_RATE: '',
      }),
    ).not.toThrow();
  });

  it('reads DEFAULT_HOURLY_RATE as an integer', () => {
    expect(validate({ ...base, DEFAULT_HOURLY_RATE: '3100' })).toMatchObject({
      DEFAULT_HOURLY_RATE: 3100,
    });
  });

  it.each(['-1', '12.5', 'lots'])('refuses DEFAULT_HOURLY_RATE=%s', (value) => {
    expect(() => validate({ ...base, DEFAULT_HOURLY_RATE: value })).toThrow(
      InvalidConfigurationError,
    );
  });

  it('refuses an organization id that is not a slug', () => {
    expect(() =>
      validate({ ...base, DEFAULT_ORGANIZATION_ID: 'no spaces/slashes' }),
    ).toThrow(/DEFAULT_ORGANIZATION_ID must be/);
  });
});
