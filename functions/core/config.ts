/**
 * Configuration read once at cold start. Missing required settings fail fast here
 * rather than as an `undefined` deep inside a request.
 */
export function seconds(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number of seconds >= 1, got "${raw}"`);
  return value;
}

/** Deadlines of the workflow's waits, in seconds (API.md names the first two). */
export function deadlines() {
  return {
    paymentSeconds: seconds('PAYMENT_TIMEOUT_SECONDS', 900),
    pickingSeconds: seconds('PICKING_TIMEOUT_SECONDS', 172_800),
    shippingSeconds: seconds('SHIPPING_TIMEOUT_SECONDS', 3_600),
    deliverySeconds: seconds('DELIVERY_TIMEOUT_SECONDS', 1_209_600),
    receiptSeconds: seconds('AUTO_CONFIRM_SECONDS', 604_800),
  };
}
export type Deadlines = ReturnType<typeof deadlines>;

let checkedZone: string | undefined;

/**
 * The time zone whose calendar days the reports count in (API.md: default
 * Asia/Shanghai). Checked on first use, not at a cold start: the first time-zone
 * format loads ICU's zone data (~18 ms), and synth already refuses a bad zone.
 */
export function reportTimezone(): string {
  if (checkedZone) return checkedZone;
  const zone = process.env.REPORT_TIMEZONE || 'Asia/Shanghai';
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: zone });
  } catch {
    throw new Error(`REPORT_TIMEZONE must be an IANA time zone such as Asia/Shanghai, got "${zone}"`);
  }
  return (checkedZone = zone);
}
