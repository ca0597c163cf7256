import { Controller, ForbiddenException, Get, Query } from '@nestjs/common';
import { CurrentUser, isAdmin, type AuthenticatedUser } from '@app/common';
import {
  DEFAULT_NOTIFICATIONS_LIMIT,
  ListNotificationsQuery,
} from './dto/list-notifications.query.js';
import {
  toNotificationView,
  type NotificationView,
} from './dto/notification.view.js';
import { NotificationsRepository } from './notifications.repository.js';

/** `GET /notifications?to=`: what was sent or recorded for one address. */
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsRepository) {}

  /**
   * An admin may read anyone's e-mails; anyone else only those sent to the
   * address of their token (e-mail addresses compare case-insensitively).
   */
  @Get()
  async list(
    @Query() query: ListNotificationsQuery,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<{ items: NotificationView[] }> {
    if (!isAdmin(user) && !sameAddress(user.email, query.to)) {
      throw new ForbiddenException(
        'You may only read the notifications sent to your own e-mail address',
      );
    }
    const rows = await this.notifications.listByRecipient(
      query.to,
      query.limit ?? DEFAULT_NOTIFICATIONS_LIMIT,
    );
    return { items: rows.map(toNotificationView) };
  }
}

function sameAddress(a: string | undefined, b: string): boolean {
  return typeof a === 'string' && a.toLowerCase() === b.toLowerCase();
}
