import { ConfigService } from '@nestjs/config';
import { DEFAULT_HOURLY_RATE } from '../database/schema.js';

export const DEFAULT_ORGANIZATION_ID = 'default';
export const DEFAULT_CURRENCY = 'USD';

/** What invoices need of an organization (cached as JSON). */
export interface OrganizationSettings {
  id: string;
  name: string;
  currency: string;
  hourlyRate: number;
}

/** The organization confirmed bookings are scheduled for. */
export function defaultOrganizationId(config: ConfigService): string {
  return (
    config.get<string>('DEFAULT_ORGANIZATION_ID') || DEFAULT_ORGANIZATION_ID
  );
}

/** Hourly rate (minor units) of an organization created without one. */
export function defaultHourlyRate(config: ConfigService): number {
  const value = config.get<number | string>('DEFAULT_HOURLY_RATE');
  if (value === undefined || value === '') return DEFAULT_HOURLY_RATE;
  return Number(value);
}
