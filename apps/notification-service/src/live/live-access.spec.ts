import { randomUUID } from 'node:crypto';
import type { AuthenticatedUser } from '@app/common';
import { createEventEnvelope } from '@app/event-bus';
import { maySee } from './live-access.js';

const user = (role: AuthenticatedUser['role']): AuthenticatedUser => ({
  id: randomUUID(),
  role,
  email: 'Ada@Example.com',
});

const event = (data: Record<string, unknown>) =>
  createEventEnvelope({
    type: 'booking.created',
    source: 'booking-service',
    dataversion: 1,
    data,
  });

describe('maySee', () => {
  it('shows every event to an admin', () => {
    expect(maySee(user('admin'), event({ customerId: randomUUID() }))).toBe(
      true,
    );
  });

  it('shows others the events about them, as user, customer or worker', () => {
    const customer = user('customer');
    const worker = user('worker');

    expect(maySee(customer, event({ userId: customer.id }))).toBe(true);
    expect(maySee(customer, event({ customerId: customer.id }))).toBe(true);
    expect(maySee(worker, event({ workerId: worker.id }))).toBe(true);
    expect(maySee(customer, event({ customerId: randomUUID() }))).toBe(false);
    expect(maySee(worker, event({ organizationId: 'default' }))).toBe(false);
  });

  it('shows an invoice to its client, whatever the e-mail case', () => {
    expect(
      maySee(user('customer'), event({ clientEmail: 'ada@example.com' })),
    ).toBe(true);
  });
});
