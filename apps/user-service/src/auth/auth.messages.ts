/** Texts of the login route's errors, in one place. */
export const AUTH_MESSAGES = {
  wrongCredentials: 'Wrong e-mail or password',
  notVerified:
    'Verify your e-mail address before logging in (see the verification e-mail)',
  tooManyAttempts: (retryAfterSeconds: number) =>
    `Too many failed login attempts for this e-mail from this client; try again in ${retryAfterSeconds} seconds`,
  limiterUnavailable:
    'Login is temporarily unavailable: the rate-limit store (cache Redis) cannot be reached; try again shortly',
} as const;
