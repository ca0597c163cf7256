import { randomUUID } from 'node:crypto';
import { ForbiddenException } from '@nestjs/common';
import { admin, caller } from '../../test/support/fakes.js';
import { BookingAccess } from './booking-access.js';
import type { BookingStep } from './booking-state-machine.js';

const customer = caller(randomUUID(), 'customer');
const worker = caller(randomUUID(), 'worker');
const booking = { customerId: customer.id, workerId: worker.id };
const stranger = {
  customer: caller(randomUUID(), 'customer'),
  worker: caller(randomUUID(), 'worker'),
};

const forbidden = (fn: () => void) => expect(fn).toThrow(ForbiddenException);
const allowed = (fn: () => void) => expect(fn).not.toThrow();

describe('BookingAccess', () => {
  describe('assertMayCreate', () => {
    it('lets a customer create for themselves', () => {
      allowed(() => BookingAccess.assertMayCreate(customer, customer.id));
    });

    it('refuses a customer creating for someone else', () => {
      forbidden(() => BookingAccess.assertMayCreate(customer, randomUUID()));
    });

    it('lets an admin create for anyone', () => {
      allowed(() => BookingAccess.assertMayCreate(admin(), randomUUID()));
    });

    it('refuses a worker, even for their own id', () => {
      forbidden(() => BookingAccess.assertMayCreate(worker, worker.id));
    });
  });

  describe('assertMayRead', () => {
    it('lets the owner, the assigned worker and an admin read', () => {
      allowed(() => BookingAccess.assertMayRead(customer, booking));
      allowed(() => BookingAccess.assertMayRead(worker, booking));
      allowed(() => BookingAccess.assertMayRead(admin(), booking));
    });

    it('refuses other customers and other workers', () => {
      forbidden(() => BookingAccess.assertMayRead(stranger.customer, booking));
      forbidden(() => BookingAccess.assertMayRead(stranger.worker, booking));
    });

    it('refuses a worker when nobody is assigned', () => {
      forbidden(() =>
        BookingAccess.assertMayRead(worker, { ...booking, workerId: null }),
      );
    });
  });

  describe('assertMayTake', () => {
    it.each<BookingStep>(['approve', 'reject', 'assign', 'confirm'])(
      '%s is an admin step',
      (step) => {
        allowed(() => BookingAccess.assertMayTake(admin(), step, booking));
        forbidden(() => BookingAccess.assertMayTake(customer, step, booking));
        forbidden(() => BookingAccess.assertMayTake(worker, step, booking));
      },
    );

    it.each<BookingStep>(['start', 'complete'])(
      '%s is for the assigned worker or an admin',
      (step) => {
        allowed(() => BookingAccess.assertMayTake(worker, step, booking));
        allowed(() => BookingAccess.assertMayTake(admin(), step, booking));
        forbidden(() =>
          BookingAccess.assertMayTake(stranger.worker, step, booking),
        );
        forbidden(() => BookingAccess.assertMayTake(customer, step, booking));
        forbidden(() =>
          BookingAccess.assertMayTake(worker, step, {
            ...booking,
            workerId: null,
          }),
        );
      },
    );

    it('cancel is for the owning customer or an admin', () => {
      allowed(() => BookingAccess.assertMayTake(customer, 'cancel', booking));
      allowed(() => BookingAccess.assertMayTake(admin(), 'cancel', booking));
      forbidden(() =>
        BookingAccess.assertMayTake(stranger.customer, 'cancel', booking),
      );
      forbidden(() => BookingAccess.assertMayTake(worker, 'cancel', booking));
    });

    it('names who may take the step', () => {
      expect(() =>
        BookingAccess.assertMayTake(customer, 'approve', booking),
      ).toThrow('Only an admin may approve a booking');
    });

    it('does not let a worker whose id is the customer id act as owner', () => {
      const sameId = caller(customer.id, 'worker');

      forbidden(() => BookingAccess.assertMayTake(sameId, 'cancel', booking));
    });
  });

  describe('listFilter', () => {
    it('passes an admin any filter', () => {
      const query = { customerId: randomUUID(), status: 'approved' as const };

      expect(BookingAccess.listFilter(admin(), query)).toEqual(query);
    });

    it('narrows a customer to their own bookings', () => {
      expect(
        BookingAccess.listFilter(customer, { status: 'requested' }),
      ).toEqual({ customerId: customer.id, status: 'requested' });
      expect(
        BookingAccess.listFilter(customer, { customerId: customer.id }),
      ).toEqual({ customerId: customer.id });
    });

    it("refuses a customer asking for another customer's bookings", () => {
      forbidden(() =>
        BookingAccess.listFilter(customer, { customerId: randomUUID() }),
      );
    });

    it('narrows a worker to the bookings assigned to them', () => {
      const customerId = randomUUID();

      expect(BookingAccess.listFilter(worker, { customerId })).toEqual({
        customerId,
        workerId: worker.id,
      });
    });

    it("refuses a worker asking for another worker's bookings", () => {
      forbidden(() =>
        BookingAccess.listFilter(worker, { workerId: randomUUID() }),
      );
    });
  });
});
