import { SHIFT_STATUSES } from '@app/contracts';
import { SHIFT_STATUS_VALUES } from './schema.js';

describe('scheduler schema', () => {
  // schema.ts cannot import @app/contracts (drizzle-kit loads it alone).
  it('knows the same shift statuses as the contracts', () => {
    expect([...SHIFT_STATUS_VALUES].sort()).toEqual([...SHIFT_STATUSES].sort());
  });
});
