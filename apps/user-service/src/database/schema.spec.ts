import { USER_ROLES } from '@app/contracts';
import { USER_ROLE_VALUES } from './schema.js';

describe('users schema', () => {
  // schema.ts cannot import @app/contracts (drizzle-kit loads it alone).
  it('knows the same roles as the contracts', () => {
    expect([...USER_ROLE_VALUES].sort()).toEqual([...USER_ROLES].sort());
  });
});
