import {
  Injectable,
  ForbiddenException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { UserRole } from '@app/contracts';
import { AccessTokenVerifier } from './access-token.verifier.js';
import { IS_PUBLIC_KEY, ROLES_KEY } from './auth.constants.js';
import type { AuthenticatedUser } from './authenticated-user.js';

/**
 * Global guard of every HTTP route: a valid bearer JWT from user-service is
 * required unless the route is `@Public()`, and `@Roles()` narrows who may
 * call it. Event handlers (RPC context) are not HTTP calls and pass through.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokenVerifier,
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

  private authenticate(request: Request): Promise<AuthenticatedUser> {
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    return this.tokens.verify(
      scheme?.toLowerCase() === 'bearer' ? token : undefined,
    );
  }
}
