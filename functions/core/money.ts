/**
 * Money: integer counts of a currency's minor unit. One place for every bound, so
 * what an order may total, what a provider may report and what may be refunded
 * agree across the system (an order that can be placed can always be paid).
 */

/** A catalog price, per unit. */
export const MAX_UNIT_PRICE_MINOR = 1_000_000_000;
export const MAX_LINE_QUANTITY = 999;
export const MAX_ORDER_LINES = 50;
/** The largest total an order can reach (about 5e13: far inside exact integers). */
export const MAX_ORDER_TOTAL_MINOR = MAX_UNIT_PRICE_MINOR * MAX_LINE_QUANTITY * MAX_ORDER_LINES;

/**
 * What a provider may report as paid: any exact integer. A payment larger than any
 * order (a mistake at the provider) must still be recorded, so that it is refunded.
 */
export const MAX_REPORTED_AMOUNT_MINOR = Number.MAX_SAFE_INTEGER;

export type RefundReason = 'ORDER_CANCELLED' | 'PAYMENT_MISMATCH' | 'DUPLICATE_PAYMENT' | 'LATE_PAYMENT' | 'SHORTAGE' | 'RETURN' | 'GOODWILL';

export interface Refund {
  /** Also the idempotency key sent to the provider: derived from the order and the refund's cause. */
  refundId: string;
  amountMinor: number;
  reason: RefundReason;
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED';
  createdAt: string;
  completedAt: string | null;
  /** Internal: when the provider accepted the request and answered "processing"; its notification completes it. */
  submittedAt?: string | null;
  /** Internal: the operator's note on a refund they made. */
  note?: string;
}

export type PaymentStatus = 'PENDING' | 'SUCCEEDED' | 'PARTIALLY_REFUNDED' | 'REFUNDED' | 'FAILED' | 'CLOSED';

export interface Payment {
  provider: string;
  paymentId: string;
  status: PaymentStatus;
  amountMinor: number;
  currency: string;
  checkoutUrl: string | null;
  paidAt: string | null;
  refundedAt: string | null;
  refundedMinor: number;
  refunds: Refund[];
}

/** Captured and not yet refunded or promised back (pending refunds count as spent). */
export function refundableMinor(payment: Payment): number {
  if (!payment.paidAt) return 0;
  const promised = payment.refunds.filter((r) => r.status !== 'FAILED').reduce((sum, r) => sum + r.amountMinor, 0);
  return Math.max(0, payment.amountMinor - promised);
}

/** The payment's status from its captured amount and its succeeded refunds (API.md). */
export function paidStatus(payment: Pick<Payment, 'amountMinor' | 'refundedMinor'>): PaymentStatus {
  if (payment.refundedMinor <= 0) return 'SUCCEEDED';
  return payment.refundedMinor >= payment.amountMinor ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
}

/** A payment with a refund owed (status PENDING): the recorded decision, before any money moves. */
export function withRefundOwed(payment: Payment, refund: Omit<Refund, 'status' | 'completedAt' | 'createdAt' | 'submittedAt'>, now: string): Payment {
  if (refund.amountMinor <= 0 || payment.refunds.some((r) => r.refundId === refund.refundId)) return payment;
  return { ...payment, refunds: [...payment.refunds, { ...refund, status: 'PENDING', createdAt: now, completedAt: null }] };
}

/** The payment once the refund `refundId` succeeded at the provider. */
export function withRefundSucceeded(payment: Payment, refundId: string, now: string): Payment {
  const refund = payment.refunds.find((r) => r.refundId === refundId);
  if (!refund || refund.status !== 'PENDING') return payment;
  const refundedMinor = payment.refundedMinor + refund.amountMinor;
  return {
    ...payment,
    refunds: payment.refunds.map((r) => (r.refundId === refundId ? { ...r, status: 'SUCCEEDED' as const, completedAt: now } : r)),
    refundedMinor,
    refundedAt: now,
    status: paidStatus({ amountMinor: payment.amountMinor, refundedMinor }),
  };
}

/** The payment once the provider refused or failed the refund `refundId`: nothing moved, an operator decides. */
export function withRefundFailed(payment: Payment, refundId: string, now: string): Payment {
  const refund = payment.refunds.find((r) => r.refundId === refundId);
  if (!refund || refund.status !== 'PENDING') return payment;
  return { ...payment, refunds: payment.refunds.map((r) => (r.refundId === refundId ? { ...r, status: 'FAILED' as const, completedAt: now } : r)) };
}

/** The payment once the provider accepted the refund `refundId` and will complete it later. */
export function withRefundSubmitted(payment: Payment, refundId: string, now: string): Payment {
  return { ...payment, refunds: payment.refunds.map((r) => (r.refundId === refundId && r.status === 'PENDING' ? { ...r, submittedAt: now } : r)) };
}

export function pendingRefunds(payment: Payment | null | undefined): Refund[] {
  return payment?.refunds.filter((r) => r.status === 'PENDING') ?? [];
}
