import { jest } from '@jest/globals';
import { ForbiddenException } from '@nestjs/common';
import type { AuthenticatedUser } from '@app/common';
import type { NotificationRow } from '../database/schema.js';
import { NotificationsController } from './notifications.controller.js';
import type { NotificationsRepository } from './notifications.repository.js';

const row: NotificationRow = {
  id: '7b0c9d3e-4a51-4c3f-9f55-8a1e2f3b4c5d',
  to: 'Ada@Example.com',
  template: 'welcome',
  subject: 'Welcome, Ada',
  body: 'Hello Ada,',
  status: 'recorded',
  eventId: 'evt-1',
  correlationId: 'corr-1',
  error: null,
  createdAt: new Date('2026-01-02T03:04:05.000Z'),
};

const user = (role: AuthenticatedUser['role'], email: string) => ({
  id: 'u-1',
  role,
  email,
});

function createController() {
  const repository = {
    listByRecipient: jest.fn(() => Promise.resolve([row])),
  };
  const controller = new NotificationsController(
    repository as unknown as NotificationsRepository,
  );
  return { controller, repository };
}

describe('NotificationsController.list', () => {
  it('returns the contract fields as { items }', async () => {
    const { controller } = createController();

    const result = await controller.list(
      { to: 'ada@example.com' },
      user('admin', 'root@example.com'),
    );

    expect(result).toEqual({
      items: [
        {
          id: row.id,
          to: 'Ada@Example.com',
          template: 'welcome',
          subject: 'Welcome, Ada',
          body: 'Hello Ada,',
          status: 'recorded',
          eventId: 'evt-1',
          createdAt: '2026-01-02T03:04:05.000Z',
        },
      ],
    });
  });

  it('lets a customer read their own, whatever the case of the address', async () => {
    const { controller, repository } = createController();

    await controller.list(
      { to: 'ADA@example.com', limit: 10 },
      user('customer', 'ada@EXAMPLE.com'),
    );

    expect(repository.listByRecipient).toHaveBeenCalledWith(
      'ADA@example.com',
      10,
    );
  });

  it.each(['customer', 'worker'] as const)(
    'refuses a %s reading another address',
    async (role) => {
      const { controller, repository } = createController();

      await expect(
        controller.list(
          { to: 'bob@example.com' },
          user(role, 'ada@example.com'),
        ),
      ).rejects.toThrow(ForbiddenException);
      expect(repository.listByRecipient).not.toHaveBeenCalled();
    },
  );
});
