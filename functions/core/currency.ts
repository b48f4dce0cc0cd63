/**
 * Minor units and the decimal strings some providers speak (Alipay "39.98", PayPal
 * "39.98" or "3998" for JPY). Exact string arithmetic, never floating point, so an
 * amount converted there and back is the same integer.
 */

/** Digits after the decimal point for an ISO 4217 currency (CNY 2, JPY 0, KWD 3), from ICU's tables. */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

export function minorToDecimal(amountMinor: number, currency: string): string {
  const digits = minorDigits(currency);
  if (digits === 0) return String(amountMinor);
  const text = String(amountMinor).padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** The minor units of a decimal amount; null when it is not a plain non-negative decimal of at most the currency's digits. */
export function decimalToMinor(value: string, currency: string): number | null {
  const digits = minorDigits(currency);
  const match = /^(\d{1,16})(?:\.(\d+))?$/.exec(value);
  if (!match || (match[2]?.length ?? 0) > digits) return null;
  const minor = Number(`${match[1]}${(match[2] ?? '').padEnd(digits, '0')}`);
  return Number.isSafeInteger(minor) ? minor : null;
}
