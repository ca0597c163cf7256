import type { OrganizationRow } from '../database/schema.js';

/** An organization as the routes return it. */
export interface OrganizationResponse {
  id: string;
  name: string;
  currency: string;
  hourlyRate: number;
  updatedAt: string;
}

export function toOrganizationResponse(
  row: OrganizationRow,
): OrganizationResponse {
  return {
    id: row.id,
    name: row.name,
    currency: row.currency,
    hourlyRate: row.hourlyRate,
    updatedAt: row.updatedAt.toISOString(),
  };
}
