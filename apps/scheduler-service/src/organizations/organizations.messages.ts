/** Texts of the organization routes' errors and logs, in one place. */
export const ORGANIZATIONS_MESSAGES = {
  notFound: (id: string) => `Organization ${id} not found`,
  invalidId:
    'id must be 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit',
  invalidCurrency: 'currency must be an ISO 4217 code of 3 upper-case letters',
  cacheUnavailable: (reason: string) =>
    `Cache Redis unavailable (${reason}); reading organization settings from the database`,
} as const;
