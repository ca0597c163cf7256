import type { UserRole } from '@app/contracts';

/** Claims of the access token issued by user-service. */
export interface AccessTokenClaims {
  sub: string;
  role: UserRole;
  email: string;
  /** Set by the signer; seconds since the epoch. Required by the verifier. */
  exp?: number;
  iss?: string;
  aud?: string | string[];
}

/** The caller, as the JWT guard puts it on the request. */
export interface AuthenticatedUser {
  id: string;
  role: UserRole;
  email: string;
}
