import type { BookingStatus } from '@app/contracts';
import type { BookingRow } from '../database/schema.js';

/** A booking as the routes return it; times are ISO 8601 strings. */
export interface BookingResponse {
  id: string;
  customerId: string;
  workerId: string | null;
  startsAt: string;
  endsAt: string;
  locationId: string | null;
  notes: string | null;
  status: BookingStatus;
  reason: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toBookingResponse(row: BookingRow): BookingResponse {
  return {
    id: row.id,
    customerId: row.customerId,
    workerId: row.workerId,
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    locationId: row.locationId,
    notes: row.notes,
    status: row.status,
    reason: row.reason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
