import {
  InvoiceArithmeticError,
  invoiceAmount,
  wholeMinutes,
  workedSeconds,
} from './invoice-amount.js';

const HOUR = 3_600;

describe('invoiceAmount', () => {
  it.each([
    // [seconds, hourly rate, amount]
    [2 * HOUR + 30 * 60, 2500, 6250],
    [HOUR, 2500, 2500],
    [60, 100, 2], // 1.666... rounds up
    [30, 100, 1], // 0.833... rounds up
    [10, 100, 0], // 0.277... rounds down
  ])('%i s at %i is %i', (seconds, rate, amount) => {
    expect(invoiceAmount(seconds, rate)).toBe(amount);
  });

  it('rounds exactly half a cent up', () => {
    // 18 s at 100/h is 0.5; 54 s at 100/h is 1.5; 90 s at 100/h is 2.5.
    expect(invoiceAmount(18, 100)).toBe(1);
    expect(invoiceAmount(54, 100)).toBe(2);
    expect(invoiceAmount(90, 100)).toBe(3);
  });

  it('rounds just under half a cent down', () => {
    // 17 s at 100/h is 0.4722...; 1 s at 1799/h is 0.4997...
    expect(invoiceAmount(17, 100)).toBe(0);
    expect(invoiceAmount(1, 1799)).toBe(0);
    expect(invoiceAmount(1, 1800)).toBe(1);
  });

  it('is zero for no time or a zero rate', () => {
    expect(invoiceAmount(0, 2500)).toBe(0);
    expect(invoiceAmount(8 * HOUR, 0)).toBe(0);
  });

  it('stays exact where floats would not', () => {
    // A year at the largest integer rate: the product exceeds 2^53.
    const seconds = 365 * 24 * HOUR;
    const rate = 2_147_483_647;
    const exact = (BigInt(seconds) * BigInt(rate) + 1_800n) / BigInt(HOUR);

    expect(BigInt(seconds) * BigInt(rate)).toBeGreaterThan(
      BigInt(Number.MAX_SAFE_INTEGER),
    );
    expect(invoiceAmount(seconds, rate)).toBe(Number(exact));
    expect(Number.isInteger(invoiceAmount(seconds, rate))).toBe(true);
  });

  it('refuses an amount too large to hold exactly', () => {
    expect(() => invoiceAmount(Number.MAX_SAFE_INTEGER, 2_147_483_647)).toThrow(
      InvoiceArithmeticError,
    );
  });

  it.each([
    [-1, 100],
    [1.5, 100],
    [60, 99.5],
    [60, -1],
    [Number.NaN, 100],
  ])('refuses %p seconds at %p (integers >= 0 only)', (seconds, rate) => {
    expect(() => invoiceAmount(seconds, rate)).toThrow(InvoiceArithmeticError);
  });
});

describe('workedSeconds', () => {
  it('counts whole seconds between start and end', () => {
    expect(
      workedSeconds(
        new Date('2030-01-01T09:00:00Z'),
        new Date('2030-01-01T11:30:00.999Z'),
      ),
    ).toBe(9_000);
  });

  it('refuses an end before the start', () => {
    expect(() =>
      workedSeconds(
        new Date('2030-01-01T10:00:00Z'),
        new Date('2030-01-01T09:00:00Z'),
      ),
    ).toThrow(InvoiceArithmeticError);
  });
});

describe('wholeMinutes', () => {
  it('rounds down to whole minutes', () => {
    expect(wholeMinutes(0)).toBe(0);
    expect(wholeMinutes(59)).toBe(0);
    expect(wholeMinutes(60)).toBe(1);
    expect(wholeMinutes(9_000)).toBe(150);
  });
});
