// class-transformer's @Type reads design metadata, also outside a Nest app.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  ValidateNested,
} from 'class-validator';

export const USER_ROLES = ['admin', 'customer', 'worker'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Roles a user may choose when registering; admins come from configuration. */
export const SELF_REGISTRATION_ROLES = ['customer', 'worker'] as const;

/** `user.registered`: a new account exists and waits for e-mail verification. */
export class UserRegistered {
  @IsUUID()
  userId: string;

  @IsEmail()
  email: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @IsIn(USER_ROLES)
  role: UserRole;

  /** One-time token for `POST /users/verify`. Sensitive: never log it. */
  @IsString()
  @IsNotEmpty()
  verificationToken: string;

  @IsISO8601()
  timestamp: string;
}

/** `user.verified`: the user proved they own the e-mail address. */
export class UserVerified {
  @IsUUID()
  userId: string;

  @IsEmail()
  email: string;

  @IsString()
  @IsNotEmpty()
  name: string;

  @IsISO8601()
  timestamp: string;
}

export class UserChanges {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  name?: string;

  @IsOptional()
  @IsIn(USER_ROLES)
  role?: UserRole;
}

/** `user.updated`: only the fields that changed are in `changes`. */
export class UserUpdated {
  @IsUUID()
  userId: string;

  @ValidateNested()
  @Type(() => UserChanges)
  changes: UserChanges;

  @IsISO8601()
  timestamp: string;
}

/** `user.deleted`: the account is gone; other services clean up after it. */
export class UserDeleted {
  @IsUUID()
  userId: string;

  @IsEmail()
  email: string;

  @IsISO8601()
  timestamp: string;
}

/** `auth.login`: a successful login. */
export class AuthLogin {
  @IsUUID()
  userId: string;

  @IsEmail()
  email: string;

  @IsIn(USER_ROLES)
  role: UserRole;

  @IsISO8601()
  timestamp: string;
}
