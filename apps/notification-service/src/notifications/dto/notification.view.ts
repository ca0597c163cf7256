import type {
  NotificationRow,
  NotificationStatus,
} from '../../database/schema.js';

/** One e-mail as `GET /notifications` returns it (ARCHITECTURE.md section 5). */
export interface NotificationView {
  id: string;
  to: string;
  template: string;
  subject: string;
  body: string;
  status: NotificationStatus;
  eventId: string;
  createdAt: string;
}

export function toNotificationView(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    to: row.to,
    template: row.template,
    subject: row.subject,
    body: row.body,
    status: row.status,
    eventId: row.eventId,
    createdAt: row.createdAt.toISOString(),
  };
}
