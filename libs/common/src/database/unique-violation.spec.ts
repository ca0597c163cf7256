import { isUniqueViolation } from './unique-violation.js';

/** What Drizzle throws: its own error, with the driver's error as cause. */
const uniqueViolation = (constraint: string): Error =>
  Object.assign(new Error('Failed query: insert into "users"'), {
    cause: Object.assign(new Error('duplicate key value'), {
      code: '23505',
      constraint,
    }),
  });

describe('isUniqueViolation', () => {
  it('finds the SQLSTATE in the cause of a Drizzle error', () => {
    expect(isUniqueViolation(uniqueViolation('users_email_unique'))).toBe(true);
  });

  it('tells constraints apart when asked', () => {
    const error = uniqueViolation('users_verification_token_hash_unique');

    expect(isUniqueViolation(error, 'users_email_unique')).toBe(false);
  });

  it('is false for other errors', () => {
    expect(isUniqueViolation(new Error('connection refused'))).toBe(false);
    expect(isUniqueViolation(undefined)).toBe(false);
  });
});
