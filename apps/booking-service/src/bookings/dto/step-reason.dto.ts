import { Transform } from 'class-transformer';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { toTrimmed } from './dto-transforms.js';
import { HasNoNulCharacter } from './booking-validators.js';

/** Optional body of `POST /bookings/:id/reject` and `/cancel`. */
export class StepReasonDto {
  @IsOptional()
  @Transform(toTrimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  @HasNoNulCharacter()
  reason?: string;
}
