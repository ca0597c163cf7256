import { BOOKING_STATUSES } from '@app/contracts';
import { BOOKING_STATUS_VALUES } from './schema.js';

describe('bookings schema', () => {
  // schema.ts cannot import @app/contracts (drizzle-kit loads it alone).
  it('knows the same statuses as the contracts', () => {
    expect([...BOOKING_STATUS_VALUES]).toEqual([...BOOKING_STATUSES]);
  });
});
