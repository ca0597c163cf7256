import {
  Injectable,
  UnauthorizedException,
  ForbiddenException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { Request } from 'express';
import { USER_ROLES, type UserRole } from '@app/contracts';
import { IS_PUBLIC_KEY, ROLES_KEY } from './auth.constants.js';
import type {
  AccessTokenClaims,
  AuthenticatedUser,
} from './authenticated-user.js';

/**
 * Global guard of every HTTP route: a valid bearer JWT from user-service is
 * required unless the route is `@Public()`, and `@Roles()` narrows who may
 * call it. Event handlers (RPC context) are not HTTP calls and pass through.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) {
      return true;
    }
    const request = context
      .switchToHttp()
      .getRequest<Request & { user?: AuthenticatedUser }>();
    request.user = await this.authenticate(request);

    const roles = this.reflector.getAllAndOverride<UserRole[] | undefined>(
      ROLES_KEY,
      targets,
    );
    if (roles?.length && !roles.includes(request.user.role)) {
      throw new ForbiddenException(
        `This route needs one of the roles: ${roles.join(', ')}`,
      );
    }
    return true;
  }

  private async authenticate(request: Request): Promise<AuthenticatedUser> {
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
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
