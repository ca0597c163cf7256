import {
  IsInt,
  IsISO8601,
  IsString,
  Length,
  MaxLength,
  Min,
} from 'class-validator';

/**
 * `organization.updated`: an organization's settings (currency, default
 * hourly rate in minor units) changed; caches of them must be dropped.
 */
export class OrganizationUpdated {
  @IsString()
  @MaxLength(200)
  organizationId: string;

  @IsString()
  @Length(3, 3)
  currency: string;

  @IsInt()
  @Min(0)
  hourlyRate: number;

  @IsISO8601()
  timestamp: string;
}
