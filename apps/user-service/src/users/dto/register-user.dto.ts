import { SELF_REGISTRATION_ROLES } from '@app/contracts';
import { Transform } from 'class-transformer';
import {
  IsByteLength,
  IsEmail,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
} from 'class-validator';
import { toNormalizedEmail, toTrimmed } from './dto-transforms.js';
import { BCRYPT_MAX_BYTES } from '../password-hasher.js';
import { USERS_MESSAGES } from '../users.messages.js';

export type SelfRegistrationRole = (typeof SELF_REGISTRATION_ROLES)[number];

/** Body of `POST /users`. */
export class RegisterUserDto {
  @Transform(toNormalizedEmail)
  @IsEmail({}, { message: 'email must be an e-mail address' })
  @MaxLength(254)
  email: string;

  @IsString()
  @MinLength(8)
  // bcrypt ignores everything after 72 bytes; refuse rather than truncate.
  @IsByteLength(0, BCRYPT_MAX_BYTES, {
    message: `password must be at most ${BCRYPT_MAX_BYTES} bytes long`,
  })
  password: string;

  @Transform(toTrimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  /** Defaults to `customer`; `admin` is refused (admins come from config). */
  @IsOptional()
  @IsIn(SELF_REGISTRATION_ROLES, {
    message: USERS_MESSAGES.adminSelfRegistration,
  })
  role?: SelfRegistrationRole;
}
