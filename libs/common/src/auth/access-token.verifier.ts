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

  /** The token's caller; `UnauthorizedException` saying what is wrong. */
  async verify(token: string | undefined): Promise<AuthenticatedUser> {
    if (!token) {
      throw new UnauthorizedException('A bearer access token is required');
    }
    let claims: AccessTokenClaims;
    try {
      claims = await this.jwt.verifyAsync<AccessTokenClaims>(token);
    } catch {
      throw new UnauthorizedException('The access token is invalid or expired');
    }
    if (typeof claims.sub !== 'string' || !USER_ROLES.includes(claims.role)) {
      throw new UnauthorizedException('The access token is malformed');
    }
    return { id: claims.sub, role: claims.role, email: claims.email };
  }
}
