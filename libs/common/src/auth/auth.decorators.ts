import {
  createParamDecorator,
  SetMetadata,
  type ExecutionContext,
} from '@nestjs/common';
import type { UserRole } from '@app/contracts';
import { IS_PUBLIC_KEY, ROLES_KEY } from './auth.constants.js';
import type { AuthenticatedUser } from './authenticated-user.js';

/** The route needs no token (registration, login, health, ...). */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);

/** Only callers with one of these roles may use the route. */
export const Roles = (...roles: UserRole[]) => SetMetadata(ROLES_KEY, roles);

/** The authenticated caller of an HTTP route. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser =>
    context.switchToHttp().getRequest<{ user: AuthenticatedUser }>().user,
);
