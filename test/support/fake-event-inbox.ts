import type { EventInbox } from '@app/event-bus';

/**
 * For unit tests of services whose handlers record events in the inbox: the
 * event ids accepted, per transaction handed in, with `EventInbox.accept`'s
 * answer (true the first time an id is seen). No rollback: a test that
 * needs one uses the real `EventInbox` on PGlite.
 */
export class FakeEventInbox {
  readonly accepted: Array<{ eventId: string; transaction: unknown }> = [];

  accept(
    transaction: unknown,
    event: { id: string; type: string },
  ): Promise<boolean> {
    if (this.accepted.some((entry) => entry.eventId === event.id)) {
      return Promise.resolve(false);
    }
    this.accepted.push({ eventId: event.id, transaction });
    return Promise.resolve(true);
  }

  asInbox(): EventInbox {
    return this as unknown as EventInbox;
  }
}
