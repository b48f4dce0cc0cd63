/**
 * A verified payment notification, applied by the rule of functions/core/decisions.ts:
 * decide from the order as read with one version-guarded write (paid, cancelled for a
 * failure or a wrong amount, or a refund owed for a payment that pays nothing), then
 * act from the record: refunds with their idempotency keys (the workflow's signal
 * follows from the recorded change: functions/streams/drive-workflows.ts). The
 * notification that loses a race re-reads and finds the decision already made.
 */
import { onHomeShards, paymentDecision, type PaymentReport } from '../core/decisions.js';
import { getOrder, openOrderKeys, transition, updateWhile, type StoredOrder } from '../adapters/orders.js';
import type { PaymentProviders } from '../adapters/payments/registry.js';
import type { ProviderNotification, ProviderPayment } from '../adapters/payments/provider.js';
import { completeRefund } from './refunds.js';
import type { Payment } from '../core/money.js';
import { settleRefunds } from './refunds.js';
import { backoff } from '../shared/backoff.js';
import { logger } from '../shared/powertools.js';

export type PaymentOutcome = 'paid' | 'already-decided' | 'unknown-order' | 'refund-owed' | 'rejected-mismatch' | 'failed' | 'ignored';

const MAX_ATTEMPTS = 25;

export async function applyPaymentEvent(orderId: string, report: PaymentReport, payments: PaymentProviders): Promise<PaymentOutcome> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    await backoff(attempt);
    const order = await getOrder(orderId);
    if (!order) return 'unknown-order';
    const now = new Date().toISOString();
    const decision = paymentDecision(order, report, now);
    let written: StoredOrder | null = null;
    let outcome: PaymentOutcome;
    switch (decision.kind) {
      case 'ignore':
        return 'ignored';
      case 'already-decided':
        // A duplicate, or a retry after a crash: carry out what the record still owes.
        await settleRefunds(order, payments);
        return 'already-decided';
      case 'pay':
        outcome = 'paid';
        written = await transition(orderId, {
          to: 'PAID',
          from: ['PENDING_PAYMENT'],
          expectVersion: order.version,
          set: { payment: decision.payment },
          stock: onHomeShards(order, order.items.map((line) => ({ sku: line.sku, quantity: line.quantity, move: 'sell' as const }))),
        });
        break;
      case 'cancel':
        outcome = report.type === 'payment.failed' ? 'failed' : 'rejected-mismatch';
        written = await transition(orderId, {
          to: 'CANCELLED',
          from: ['PENDING_PAYMENT'],
          reason: decision.reason,
          expectVersion: order.version,
          set: { payment: decision.payment },
          stock: onHomeShards(order, order.items.map((line) => ({ sku: line.sku, quantity: line.quantity, move: 'release' as const }))),
          keepOpen: decision.refundOwed,
        });
        break;
      case 'record-failure':
        outcome = 'failed';
        written = await updateWhile(orderId, [order.status], { payment: decision.payment }, { expectVersion: order.version });
        break;
      case 'refund':
        outcome = 'refund-owed';
        written = await updateWhile(
          orderId,
          [order.status],
          {
            ...(decision.asOrderPayment ? { payment: decision.payment } : { strayPayments: [...(order.strayPayments ?? []), decision.payment] }),
            // Back in the open-orders index until the refund is done, so the reconciler finishes it.
            ...openOrderKeys(order),
          },
          { expectVersion: order.version },
        );
        break;
    }
    if (!written) continue; // someone else decided first: re-read
    if (outcome !== 'paid' && outcome !== 'failed') logger.warn('payment not kept', { orderId, paymentId: report.paymentId, outcome, status: written.status });
    await settleRefunds(written, payments);
    return outcome;
  }
  throw new Error(`payment event for ${orderId} kept losing races; the provider will retry`);
}

/** What the provider holds when it took the money. */
const CAPTURED: readonly string[] = ['SUCCEEDED', 'PARTIALLY_REFUNDED', 'REFUNDED'];

/**
 * A payment the payer approved and the merchant still has to capture (PayPal): captured
 * only while the order awaits payment; otherwise it is left to expire at the provider,
 * so no money is taken for an order that no longer wants it.
 */
export async function captureIfAwaited(orderId: string, paymentId: string, provider: string, payments: PaymentProviders): Promise<ProviderPayment | null> {
  const order = await getOrder(orderId);
  if (order?.status !== 'PENDING_PAYMENT' || order.payment?.paymentId !== paymentId) {
    logger.warn('approved payment not captured: the order no longer awaits it', { orderId, paymentId, status: order?.status });
    return null;
  }
  const adapter = payments.named(provider);
  if (!adapter.capture) throw new Error(`provider ${provider} reported an approval but captures by itself`);
  return adapter.capture(paymentId);
}

/** Applies what the provider holds for a payment as its notification would have been applied. */
export async function applyHeld(orderId: string, payment: Pick<Payment, 'provider' | 'paymentId'>, held: ProviderPayment, payments: PaymentProviders): Promise<PaymentOutcome | null> {
  const type = CAPTURED.includes(held.status) ? 'payment.succeeded' : held.status === 'FAILED' ? 'payment.failed' : null;
  if (!type) return null;
  return applyPaymentEvent(orderId, { type, provider: payment.provider, paymentId: payment.paymentId, amountMinor: held.amountMinor, currency: held.currency }, payments);
}

/**
 * Notifications get lost: asks the provider about the payment and, if it took the
 * money, applies that as the notification would have. True when it was paid.
 */
export async function applyProviderRecord(orderId: string, payment: Payment, payments: PaymentProviders): Promise<boolean> {
  let held = await payments.named(payment.provider).query(payment.paymentId);
  if (held?.status === 'AUTHORIZED') held = await captureIfAwaited(orderId, payment.paymentId, payment.provider, payments);
  if (!held || !CAPTURED.includes(held.status)) return false;
  logger.warn('payment found paid at the provider without its notification; applied', { orderId, paymentId: payment.paymentId });
  await applyHeld(orderId, payment, held, payments);
  return true;
}

/**
 * Before an unpaid payment is given up, the provider is asked (API.md): a payment made
 * or failed whose notification was lost is applied as that notification would have
 * been ('applied': decide again from the order as it now is). Otherwise the payment is
 * closed at the provider, so it can no longer be paid; if the provider answers that it
 * was paid first, that payment is applied instead. Asking and closing move no money
 * and are idempotent, so they may come before the decision that records them.
 */
export async function closeOrApply(orderId: string, payment: Payment, payments: PaymentProviders): Promise<'closed' | 'applied'> {
  if (payment.status === 'CLOSED') return 'closed';
  const provider = payments.named(payment.provider);
  let held = await provider.query(payment.paymentId);
  if (held?.status === 'AUTHORIZED') held = await captureIfAwaited(orderId, payment.paymentId, payment.provider, payments);
  const outcome = held ? await applyHeld(orderId, payment, held, payments) : null;
  if (outcome && outcome !== 'ignored') return 'applied';
  if ((await provider.close(payment.paymentId)) === 'closed') return 'closed';
  if (!(await applyProviderRecord(orderId, payment, payments))) throw new Error(`the provider refused to close payment ${payment.paymentId} but holds no capture`);
  return 'applied';
}

/**
 * A payment the payment stage created at the provider for an order that was cancelled
 * before the payment was recorded on it: closed there and recorded CLOSED; if it was
 * paid meanwhile, it is applied (the order being cancelled, it is owed back as late).
 * A failed attempt notified meanwhile may have recorded the payment FAILED: the provider
 * now holds it CLOSED, and so does the record (as a cancel that closed it does).
 */
export async function withdrawUnrecordedPayment(orderId: string, payment: Payment, payments: PaymentProviders): Promise<void> {
  if ((await closeOrApply(orderId, payment, payments)) === 'applied') return;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    await backoff(attempt);
    const order = await getOrder(orderId);
    if (!order) return;
    const recorded = order.payment;
    // Another payment, or this one paid or closed, recorded meanwhile: nothing to add.
    if (recorded && (recorded.paymentId !== payment.paymentId || recorded.paidAt || recorded.status === 'CLOSED')) return;
    if (await updateWhile(orderId, [order.status], { payment: { ...(recorded ?? payment), status: 'CLOSED' } }, { expectVersion: order.version })) return;
  }
  throw new Error(`the closed payment of ${orderId} could not be recorded; will be retried`);
}

/** A verified provider notification, applied: what it reports decides, as any report does. */
export async function applyNotification(notification: ProviderNotification, payments: PaymentProviders): Promise<string> {
  switch (notification.kind) {
    case 'payment':
      return applyPaymentEvent(notification.orderId, notification.report, payments);
    case 'approved': {
      const { orderId, paymentId } = notification;
      const held = await captureIfAwaited(orderId, paymentId, notification.provider, payments);
      return (held && (await applyHeld(orderId, { provider: notification.provider, paymentId }, held, payments))) ?? 'not-captured';
    }
    case 'refund':
      return (await completeRefund(notification.orderId, notification.paymentId, notification.refundId, notification.state)) ? `refund-${notification.state.toLowerCase()}` : 'refund-already-recorded';
    case 'ignored':
      return `ignored ${notification.eventType}`;
  }
}
