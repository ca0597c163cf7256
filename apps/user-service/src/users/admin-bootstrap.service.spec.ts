import { ConfigService } from '@nestjs/config';
import {
  FakePasswordHasher,
  FakeUsersRepository,
} from '../../test/support/fakes.js';
import { AdminBootstrap } from './admin-bootstrap.service.js';
import type { UsersRepository } from './users.repository.js';

function setup(env: Record<string, string | undefined>) {
  const repository = new FakeUsersRepository();
  const bootstrap = new AdminBootstrap(
    new ConfigService(env),
    repository as unknown as UsersRepository,
    new FakePasswordHasher(),
  );
  return { bootstrap, repository };
}

describe('AdminBootstrap', () => {
  it('creates a verified admin from ADMIN_EMAIL and ADMIN_PASSWORD', async () => {
    const { bootstrap, repository } = setup({
      ADMIN_EMAIL: 'Root@Example.com',
      ADMIN_PASSWORD: 'admin-password',
    });

    await bootstrap.onApplicationBootstrap();

    const [admin] = repository.rows.values();
    expect(admin).toMatchObject({
      email: 'root@example.com',
      role: 'admin',
      passwordHash: 'hashed:admin-password',
    });
    expect(admin.verifiedAt).toBeInstanceOf(Date);
  });

  it('is idempotent across restarts', async () => {
    const { bootstrap, repository } = setup({
      ADMIN_EMAIL: 'root@example.com',
      ADMIN_PASSWORD: 'admin-password',
    });

    await bootstrap.onApplicationBootstrap();
    await bootstrap.onApplicationBootstrap();

    expect(repository.rows.size).toBe(1);
  });

  it('leaves an existing account with that e-mail alone', async () => {
    const { bootstrap, repository } = setup({
      ADMIN_EMAIL: 'root@example.com',
      ADMIN_PASSWORD: 'admin-password',
    });
    const existing = await repository.seed({
      email: 'root@example.com',
      role: 'customer',
    });

    await bootstrap.onApplicationBootstrap();

    expect([...repository.rows.values()]).toEqual([existing]);
  });

  it('creates nothing unless both variables are set', async () => {
    const { bootstrap, repository } = setup({
      ADMIN_EMAIL: 'root@example.com',
    });

    await bootstrap.onApplicationBootstrap();

    expect(repository.rows.size).toBe(0);
  });
});
