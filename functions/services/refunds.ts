/**
 * Acting on recorded refunds. A refund exists only as a PENDING entry written by a
 * decision (functions/core/decisions.ts); this sends it to the provider with its
 * idempotency key and records the outcome. Safe to run anywhere, any number of
 * times, concurrently: the provider refunds a key once, and the outcome is written
 * only onto the version of the order it was read from.
 */
import { FINAL_STATUSES } from '../core/order.js';
import { pendingRefunds, withRefundSucceeded, type Payment, type Refund } from '../core/money.js';
import { getOrder, updateWhile, type StoredOrder } from '../adapters/orders.js';
import type { PaymentProvider } from '../adapters/payment-provider.js';
import { backoff } from '../shared/backoff.js';
import { logger } from '../shared/powertools.js';

interface Owed {
  /** `order`: the order's own payment; a number: an index into `strayPayments`. */
  where: 'order' | number;
  payment: Payment;
  refund: Refund;
}

export function owedRefunds(order: StoredOrder): Owed[] {
  const own = pendingRefunds(order.payment).map((refund) => ({ where: 'order' as const, payment: order.payment!, refund }));
  const stray = (order.strayPayments ?? []).flatMap((payment, i) => pendingRefunds(payment).map((refund) => ({ where: i, payment, refund })));
  return [...own, ...stray];
}

const MAX_ATTEMPTS = 25;

/** Carries out every refund the order owes; returns the order with all of them recorded as succeeded. */
export async function settleRefunds(order: StoredOrder, payments: PaymentProvider): Promise<StoredOrder> {
  let current = order;
  for (let lost = 0; lost < MAX_ATTEMPTS; ) {
    const owed = owedRefunds(current);
    if (!owed.length) return current;
    const { where, payment, refund } = owed[0]!;
    await payments.refund({ paymentId: payment.paymentId, refundId: refund.refundId, amountMinor: refund.amountMinor, currency: payment.currency });
    const now = new Date().toISOString();
    const done = withRefundSucceeded(payment, refund.refundId, now);
    const set = where === 'order' ? { payment: done } : { strayPayments: current.strayPayments!.map((p, i) => (i === where ? done : p)) };
    // A final order leaves the open-orders index once it owes nothing more.
    const last = owed.length === 1 && FINAL_STATUSES.includes(current.status);
    const written = await updateWhile(current.orderId, [current.status], set, { expectVersion: current.version, remove: last ? ['gsi3pk', 'gsi3sk'] : [] });
    if (written) {
      logger.info('refund succeeded', { orderId: current.orderId, refundId: refund.refundId, reason: refund.reason, amountMinor: refund.amountMinor });
      current = written;
      continue;
    }
    // Another writer changed the order meanwhile: pause, re-read, carry on from there.
    await backoff(++lost);
    const next = await getOrder(current.orderId);
    if (!next) throw new Error(`order ${current.orderId} vanished while refunding`);
    current = next;
  }
  throw new Error(`refunds of ${order.orderId} kept losing races; will be retried`);
}
