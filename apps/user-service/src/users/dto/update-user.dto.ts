import { USER_ROLES, type UserRole } from '@app/contracts';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';
import { toTrimmed } from './dto-transforms.js';

/** Body of `PATCH /users/:id`; only an admin may change `role`. */
export class UpdateUserDto {
  @IsOptional()
  @Transform(toTrimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @IsOptional()
  @IsIn(USER_ROLES)
  role?: UserRole;
}
