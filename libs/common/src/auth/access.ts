import { ForbiddenException } from '@nestjs/common';
import type { AuthenticatedUser } from './authenticated-user.js';

export const isAdmin = (user: AuthenticatedUser): boolean =>
  user.role === 'admin';

/**
 * Access rule of the contract: an admin may do anything, anyone else only
 * what is their own. Throws 403 otherwise.
 */
export function assertOwnerOrAdmin(
  user: AuthenticatedUser,
  ownerId: string | null | undefined,
  what = 'this record',
): void {
  if (isAdmin(user) || (ownerId !== undefined && ownerId === user.id)) return;
  throw new ForbiddenException(`You may only access ${what} if it is yours`);
}
