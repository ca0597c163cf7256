import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** Body of `POST /users/verify`: the one-time token of the e-mail. */
export class VerifyEmailDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  token: string;
}
