/**
 * Acting on recorded refunds. A refund exists only as a PENDING entry written by a
 * decision (functions/core/decisions.ts); this sends it to the provider with its
 * idempotency key and records the outcome. Safe to run anywhere, any number of
 * times, concurrently: the provider refunds a key once, and the outcome is written
 * only onto the version of the order it was read from.
 */
import { FINAL_STATUSES } from '../core/order.js';
import { pendingRefunds, withRefundFailed, withRefundSubmitted, withRefundSucceeded, type Payment, type Refund } from '../core/money.js';
import { getOrder, openOrderKeys, updateWhile, type StoredOrder } from '../adapters/orders.js';
import { partialRefundDecision, type PartialRefundRequest } from '../core/decisions.js';
import { DomainError } from '../core/errors.js';
import type { RefundState } from '../adapters/payments/provider.js';
import type { PaymentProviders } from '../adapters/payments/registry.js';
import { backoff } from '../shared/backoff.js';
import { logger } from '../shared/powertools.js';

interface Owed {
  /** `order`: the order's own payment; a number: an index into `strayPayments`. */
  where: 'order' | number;
  payment: Payment;
  refund: Refund;
}

/** Refunds not yet sent, or sent and answered "processing" before `resendBefore` (the reconciler asks again with the same key). */
export function owedRefunds(order: StoredOrder, resendBefore?: string): Owed[] {
  const owed = (refund: Refund) => !refund.submittedAt || (resendBefore !== undefined && refund.submittedAt < resendBefore);
  const own = pendingRefunds(order.payment).filter(owed).map((refund) => ({ where: 'order' as const, payment: order.payment!, refund }));
  const stray = (order.strayPayments ?? []).flatMap((payment, i) => pendingRefunds(payment).filter(owed).map((refund) => ({ where: i, payment, refund })));
  return [...own, ...stray];
}

const MAX_ATTEMPTS = 25;

function withOutcome(payment: Payment, refundId: string, state: RefundState, now: string): Payment {
  if (state === 'SUCCEEDED') return withRefundSucceeded(payment, refundId, now);
  if (state === 'FAILED') return withRefundFailed(payment, refundId, now);
  return withRefundSubmitted(payment, refundId, now);
}

/** Writes a refund's outcome onto the version of the order it was read from; null when another writer came first. */
async function recordOutcome(order: StoredOrder, where: Owed['where'], refundId: string, state: RefundState): Promise<StoredOrder | null> {
  const now = new Date().toISOString();
  const payment = where === 'order' ? order.payment! : order.strayPayments![where]!;
  const done = withOutcome(payment, refundId, state, now);
  const set = where === 'order' ? { payment: done } : { strayPayments: order.strayPayments!.map((p, i) => (i === where ? done : p)) };
  // A final order leaves the open-orders index once no refund of it is pending any more.
  const stillPending = [order.payment, ...(order.strayPayments ?? [])].some((p) => pendingRefunds(p === payment ? done : p).length > 0);
  const last = !stillPending && FINAL_STATUSES.includes(order.status);
  return updateWhile(order.orderId, [order.status], set, { expectVersion: order.version, remove: last ? ['gsi3pk', 'gsi3sk'] : [] });
}

/**
 * Carries out every refund the order owes and records each answer: succeeded, failed
 * (refused by the provider: shown FAILED for an operator), or accepted for later (the
 * provider's refund notification completes it). Returns the order as last written.
 */
export async function settleRefunds(order: StoredOrder, payments: PaymentProviders, resendBefore?: string): Promise<StoredOrder> {
  let current = order;
  for (let lost = 0; lost < MAX_ATTEMPTS; ) {
    const owed = owedRefunds(current, resendBefore);
    if (!owed.length) return current;
    const { where, payment, refund } = owed[0]!;
    const state = await payments.named(payment.provider).refund({
      orderId: current.orderId,
      paymentId: payment.paymentId,
      refundId: refund.refundId,
      amountMinor: refund.amountMinor,
      paymentAmountMinor: payment.amountMinor,
      currency: payment.currency,
    });
    const written = await recordOutcome(current, where, refund.refundId, state);
    if (written) {
      const log = state === 'FAILED' ? logger.error.bind(logger) : logger.info.bind(logger);
      log(`refund ${state.toLowerCase()}`, { orderId: current.orderId, refundId: refund.refundId, reason: refund.reason, amountMinor: refund.amountMinor });
      current = written;
      continue;
    }
    // Another writer changed the order meanwhile: pause, re-read, carry on from there.
    current = await reread(current.orderId, ++lost);
  }
  throw new Error(`refunds of ${order.orderId} kept losing races; will be retried`);
}

async function reread(orderId: string, lost: number): Promise<StoredOrder> {
  await backoff(lost);
  const next = await getOrder(orderId);
  if (!next) throw new Error(`order ${orderId} vanished while refunding`);
  return next;
}

/**
 * A provider's refund notification: completes the matching refund entry (once; a
 * duplicate or an unknown refund changes nothing). Returns whether it changed the order.
 */
export async function completeRefund(orderId: string, paymentId: string | null, refundId: string, state: Exclude<RefundState, 'PENDING'>): Promise<boolean> {
  let order = await getOrder(orderId);
  for (let lost = 0; order && lost < MAX_ATTEMPTS; ) {
    const payments = [order.payment, ...(order.strayPayments ?? [])];
    const index = payments.findIndex((p) => p && (paymentId === null || p.paymentId === paymentId) && p.refunds.some((r) => r.refundId === refundId && r.status === 'PENDING'));
    if (index < 0) return false;
    if (await recordOutcome(order, index === 0 ? 'order' : index - 1, refundId, state)) return true;
    order = await reread(orderId, ++lost);
  }
  if (!order) return false;
  throw new Error(`refund ${refundId} of ${orderId} kept losing races; the provider will retry`);
}

/**
 * An operator's partial refund: decided with one version-guarded write that records
 * the refund owed (its id derived from the order and the Idempotency-Key), then sent.
 * Concurrent requests re-read and see each other's pending refunds, so together they
 * never exceed what is refundable; the same key again refunds nothing more.
 */
export async function refundPartially(orderId: string, request: PartialRefundRequest, payments: PaymentProviders): Promise<{ order: StoredOrder; replayed: boolean }> {
  for (let lost = 0; lost < MAX_ATTEMPTS; ) {
    const order = await getOrder(orderId);
    if (!order) throw new DomainError('NOT_FOUND', `No order ${orderId}`);
    const decision = partialRefundDecision(order, request, new Date().toISOString());
    if (decision.kind === 'replay') return { order: await settleRefunds(order, payments), replayed: true };
    // A final order stays in the open-orders index while it owes the refund (the reconciler finishes it).
    const written = await updateWhile(orderId, [order.status], { payment: decision.payment, ...(FINAL_STATUSES.includes(order.status) ? openOrderKeys(order) : {}) }, { expectVersion: order.version });
    if (written) {
      logger.info('partial refund decided', { orderId, reason: request.reason, amountMinor: request.amountMinor });
      return { order: await settleRefunds(written, payments), replayed: false };
    }
    await backoff(++lost);
  }
  throw new Error(`the refund of ${orderId} kept losing races; retry with the same Idempotency-Key`);
}
