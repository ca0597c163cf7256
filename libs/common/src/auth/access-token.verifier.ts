import { Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { USER_ROLES } from '@app/contracts';
import type {
  AccessTokenClaims,
  AuthenticatedUser,
} from './authenticated-user.js';

/**
 * Checks an access token issued by user-service and names its caller: for
 * the HTTP guard (bearer header) and for WebSocket connections (query).
 */
@Injectable()
export class AccessTokenVerifier {
  constructor(private readonly jwt: JwtService) {}

  /**
   * The token's caller; `UnauthorizedException` saying what is wrong. Checks
   * the signature with the one pinned algorithm, `iss`, `aud` and `exp`
   * (required).
   */
  async verify(token: string | undefined): Promise<AuthenticatedUser> {
    return toUser(await this.verifyClaims(token));
  }

  /** As `verify`, with the claims (`exp` included) for callers that need them. */
  async verifyClaims(token: string | undefined): Promise<AccessTokenClaims> {
    if (!token) {
      throw new UnauthorizedException('A bearer access token is required');
    }
    let claims: AccessTokenClaims;
    try {
      claims = await this.jwt.verifyAsync<AccessTokenClaims>(token);
    } catch {
      throw new UnauthorizedException('The access token is invalid or expired');
    }
    // jsonwebtoken checks `exp` only when present: a token without one
    // would be valid forever.
    if (typeof claims.exp !== 'number') {
      throw new UnauthorizedException('The access token has no expiry');
    }
    if (typeof claims.sub !== 'string' || !USER_ROLES.includes(claims.role)) {
      throw new UnauthorizedException('The access token is malformed');
    }
    return claims;
  }
}

const toUser = (claims: AccessTokenClaims): AuthenticatedUser => ({
  id: claims.sub,
  role: claims.role,
  email: claims.email,
});
