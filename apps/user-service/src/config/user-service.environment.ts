import {
  emptyAsUnset,
  IsProductionSecret,
  ServiceEnvironment,
} from '@app/common';
import { Transform } from 'class-transformer';
import {
  IsByteLength,
  IsEmail,
  IsOptional,
  IsString,
  MinLength,
  ValidateBy,
  type ValidationArguments,
} from 'class-validator';

/**
 * Environment of user-service: the shared variables plus the first admin
 * account (`ADMIN_EMAIL` / `ADMIN_PASSWORD`, both optional). It signs the
 * access tokens, so with key files it needs the private one.
 */
export class UserServiceEnvironment extends ServiceEnvironment {
  // Checked on the public key: an unset private key skips its validators.
  @ValidateBy({
    name: 'needsPrivateKey',
    validator: {
      validate: (_value: unknown, args?: ValidationArguments) =>
        Boolean((args?.object as UserServiceEnvironment).JWT_PRIVATE_KEY_FILE),
      defaultMessage: () =>
        'JWT_PRIVATE_KEY_FILE is required on user-service when JWT_PUBLIC_KEY_FILE is set: it signs the access tokens',
    },
  })
  declare JWT_PUBLIC_KEY_FILE?: string;

  @IsOptional()
  @Transform(emptyAsUnset)
  @IsEmail({}, { message: 'ADMIN_EMAIL must be an e-mail address' })
  ADMIN_EMAIL?: string;

  // The registration rules of passwords, and no placeholder in production.
  @IsOptional()
  @Transform(emptyAsUnset)
  @IsString()
  @MinLength(8, {
    message: 'ADMIN_PASSWORD must be at least 8 characters long',
  })
  // bcrypt ignores everything after 72 bytes.
  @IsByteLength(0, 72, {
    message: 'ADMIN_PASSWORD must be at most 72 bytes long',
  })
  @IsProductionSecret()
  ADMIN_PASSWORD?: string;
}
