import { formatMinorUnits } from './money.js';

describe('formatMinorUnits', () => {
  it.each([
    [6250, 'USD', '62.50 USD'],
    [5, 'EUR', '0.05 EUR'],
    [0, 'USD', '0.00 USD'],
    [500, 'JPY', '500 JPY'],
    [1234567, 'KWD', '1234.567 KWD'],
    [-150, 'USD', '-1.50 USD'],
    [9007199254740991, 'USD', '90071992547409.91 USD'],
  ])('%p %s is %p', (amount, currency, expected) => {
    expect(formatMinorUnits(amount, currency)).toBe(expected);
  });
});
