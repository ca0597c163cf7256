/** Texts of the user routes' errors, in one place. */
export const USERS_MESSAGES = {
  emailTaken: 'A user with this e-mail address already exists',
  notFound: (id: string) => `User ${id} not found`,
  invalidId: 'id must be a UUID',
  adminSelfRegistration:
    'role must be one of: customer, worker (admin accounts cannot self-register)',
  roleChangeNeedsAdmin: 'Only an admin may change a role',
  invalidVerificationToken:
    'This verification token is invalid or has already been used',
} as const;
