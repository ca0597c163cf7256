import { Type } from 'class-transformer';
import {
  IsEmail,
  IsInt,
  IsOptional,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

export const DEFAULT_NOTIFICATIONS_LIMIT = 50;
export const MAX_NOTIFICATIONS_LIMIT = 200;

/** Query of `GET /notifications`. */
export class ListNotificationsQuery {
  /** The recipient; required, so nobody lists every e-mail by accident. */
  @IsEmail()
  @MaxLength(320)
  to: string;

  /** How many of the newest e-mails to return. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_NOTIFICATIONS_LIMIT)
  limit?: number;
}
