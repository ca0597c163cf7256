import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

export class HistoryQueryDto {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  eventType?: string;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  correlationId?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @IsOptional()
  @IsIn(['local', 'redis'])
  source?: 'local' | 'redis';
}

export class PublishTargetsDto {
  @IsOptional()
  @IsBoolean()
  localOnly?: boolean;

  @IsOptional()
  @IsBoolean()
  redisOnly?: boolean;
}

export class PublishEventDto {
  @IsString()
  @MaxLength(200)
  type: string;

  @IsObject()
  payload: Record<string, unknown>;

  @IsOptional()
  @ValidateNested()
  @Type(() => PublishTargetsDto)
  options?: PublishTargetsDto;
}
