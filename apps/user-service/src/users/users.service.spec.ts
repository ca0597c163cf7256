import { randomUUID } from 'node:crypto';
import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  NotFoundException,
} from '@nestjs/common';
import {
  caller,
  FAKE_TRANSACTION,
  FakePasswordHasher,
  FakeUserEvents,
  FakeUsersRepository,
  uniqueViolation,
} from '../../test/support/fakes.js';
import type { UserEventsPublisher } from './user-events.publisher.js';
import type { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';
import { hashVerificationToken } from './verification-token.js';

function setup() {
  const repository = new FakeUsersRepository();
  const events = new FakeUserEvents();
  const service = new UsersService(
    repository as unknown as UsersRepository,
    new FakePasswordHasher(),
    events as unknown as UserEventsPublisher,
  );
  return { service, repository, events };
}

const registration = {
  email: 'Ada@Example.com ',
  password: 'correct horse',
  name: 'Ada',
  role: 'worker' as const,
};

describe('UsersService', () => {
  describe('register', () => {
    it('stores the user with a lower-cased e-mail and a hashed password', async () => {
      const { service, repository } = setup();

      const user = await service.register(registration);

      const row = repository.rows.get(user.id)!;
      expect(row.email).toBe('ada@example.com');
      expect(row.passwordHash).toBe('hashed:correct horse');
      expect(user).toEqual({
        id: row.id,
        email: 'ada@example.com',
        name: 'Ada',
        role: 'worker',
        verified: false,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
      });
    });

    it('emits user.registered with a token whose SHA-256 is all it stores', async () => {
      const { service, repository, events } = setup();

      const user = await service.register(registration);

      const [emitted] = events.ofType('user.registered');
      const token = emitted.args[1] as string;
      expect(token).toMatch(/^[\w-]{43}$/);
      expect(repository.rows.get(user.id)!.verificationTokenHash).toBe(
        hashVerificationToken(token),
      );
    });

    it('defaults the role to customer', async () => {
      const { service } = setup();

      const user = await service.register({ ...registration, role: undefined });

      expect(user.role).toBe('customer');
    });

    it('refuses a taken e-mail, whatever its case, with 409', async () => {
      const { service, events } = setup();
      await service.register(registration);

      await expect(
        service.register({ ...registration, email: 'ADA@example.com' }),
      ).rejects.toBeInstanceOf(ConflictException);
      expect(events.ofType('user.registered')).toHaveLength(1);
    });

    it('answers 409 when a concurrent registration wins the unique constraint', async () => {
      const { service, repository } = setup();
      repository.failNextInsertWith = uniqueViolation('users_email_unique');

      await expect(service.register(registration)).rejects.toBeInstanceOf(
        ConflictException,
      );
    });
  });

  describe('verify', () => {
    it('marks the user verified and emits user.verified', async () => {
      const { service, events } = setup();
      await service.register(registration);
      const token = events.ofType('user.registered')[0].args[1] as string;

      const user = await service.verify(token);

      expect(user.verified).toBe(true);
      expect(events.ofType('user.verified')).toHaveLength(1);
    });

    it('accepts a token only once', async () => {
      const { service, events } = setup();
      await service.register(registration);
      const token = events.ofType('user.registered')[0].args[1] as string;
      await service.verify(token);

      await expect(service.verify(token)).rejects.toBeInstanceOf(
        BadRequestException,
      );
      expect(events.ofType('user.verified')).toHaveLength(1);
    });

    it('refuses an unknown token', async () => {
      const { service } = setup();

      await expect(service.verify('made-up')).rejects.toBeInstanceOf(
        BadRequestException,
      );
    });
  });

  describe('findOne', () => {
    it('gives the owner their user', async () => {
      const { service, repository } = setup();
      const row = await repository.seed();

      await expect(
        service.findOne(caller(row.id), row.id),
      ).resolves.toMatchObject({ id: row.id });
    });

    it('gives an admin anyone', async () => {
      const { service, repository } = setup();
      const row = await repository.seed();

      await expect(
        service.findOne(caller(randomUUID(), 'admin'), row.id),
      ).resolves.toMatchObject({ id: row.id });
    });

    it("refuses someone else's user with 403", async () => {
      const { service, repository } = setup();
      const row = await repository.seed();

      await expect(
        service.findOne(caller(randomUUID(), 'worker'), row.id),
      ).rejects.toBeInstanceOf(ForbiddenException);
    });

    it('answers 404 for an unknown id', async () => {
      const { service } = setup();
      const id = randomUUID();

      await expect(service.findOne(caller(id), id)).rejects.toBeInstanceOf(
        NotFoundException,
      );
    });
  });

  describe('update', () => {
    it('lets the owner change the name and emits only that change', async () => {
      const { service, repository, events } = setup();
      const row = await repository.seed({ name: 'Ada' });

      const user = await service.update(caller(row.id), row.id, {
        name: 'Ada Lovelace',
        role: 'customer',
      });

      expect(user.name).toBe('Ada Lovelace');
      // Published in the write's transaction (the outbox).
      expect(events.ofType('user.updated')[0].args).toEqual([
        row.id,
        { name: 'Ada Lovelace' },
        FAKE_TRANSACTION,
      ]);
    });

    it('changes and emits nothing when nothing differs', async () => {
      const { service, repository, events } = setup();
      const row = await repository.seed({ name: 'Ada' });

      const user = await service.update(caller(row.id), row.id, {
        name: 'Ada',
      });

      expect(user.updatedAt).toBe(row.updatedAt.toISOString());
      expect(events.ofType('user.updated')).toHaveLength(0);
    });

    it('refuses a role change by a non-admin owner with 403', async () => {
      const { service, repository, events } = setup();
      const row = await repository.seed({ role: 'customer' });

      await expect(
        service.update(caller(row.id), row.id, { role: 'admin' }),
      ).rejects.toBeInstanceOf(ForbiddenException);
      expect(repository.rows.get(row.id)!.role).toBe('customer');
      expect(events.emitted).toHaveLength(0);
    });

    it('lets an admin change a role to any role', async () => {
      const { service, repository, events } = setup();
      const row = await repository.seed({ role: 'customer' });

      const user = await service.update(caller(randomUUID(), 'admin'), row.id, {
        role: 'admin',
      });

      expect(user.role).toBe('admin');
      expect(events.ofType('user.updated')[0].args[1]).toEqual({
        role: 'admin',
      });
    });

    it("refuses to change someone else's user with 403", async () => {
      const { service, repository } = setup();
      const row = await repository.seed();

      await expect(
        service.update(caller(randomUUID()), row.id, { name: 'Mallory' }),
      ).rejects.toBeInstanceOf(ForbiddenException);
    });
  });

  describe('remove', () => {
    it('deletes the own user and emits user.deleted', async () => {
      const { service, repository, events } = setup();
      const row = await repository.seed();

      await service.remove(caller(row.id), row.id);

      expect(repository.rows.has(row.id)).toBe(false);
      expect(events.ofType('user.deleted')).toHaveLength(1);
    });

    it("refuses to delete someone else's user with 403", async () => {
      const { service, repository } = setup();
      const row = await repository.seed();

      await expect(
        service.remove(caller(randomUUID()), row.id),
      ).rejects.toBeInstanceOf(ForbiddenException);
      expect(repository.rows.has(row.id)).toBe(true);
    });

    it('answers 404 for an unknown id', async () => {
      const { service } = setup();

      await expect(
        service.remove(caller(randomUUID(), 'admin'), randomUUID()),
      ).rejects.toBeInstanceOf(NotFoundException);
    });
  });
});
