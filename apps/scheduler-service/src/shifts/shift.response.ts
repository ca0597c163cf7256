import type { ShiftStatus } from '@app/contracts';
import type { ShiftRow } from '../database/schema.js';

/** A shift as the routes return it. */
export interface ShiftResponse {
  id: string;
  workerId: string;
  clientEmail: string;
  organizationId: string;
  startsAt: string;
  endsAt: string;
  hourlyRate: number;
  bookingId: string | null;
  status: ShiftStatus;
  completedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toShiftResponse(row: ShiftRow): ShiftResponse {
  return {
    id: row.id,
    workerId: row.workerId,
    clientEmail: row.clientEmail,
    organizationId: row.organizationId,
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    hourlyRate: row.hourlyRate,
    bookingId: row.bookingId,
    status: row.status,
    completedAt: row.completedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
