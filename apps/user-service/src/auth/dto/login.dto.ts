import { Transform } from 'class-transformer';
import { IsEmail, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { toNormalizedEmail } from '../../users/dto/dto-transforms.js';

/** Body of `POST /auth/login`. */
export class LoginDto {
  @Transform(toNormalizedEmail)
  @IsEmail({}, { message: 'email must be an e-mail address' })
  @MaxLength(254)
  email: string;

  // No minimum length here: a short wrong password is a failed attempt
  // (401, counted), not a malformed request.
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password: string;
}
