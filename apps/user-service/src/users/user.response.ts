import type { UserRole } from '@app/contracts';
import type { UserRow } from '../database/schema.js';

/** A user as the routes return it: never the password, its hash or the token. */
export interface UserResponse {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  verified: boolean;
  createdAt: string;
  updatedAt: string;
}

export function toUserResponse(row: UserRow): UserResponse {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    verified: row.verifiedAt !== null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
