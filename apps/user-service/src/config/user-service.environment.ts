import { ServiceEnvironment } from '@app/common';
import { Transform } from 'class-transformer';
import {
  IsByteLength,
  IsEmail,
  IsOptional,
  IsString,
  MinLength,
} from 'class-validator';

// docker-compose passes `${ADMIN_EMAIL:-}` as an empty string when the
// variable is not set; that means "no first admin", not a malformed value.
const emptyAsUnset = ({ value }: { value: unknown }) =>
  value === '' ? undefined : value;

/**
 * Environment of user-service: the shared variables plus the first admin
 * account (`ADMIN_EMAIL` / `ADMIN_PASSWORD`, both optional).
 */
export class UserServiceEnvironment extends ServiceEnvironment {
  @IsOptional()
  @Transform(emptyAsUnset)
  @IsEmail({}, { message: 'ADMIN_EMAIL must be an e-mail address' })
  ADMIN_EMAIL?: string;

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
  ADMIN_PASSWORD?: string;
}
