/**
 * `amount` minor units of `currency` as text, e.g. 6250 USD -> "62.50 USD",
 * 500 JPY -> "500 JPY". String arithmetic: money never passes through floats.
 */
export function formatMinorUnits(amount: number, currency: string): string {
  const digits = fractionDigits(currency);
  const sign = amount < 0 ? '-' : '';
  const units = String(Math.abs(amount)).padStart(digits + 1, '0');
  const whole = digits > 0 ? units.slice(0, -digits) : units;
  const fraction = digits > 0 ? `.${units.slice(-digits)}` : '';
  return `${sign}${whole}${fraction} ${currency}`;
}

function fractionDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', {
        style: 'currency',
        currency,
      }).resolvedOptions().maximumFractionDigits ?? 2
    );
  } catch {
    // Not an ISO 4217 code Intl knows: the common case.
    return 2;
  }
}
